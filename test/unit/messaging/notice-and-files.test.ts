import { expect } from 'chai';
import { newMessageEmail } from '../../../src/messaging/notifications.ts';
import { checkAttachment, uploadedFile } from '../../../src/messaging/attachments.ts';
import { sniffAttachmentType } from '../../../src/core/attachment-type.ts';
import { messagesConfig } from '../../../src/config/messages-config.ts';

describe('secure messages: the notice email, attachments, settings', () => {
  const practice = { name: 'Clínica Puente', phone: '+1 555 0100' };

  it('writes the notice with nothing but the practice and the link, in the recipient’s language', () => {
    const es = newMessageEmail('es', practice, 'p@example.org', 'https://portal.example/messages');
    expect(es.subject).to.equal('Mensaje nuevo de Clínica Puente');
    expect(es.text.split('\n\n')).to.include('Tiene un mensaje nuevo de Clínica Puente; inicie sesión para leerlo.');
    expect(es.text).to.include('https://portal.example/messages');
    const en = newMessageEmail('en', practice, 'p@example.org', 'https://portal.example/messages');
    expect(en.text).to.include('You have a new message from Clínica Puente; sign in to read it.');
    expect(en.locale).to.equal('en');
  });

  it('decides an attachment’s type by its bytes, whatever the name says', () => {
    expect(sniffAttachmentType(Buffer.from('%PDF-1.7 …'))).to.equal('application/pdf');
    expect(sniffAttachmentType(Buffer.from([0xff, 0xd8, 0xff, 0xdb]))).to.equal('image/jpeg');
    expect(sniffAttachmentType(Buffer.from([0x89, 0x50, 0x4e, 0x47, 0x0d, 0x0a, 0x1a, 0x0a, 0]))).to.equal('image/png');
    expect(sniffAttachmentType(Buffer.from('<svg onload=alert(1)>'))).to.equal(undefined);
    expect(sniffAttachmentType(Buffer.from('%PDF'))).to.equal(undefined);
    expect(checkAttachment(uploadedFile('SCAN.PDF', Buffer.from('%PDF-1.4')))).to.equal(undefined);
    expect(checkAttachment(uploadedFile('photo.png', Buffer.from('%PDF-1.4')))).to.equal(undefined);
    expect(checkAttachment(uploadedFile('x.pdf', Buffer.alloc(0)))).to.equal('messages.error.fileEmpty');
    expect(checkAttachment(uploadedFile('x.pdf', Buffer.from('MZ\x90\x00')))).to.equal('messages.error.fileType');
    expect(checkAttachment(uploadedFile('x.pdf', Buffer.concat([Buffer.from('%PDF-'), Buffer.alloc(10 * 1024 * 1024)])))).to.equal('messages.error.fileLarge');
  });

  it('reads MESSAGE_TOPICS, MESSAGE_ANSWER_DAYS and PRACTICE_HOURS, and reports what is wrong', () => {
    const env: Record<string, unknown> = { MESSAGE_TOPICS: 'doctor:clinical,billing:front-desk', MESSAGE_ANSWER_DAYS: 3, PRACTICE_HOURS: 'fri-mon 09:30-13:00' };
    const problems: string[] = [];
    const config = messagesConfig(<T>(name: string) => env[name] as T, problems);
    expect(problems).to.deep.equal([]);
    expect(config).to.deep.equal({
      topics: [
        { code: 'doctor', pool: 'clinical' },
        { code: 'billing', pool: 'front-desk' },
      ],
      answerBusinessDays: 3,
      hours: { days: [5, 6, 0, 1], open: 570, close: 780 },
    });
    const defaults = messagesConfig(() => undefined, problems);
    expect(defaults.topics.map((t) => t.code)).to.deep.equal(['doctor', 'appointments', 'refill', 'results', 'other']);
    expect(defaults.answerBusinessDays).to.equal(2);
    const bad: string[] = [];
    messagesConfig(<T>(name: string) => ({ MESSAGE_TOPICS: 'a:x,a:y', PRACTICE_HOURS: 'mon-fri 17:00-08:00' })[name] as T, bad);
    expect(bad).to.deep.equal(['MESSAGE_TOPICS: each topic may appear only once', 'PRACTICE_HOURS: the closing time must be after the opening time, e.g. "mon-fri 08:00-17:00"']);
  });
});
