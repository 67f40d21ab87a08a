import { expect } from 'chai';
import { X509Certificate } from 'node:crypto';
import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import {
  type DirectCertificateStore,
  findRecipientCertificate,
  loadDirectCertificateStore,
  loadPracticeDirectIdentity,
} from '../../../../../src/export/transmit/direct/certificates.ts';
import { type IssuedCertificate, issueCertificate } from '../../../../../scripts/lib/demo-certificates.ts';

const day = 86_400_000;
/** The PEM as the store gives it back (node:crypto's line endings). */
const pem = (issued: IssuedCertificate) => new X509Certificate(issued.certificatePem).toString();

describe('Direct certificates (certificates.ts)', function () {
  this.timeout(60_000);
  let dir: string;
  let store: DirectCertificateStore;
  let certs: Record<string, IssuedCertificate>;
  const now = new Date();

  before(() => {
    dir = mkdtempSync(join(tmpdir(), 'puente-direct-certs-'));
    const anchor = issueCertificate({ commonName: 'HISP CA', ca: true });
    const rogue = issueCertificate({ commonName: 'Rogue CA', ca: true });
    const intermediate = issueCertificate({ commonName: 'HISP issuing CA', ca: true, issuer: anchor });
    const oldAnchor = issueCertificate({ commonName: 'Old HISP CA', ca: true, notBefore: new Date(now.getTime() - 400 * day), notAfter: new Date(now.getTime() - day) });
    certs = {
      anchor,
      intermediate,
      doctor: issueCertificate({ commonName: 'Dra. Rivera', email: 'dra.rivera@direct.hisp.example', issuer: anchor }),
      domain: issueCertificate({ commonName: 'direct.hisp.example', domain: 'direct.hisp.example', issuer: anchor }),
      viaIntermediate: issueCertificate({ commonName: 'Dr. Ortiz', email: 'dr.ortiz@direct.other.example', issuer: intermediate }),
      legacy: issueCertificate({ commonName: 'Dr. Legacy', subjectEmail: 'Dr.Legacy@Direct.Old.example', issuer: anchor }),
      expired: issueCertificate({
        commonName: 'Dr. Expired',
        email: 'expired@direct.hisp.example',
        issuer: anchor,
        notBefore: new Date(now.getTime() - 800 * day),
        notAfter: new Date(now.getTime() - day),
      }),
      untrusted: issueCertificate({ commonName: 'Dr. Rogue', email: 'rogue@direct.rogue.example', issuer: rogue }),
      signOnly: issueCertificate({ commonName: 'Dr. Sign', email: 'sign.only@direct.hisp.example', issuer: anchor, keyUsage: { digitalSignature: true } }),
      underOldAnchor: issueCertificate({ commonName: 'Dr. Old', email: 'old@direct.old-hisp.example', issuer: oldAnchor }),
      // An address-bound certificate from an untrusted CA next to a good domain-bound one for the same domain.
      shadow: issueCertificate({ commonName: 'Shadow', email: 'shadow@direct.hisp.example', issuer: rogue }),
    };
    const certsDir = join(dir, 'certs');
    mkdirSync(certsDir);
    writeFileSync(join(certsDir, 'rivera.pem'), certs.doctor!.certificatePem);
    writeFileSync(join(certsDir, 'domain-bound'), certs.domain!.certificatePem);
    // One PEM file with a leaf and its intermediate, as HISPs publish them.
    writeFileSync(join(certsDir, 'ortiz-chain.crt'), certs.viaIntermediate!.certificatePem + intermediate.certificatePem);
    writeFileSync(join(certsDir, 'legacy.cer'), new X509Certificate(pem(certs.legacy!)).raw); // DER
    for (const name of ['expired', 'untrusted', 'signOnly', 'underOldAnchor', 'shadow'] as const) writeFileSync(join(certsDir, `${name}.pem`), certs[name]!.certificatePem);
    writeFileSync(join(certsDir, 'README.txt'), 'not a certificate');
    writeFileSync(join(dir, 'anchors.pem'), `${anchor.certificatePem}\n${oldAnchor.certificatePem}`);
    store = loadDirectCertificateStore({ certsDir, trustAnchorsPath: join(dir, 'anchors.pem') });
  });
  after(() => rmSync(dir, { recursive: true, force: true }));

  it('loads PEM and DER files of any name, the bundle’s anchors, and names the files it could not use', () => {
    expect(store.anchors).to.have.length(2);
    expect(store.certificates).to.have.length(10);
    expect(store.skipped).to.deep.equal(['README.txt']);
  });

  it('prefers the address-bound certificate, matching the address case-insensitively', () => {
    expect(findRecipientCertificate(store, 'Dra.Rivera@DIRECT.hisp.example', now)).to.deep.equal({ ok: true, certificatePem: pem(certs.doctor!) });
  });

  it('falls back to the domain-bound certificate for any other address at that domain', () => {
    expect(findRecipientCertificate(store, 'front.desk@direct.hisp.example', now)).to.deep.equal({ ok: true, certificatePem: pem(certs.domain!) });
    // The address-bound certificate is untrusted, so the trusted domain-bound one is used.
    expect(findRecipientCertificate(store, 'shadow@direct.hisp.example', now)).to.deep.equal({ ok: true, certificatePem: pem(certs.domain!) });
  });

  it('follows a chain through an intermediate in the directory', () => {
    expect(findRecipientCertificate(store, 'dr.ortiz@direct.other.example', now)).to.deep.equal({ ok: true, certificatePem: pem(certs.viaIntermediate!) });
  });

  it('uses the subject emailAddress when the certificate has no SAN email', () => {
    expect(findRecipientCertificate(store, 'dr.legacy@direct.old.example', now)).to.deep.equal({ ok: true, certificatePem: pem(certs.legacy!) });
  });

  it('refuses an address with no certificate: no_certificate', () => {
    expect(findRecipientCertificate(store, 'nobody@direct.nowhere.example', now)).to.deep.equal({ ok: false, reason: 'no_certificate' });
    expect(findRecipientCertificate(store, 'not-an-address', now)).to.deep.equal({ ok: false, reason: 'no_certificate' });
  });

  it('refuses a certificate whose key may not encipher: no_certificate (the domain-bound one is used instead)', () => {
    expect(findRecipientCertificate(store, 'sign.only@direct.hisp.example', now)).to.deep.equal({ ok: true, certificatePem: pem(certs.domain!) });
    const withoutDomain: DirectCertificateStore = { ...store, certificates: store.certificates.filter((c) => c.certificatePem !== pem(certs.domain!)) };
    expect(findRecipientCertificate(withoutDomain, 'sign.only@direct.hisp.example', now)).to.deep.equal({ ok: false, reason: 'no_certificate' });
  });

  it('refuses a certificate that does not chain to an anchor: untrusted', () => {
    expect(findRecipientCertificate(store, 'rogue@direct.rogue.example', now)).to.deep.equal({ ok: false, reason: 'untrusted' });
    const withoutIntermediate: DirectCertificateStore = { ...store, certificates: store.certificates.filter((c) => !c.isCa) };
    expect(findRecipientCertificate(withoutIntermediate, 'dr.ortiz@direct.other.example', now)).to.deep.equal({ ok: false, reason: 'untrusted' });
  });

  it('refuses a certificate, or an anchor, outside its validity: expired', () => {
    const withoutDomain: DirectCertificateStore = { ...store, certificates: store.certificates.filter((c) => c.certificatePem !== pem(certs.domain!)) };
    expect(findRecipientCertificate(withoutDomain, 'expired@direct.hisp.example', now)).to.deep.equal({ ok: false, reason: 'expired' });
    expect(findRecipientCertificate(store, 'old@direct.old-hisp.example', now)).to.deep.equal({ ok: false, reason: 'expired' });
    expect(findRecipientCertificate(store, 'dra.rivera@direct.hisp.example', new Date(now.getTime() + 800 * day))).to.deep.equal({ ok: false, reason: 'expired' });
  });

  it('refuses a trust anchor bundle with no certificate', () => {
    writeFileSync(join(dir, 'empty.pem'), '');
    expect(() => loadDirectCertificateStore({ certsDir: join(dir, 'certs'), trustAnchorsPath: join(dir, 'empty.pem') })).to.throw();
  });

  it('loads the practice’s certificate and key, and refuses a key that is not the certificate’s', () => {
    writeFileSync(join(dir, 'practice.crt'), certs.doctor!.certificatePem);
    writeFileSync(join(dir, 'practice.key'), certs.doctor!.privateKeyPem);
    writeFileSync(join(dir, 'other.key'), certs.domain!.privateKeyPem);
    expect(loadPracticeDirectIdentity({ certificatePath: join(dir, 'practice.crt'), privateKeyPath: join(dir, 'practice.key') })).to.deep.equal({
      certificatePem: pem(certs.doctor!),
      privateKeyPem: certs.doctor!.privateKeyPem,
    });
    expect(() => loadPracticeDirectIdentity({ certificatePath: join(dir, 'practice.crt'), privateKeyPath: join(dir, 'other.key') })).to.throw('does not match');
    expect(() => loadPracticeDirectIdentity({ certificatePath: join(dir, 'practice.crt'), privateKeyPath: join(dir, 'missing.key') })).to.throw('ENOENT');
  });
});
