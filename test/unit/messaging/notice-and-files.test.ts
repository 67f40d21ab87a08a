import { expect } from 'chai';
import { newMessageEmail } from '../../../src/messaging/notifications.ts';
import { checkAttachment, uploadedFile } from '../../../src/messaging/attachments.ts';
import { sniffAttachmentType } from '../../../src/core/attachment-type.ts';
import { messagesConfig } from '../../../src/config/messages-config.ts';
import { poolMessageEmail } from '../../../src/messaging/pool-notices.ts';
import { attachmentDisposition } from '../../../src/messaging/message-attachments.ts';

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
      poolEmails: new Map(),
    });
    const defaults = messagesConfig(() => undefined, problems);
    expect(defaults.topics.map((t) => t.code)).to.deep.equal(['doctor', 'appointments', 'refill', 'results', 'other']);
    expect(defaults.answerBusinessDays).to.equal(2);
    const bad: string[] = [];
    messagesConfig(<T>(name: string) => ({ MESSAGE_TOPICS: 'a:x,a:y', PRACTICE_HOURS: 'mon-fri 17:00-08:00' })[name] as T, bad);
    expect(bad).to.deep.equal(['MESSAGE_TOPICS: each topic may appear only once', 'PRACTICE_HOURS: the closing time must be after the opening time, e.g. "mon-fri 08:00-17:00"']);
  });

  it('reads MESSAGE_POOL_EMAILS: addresses per pool of MESSAGE_TOPICS, each pool once, each address an email', () => {
    const read = (value: string) => {
      const problems: string[] = [];
      const config = messagesConfig(<T>(name: string) => ({ MESSAGE_POOL_EMAILS: value })[name] as T, problems);
      return { emails: Object.fromEntries(config.poolEmails), problems };
    };
    expect(read('care-team:Nurse@Clinic.example|dr@clinic.example,front-desk:desk@clinic.example')).to.deep.equal({
      emails: { 'care-team': ['nurse@clinic.example', 'dr@clinic.example'], 'front-desk': ['desk@clinic.example'] },
      problems: [],
    });
    expect(read('billing:x@clinic.example').problems).to.deep.equal(['MESSAGE_POOL_EMAILS: "billing" is not a pool of MESSAGE_TOPICS']);
    expect(read('care-team:a@clinic.example,care-team:b@clinic.example').problems).to.deep.equal(['MESSAGE_POOL_EMAILS: the pool "care-team" may appear only once']);
    expect(read('care-team:not-an-address').problems).to.have.length(1);
    expect(read('care-team:a@clinic.example;b@clinic.example').problems).to.have.length(1);
  });

  it('writes the pool notice with the pool and the practice only, in the staff member’s language', () => {
    const es = poolMessageEmail('es', practice, 'desk@clinic.example', 'front-desk', 'https://portal.example/staff/messages?pool=front-desk');
    expect(es.subject).to.equal('Mensaje nuevo de un paciente en Clínica Puente');
    expect(es.text).to.include('Hay un mensaje nuevo de un paciente en la bandeja Recepción de Clínica Puente; inicie sesión en la consola del personal para leerlo.');
    const en = poolMessageEmail('en', practice, 'desk@clinic.example', 'care-team', 'https://portal.example/staff/messages?pool=care-team');
    expect(en.text).to.include('There is a new message from a patient in the Care team inbox of Clínica Puente');
    expect(poolMessageEmail('en', practice, 'x@clinic.example', 'lab-results', 'https://p.example/').text).to.include('in the lab results inbox');
  });

  it('names a downloaded attachment safely: no path, quotes or controls; the extension of the type sent; UTF-8 kept in filename*', () => {
    expect(attachmentDisposition('ESTUDIO.PDF', 'application/pdf', 'b1')).to.equal(`attachment; filename="ESTUDIO.pdf"; filename*=UTF-8''ESTUDIO.pdf`);
    expect(attachmentDisposition('radiografía rodilla.jpg', 'image/jpeg', 'b1')).to.equal(
      `attachment; filename="radiograf_a rodilla.jpg"; filename*=UTF-8''radiograf%C3%ADa%20rodilla.jpg`,
    );
    expect(attachmentDisposition('../../etc/"passwd"\r\nX: y.html', 'image/png', 'b2')).to.equal(
      `attachment; filename="etc passwd X y.html.png"; filename*=UTF-8''etc%20passwd%20X%20y.html.png`,
    );
    expect(attachmentDisposition(undefined, 'application/pdf', 'b3')).to.equal(`attachment; filename="attachment-b3.pdf"; filename*=UTF-8''attachment-b3.pdf`);
    expect(attachmentDisposition('x.exe', 'text/html', 'b4')).to.equal(`attachment; filename="x.exe"; filename*=UTF-8''x.exe`);
  });
});
