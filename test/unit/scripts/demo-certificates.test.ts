import { expect } from 'chai';
import { execFileSync } from 'node:child_process';
import { createPrivateKey, X509Certificate } from 'node:crypto';
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { demoDoctorAddress, ensureDirectDemoCertificates } from '../../../scripts/lib/demo-certificates.ts';

describe('demo Direct certificates (scripts/lib/demo-certificates.ts)', function () {
  this.timeout(30_000);
  let dir: string;
  before(() => {
    dir = mkdtempSync(join(tmpdir(), 'puente-direct-demo-'));
  });
  after(() => rmSync(dir, { recursive: true, force: true }));

  it('writes two chains that openssl verifies, each end entity bound to its Direct address', () => {
    const paths = ensureDirectDemoCertificates(dir, { practiceAddress: 'records@direct.clinic.example' });
    expect(paths.certsDir).to.equal(join(dir, 'certs'));
    const verify = (anchor: string, cert: string) => execFileSync('openssl', ['verify', '-purpose', 'smimesign', '-CAfile', anchor, cert], { encoding: 'utf8' }).trim();
    expect(verify(paths.practiceAnchor, paths.practiceCert)).to.equal(`${paths.practiceCert}: OK`);
    expect(verify(paths.trustAnchors, join(paths.certsDir, 'doctor.crt'))).to.equal(`${join(paths.certsDir, 'doctor.crt')}: OK`);
    const practice = new X509Certificate(readFileSync(paths.practiceCert));
    const doctor = new X509Certificate(readFileSync(paths.doctorCert));
    expect(practice.subjectAltName).to.equal('email:records@direct.clinic.example');
    expect(doctor.subjectAltName).to.equal(`email:${demoDoctorAddress}`);
    expect(practice.checkPrivateKey(createPrivateKey(readFileSync(paths.practiceKey)))).to.equal(true);
    expect(doctor.checkPrivateKey(createPrivateKey(readFileSync(paths.doctorKey)))).to.equal(true);
    expect(doctor.ca).to.equal(false);
    expect(readFileSync(join(paths.certsDir, 'doctor.crt'), 'utf8')).to.equal(readFileSync(paths.doctorCert, 'utf8'));
  });

  it('reuses certificates that stay valid 30 more days, and remakes them otherwise', () => {
    const first = readFileSync(join(dir, 'practice.crt'), 'utf8');
    ensureDirectDemoCertificates(dir, { practiceAddress: 'records@direct.clinic.example' });
    expect(readFileSync(join(dir, 'practice.crt'), 'utf8')).to.equal(first);
    // 710 days from now the end entities (valid 730 days) have less than 30 days left.
    ensureDirectDemoCertificates(dir, { practiceAddress: 'records@direct.clinic.example', now: new Date(Date.now() + 710 * 86_400_000) });
    const second = readFileSync(join(dir, 'practice.crt'), 'utf8');
    expect(second).to.not.equal(first);
    // Another practice address also means new certificates.
    ensureDirectDemoCertificates(dir, { practiceAddress: 'mail@direct.other.example' });
    expect(new X509Certificate(readFileSync(join(dir, 'practice.crt'))).subjectAltName).to.equal('email:mail@direct.other.example');
  });
});
