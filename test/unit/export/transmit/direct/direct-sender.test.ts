import { expect } from 'chai';
import { spawnSync } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { SMTPServer } from 'smtp-server';
import { createDirectSender, headerValue } from '../../../../../src/export/transmit/direct/direct-sender.ts';
import { signedAndEncryptedMessage } from '../../../../../src/export/transmit/direct/smime.ts';
import { PermanentDeliveryError } from '../../../../../src/store/outbox-worker.ts';
import type { DirectMessage } from '../../../../../src/store/outbox.ts';
import { ensureDirectDemoCertificates } from '../../../../../scripts/lib/demo-certificates.ts';
import { freePort } from '../../../../../scripts/lib/net.ts';
import { type CaptureSmtp, createCaptureSmtp } from '../../../../support/capture-smtp.ts';

describe('Direct sender: outbox kind "direct" over SMTP (direct-sender.ts)', function () {
  this.timeout(30_000);
  let dir: string;
  let smtp: CaptureSmtp;
  let payload: DirectMessage;

  before(async () => {
    dir = mkdtempSync(join(tmpdir(), 'puente-direct-sender-'));
    const certs = ensureDirectDemoCertificates(join(dir, 'pki'));
    payload = {
      from: certs.practiceAddress,
      to: [certs.doctorAddress],
      raw: signedAndEncryptedMessage({
        from: certs.practiceAddress,
        to: [certs.doctorAddress],
        subject: 'Health record',
        date: new Date('2026-01-02T03:04:05Z'),
        messageId: '<direct-7.f00d@portal.clinic.example>',
        text: 'Record attached.',
        attachments: [{ filename: 'record.zip', contentType: 'application/zip', content: new Uint8Array([80, 75, 5, 6, 0, 0]) }],
        sender: { certificatePem: readFileSync(certs.practiceCert, 'utf8'), privateKeyPem: readFileSync(certs.practiceKey, 'utf8') },
        recipientCertificatesPem: [readFileSync(certs.doctorCert, 'utf8')],
      }),
    };
    smtp = await createCaptureSmtp();
    await smtp.start();
  });
  after(async () => {
    await smtp.stop();
    rmSync(dir, { recursive: true, force: true });
  });

  it('sends the stored bytes unchanged to the envelope recipients and returns the Message-ID', async () => {
    const sender = createDirectSender({ smtpUrl: smtp.url, timeoutMs: 3000 });
    try {
      expect(await sender.deliver(payload, { id: '7', attempts: 1 })).to.deep.equal({ deliveryId: '<direct-7.f00d@portal.clinic.example>' });
    } finally {
      sender.close();
    }
    const [mail] = await smtp.waitForMessages(1);
    expect(mail!.envelopeTo).to.deep.equal(['dra.rivera@direct.demo-hisp.example']);
    expect(mail!.parsed.messageId).to.equal('<direct-7.f00d@portal.clinic.example>');
    const [p7m] = mail!.parsed.attachments;
    expect(p7m!.contentType).to.equal('application/pkcs7-mime');
    // The received enveloped data still decrypts with the doctor's key: nothing was re-encoded on the way.
    writeFileSync(join(dir, 'received.p7m'), p7m!.content);
    const decrypt = spawnSync(
      'openssl',
      ['cms', '-decrypt', '-inform', 'DER', '-in', join(dir, 'received.p7m'), '-recip', join(dir, 'pki/doctor.crt'), '-inkey', join(dir, 'pki/doctor.key')],
      { encoding: 'utf8' },
    );
    expect(decrypt.status, decrypt.stderr).to.equal(0);
    expect(decrypt.stdout).to.match(/^Content-Type: multipart\/signed;/);
  });

  it('fails for good when the relay refuses the recipient (5xx), and retryably when the relay is down', async () => {
    const port = await freePort();
    const refusing = new SMTPServer({
      authOptional: true,
      disabledCommands: ['STARTTLS', 'AUTH'],
      logger: false,
      onRcptTo(_address, _session, callback) {
        callback(Object.assign(new Error('no such user'), { responseCode: 550 }));
      },
    });
    await new Promise<void>((resolve) => refusing.listen(port, '127.0.0.1', () => resolve()));
    const sender = createDirectSender({ smtpUrl: `smtp://127.0.0.1:${port}`, timeoutMs: 3000 });
    try {
      const error = await sender.deliver(payload, { id: '8', attempts: 1 }).then(
        () => undefined,
        (e: unknown) => e,
      );
      expect(error).to.be.instanceOf(PermanentDeliveryError);
      expect((error as Error).message).to.equal('recipient refused (smtp 550)');
    } finally {
      sender.close();
      await new Promise<void>((resolve) => refusing.close(() => resolve()));
    }
    const down = createDirectSender({ smtpUrl: `smtp://127.0.0.1:${port}`, timeoutMs: 3000 });
    try {
      const error = await down.deliver(payload, { id: '9', attempts: 1 }).then(
        () => undefined,
        (e: unknown) => e,
      );
      expect(error).to.be.instanceOf(Error);
      expect(error).to.not.be.instanceOf(PermanentDeliveryError);
    } finally {
      down.close();
    }
  });

  it('reads a header from the raw message, folded or not, and only from the header block', () => {
    const raw = 'From: a@x\r\nMessage-ID:\r\n <id@x>\r\nSubject: s\r\n\r\nMessage-ID: <body@x>\r\n';
    expect(headerValue(raw, 'Message-ID')).to.equal('<id@x>');
    expect(headerValue(raw, 'to')).to.equal(undefined);
  });
});
