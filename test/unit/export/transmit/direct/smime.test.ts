import { expect } from 'chai';
import { spawnSync } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { zipSync } from 'fflate';
import { signedAndEncryptedMessage } from '../../../../../src/export/transmit/direct/smime.ts';
import { type DirectDemoCertificates, ensureDirectDemoCertificates, issueCertificate } from '../../../../../scripts/lib/demo-certificates.ts';

/** Runs openssl; resolves with its exit status and stderr, never throws. */
function openssl(...args: string[]): { status: number | null; stderr: string } {
  const result = spawnSync('openssl', args, { encoding: 'utf8' });
  return { status: result.status, stderr: result.stderr };
}

describe('Direct S/MIME message (smime.ts), checked with openssl cms', function () {
  this.timeout(30_000);
  let dir: string;
  let certs: DirectDemoCertificates;
  let message: string;
  const zip = zipSync({ 'IHE_XDM/SUBSET01/CCD.XML': new TextEncoder().encode('<ClinicalDocument/>'), 'README.TXT': new TextEncoder().encode('hola') });
  const file = (name: string) => join(dir, name);

  before(() => {
    dir = mkdtempSync(join(tmpdir(), 'puente-smime-'));
    certs = ensureDirectDemoCertificates(join(dir, 'pki'));
    message = signedAndEncryptedMessage({
      from: certs.practiceAddress,
      to: [certs.doctorAddress],
      subject: 'Registro de salud',
      date: new Date('2026-05-06T07:08:09Z'),
      messageId: 'direct-1.abc@portal.clinic.example',
      text: 'Adjunto el registro de salud.\nSaludos.',
      attachments: [{ filename: 'record.zip', contentType: 'application/zip', content: zip }],
      sender: { certificatePem: readFileSync(certs.practiceCert, 'utf8'), privateKeyPem: readFileSync(certs.practiceKey, 'utf8') },
      recipientCertificatesPem: [readFileSync(certs.doctorCert, 'utf8')],
    });
    writeFileSync(file('msg.eml'), message);
  });
  after(() => rmSync(dir, { recursive: true, force: true }));

  it('is an RFC 5322 message with CRLF line endings and the outer headers only', () => {
    const [head] = message.split('\r\n\r\n');
    expect(head!.split('\r\n')).to.deep.equal([
      'From: records@direct.puente-demo.example',
      'To: dra.rivera@direct.demo-hisp.example',
      'Subject: Registro de salud',
      'Date: Wed, 06 May 2026 07:08:09 +0000',
      'Message-ID: <direct-1.abc@portal.clinic.example>',
      'MIME-Version: 1.0',
      'Content-Type: application/pkcs7-mime; smime-type=enveloped-data; name=smime.p7m',
      'Content-Transfer-Encoding: base64',
      'Content-Disposition: attachment; filename=smime.p7m',
    ]);
    expect(message.replaceAll('\r\n', '')).to.not.include('\n');
    expect(message).to.not.include('Adjunto');
  });

  it('decrypts with the doctor’s key, and the signature verifies against the practice’s anchor with the attachment inside', () => {
    const decrypt = openssl('cms', '-decrypt', '-in', file('msg.eml'), '-recip', certs.doctorCert, '-inkey', certs.doctorKey, '-out', file('inner.eml'));
    expect(decrypt, decrypt.stderr).to.include({ status: 0 });
    const inner = readFileSync(file('inner.eml'), 'utf8');
    expect(inner).to.match(/^Content-Type: multipart\/signed; protocol="application\/pkcs7-signature"; micalg=sha-256; boundary=/);
    const verify = openssl('cms', '-verify', '-in', file('inner.eml'), '-CAfile', certs.practiceAnchor, '-out', file('content.eml'));
    expect(verify, verify.stderr).to.include({ status: 0 });
    expect(verify.stderr).to.include('Verification successful');
    const content = readFileSync(file('content.eml'), 'utf8');
    expect(content).to.match(/^Content-Type: multipart\/mixed; boundary=/);
    expect(content).to.include(
      'Content-Type: application/zip; name="record.zip"\r\nContent-Transfer-Encoding: base64\r\nContent-Disposition: attachment; filename="record.zip"\r\n\r\n',
    );
    expect(content.replaceAll('\r\n', '')).to.include(Buffer.from(zip).toString('base64'));
    expect(content.replaceAll('\r\n', '')).to.include(Buffer.from('Adjunto el registro de salud.\r\nSaludos.').toString('base64'));
  });

  it('signs with SHA-256 over content-type, message-digest and signing time, and includes the signer’s certificate', () => {
    openssl('cms', '-decrypt', '-in', file('msg.eml'), '-recip', certs.doctorCert, '-inkey', certs.doctorKey, '-out', file('inner2.eml'));
    const signature = spawnSync('openssl', ['cms', '-cmsout', '-print', '-in', file('inner2.eml')], { encoding: 'utf8' }).stdout;
    expect(signature).to.include('algorithm: sha256 (2.16.840.1.101.3.4.2.1)');
    expect(signature).to.include('object: contentType (1.2.840.113549.1.9.3)');
    expect(signature).to.include('object: messageDigest (1.2.840.113549.1.9.4)');
    expect(signature).to.include('object: signingTime (1.2.840.113549.1.9.5)');
    expect(signature).to.include('UTCTIME:May  6 07:08:09 2026 GMT');
    expect(signature).to.match(/certificates:\s+d\.certificate:/);
    const envelopeInfo = spawnSync('openssl', ['cms', '-cmsout', '-print', '-in', file('msg.eml')], { encoding: 'utf8' }).stdout;
    expect(envelopeInfo).to.include('algorithm: aes-256-cbc (2.16.840.1.101.3.4.1.42)');
    expect(envelopeInfo.match(/d\.ktri:/g)).to.have.length(2);
  });

  it('lets the practice read its own sent item', () => {
    const decrypt = openssl('cms', '-decrypt', '-in', file('msg.eml'), '-recip', certs.practiceCert, '-inkey', certs.practiceKey, '-out', file('sent.eml'));
    expect(decrypt, decrypt.stderr).to.include({ status: 0 });
  });

  it('fails verification when one byte of the signed content changes', () => {
    openssl('cms', '-decrypt', '-in', file('msg.eml'), '-recip', certs.doctorCert, '-inkey', certs.doctorKey, '-out', file('inner3.eml'));
    const inner = readFileSync(file('inner3.eml'), 'utf8');
    // The text part's base64 sits inside the signed multipart/mixed entity.
    const textBase64 = Buffer.from('Adjunto el registro de salud.\r\nSaludos.').toString('base64').slice(0, 20);
    const at = inner.indexOf(textBase64) + 5;
    expect(at).to.be.greaterThan(5);
    const flipped = `${inner.slice(0, at)}${inner[at] === 'A' ? 'B' : 'A'}${inner.slice(at + 1)}`;
    writeFileSync(file('tampered.eml'), flipped);
    const verify = openssl('cms', '-verify', '-in', file('tampered.eml'), '-CAfile', certs.practiceAnchor, '-out', file('tampered-content.eml'));
    expect(verify.status).to.not.equal(0);
    expect(verify.stderr).to.include('Verification failure');
  });

  it('does not verify against another anchor (the doctor’s own HISP CA)', () => {
    const verify = openssl('cms', '-verify', '-in', file('inner.eml'), '-CAfile', certs.trustAnchors, '-out', file('other.eml'));
    expect(verify.status).to.not.equal(0);
  });

  it('cannot be decrypted with a key it was not encrypted to', () => {
    const stranger = issueCertificate({ commonName: 'stranger@direct.elsewhere.example', email: 'stranger@direct.elsewhere.example' });
    writeFileSync(file('stranger.crt'), stranger.certificatePem);
    writeFileSync(file('stranger.key'), stranger.privateKeyPem);
    const decrypt = openssl('cms', '-decrypt', '-in', file('msg.eml'), '-recip', file('stranger.crt'), '-inkey', file('stranger.key'), '-out', file('stranger.eml'));
    expect(decrypt.status).to.not.equal(0);
    expect(decrypt.stderr).to.include('Error decrypting CMS');
  });

  it('refuses header values that would add headers, and a message without recipients', () => {
    const base = {
      from: 'a@direct.example',
      to: ['b@direct.example'],
      subject: 'x',
      date: new Date(),
      messageId: 'm@x',
      text: '',
      attachments: [],
      sender: { certificatePem: readFileSync(certs.practiceCert, 'utf8'), privateKeyPem: readFileSync(certs.practiceKey, 'utf8') },
      recipientCertificatesPem: [readFileSync(certs.doctorCert, 'utf8')],
    };
    const accented = signedAndEncryptedMessage({ ...base, subject: 'Información de salud de su paciente, enviada por la clínica' });
    const subject = accented.slice(accented.indexOf('Subject: '), accented.indexOf('\r\nDate: '));
    expect(subject.split('\r\n ').map((word) => word.replace(/^Subject: /, ''))).to.satisfy((words: string[]) => words.length === 2 && words.every((w) => w.length <= 75));
    expect(
      subject
        .split('\r\n ')
        .map((word) => Buffer.from(/=\?UTF-8\?B\?(.*)\?=/.exec(word)![1]!, 'base64').toString('utf8'))
        .join(''),
    ).to.equal('Información de salud de su paciente, enviada por la clínica');
    expect(() => signedAndEncryptedMessage({ ...base, subject: 'x\r\nBcc: eve@example.org' })).to.throw('single lines');
    expect(() => signedAndEncryptedMessage({ ...base, to: [] })).to.throw('at least one recipient');
    expect(() => signedAndEncryptedMessage({ ...base, recipientCertificatesPem: [] })).to.throw('certificates');
  });
});
