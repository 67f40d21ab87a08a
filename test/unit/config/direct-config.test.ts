import { expect } from 'chai';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { loadConfig } from '../../../src/config/config.ts';
import { readEnv } from '../../../src/config/env.ts';
import { problemsOf, productionEnv } from './config-fixtures.ts';
import { type DirectDemoCertificates, ensureDirectDemoCertificates } from '../../../scripts/lib/demo-certificates.ts';

const production = productionEnv;

describe('config: Direct (DIRECT_*)', function () {
  this.timeout(20_000);
  let dir: string;
  let certs: DirectDemoCertificates;
  let direct: Record<string, string>;

  before(() => {
    dir = mkdtempSync(join(tmpdir(), 'puente-direct-config-'));
    certs = ensureDirectDemoCertificates(join(dir, 'pki'));
    direct = {
      DIRECT_SMTP_URL: 'smtps://hisp.clinic.example:465',
      DIRECT_ADDRESS: certs.practiceAddress,
      DIRECT_CERT: certs.practiceCert,
      DIRECT_KEY: certs.practiceKey,
      DIRECT_CERTS_DIR: certs.certsDir,
      DIRECT_TRUST_ANCHORS: certs.trustAnchors,
    };
  });
  after(() => rmSync(dir, { recursive: true, force: true }));

  it('is off when DIRECT_SMTP_URL is unset', () => {
    expect(loadConfig(readEnv({ ...production })).direct).to.equal(undefined);
  });

  it('is on with every setting when the files load', () => {
    expect(loadConfig(readEnv({ ...production, ...direct })).direct).to.deep.equal({
      smtpUrl: 'smtps://hisp.clinic.example:465',
      address: 'records@direct.puente-demo.example',
      certificatePath: certs.practiceCert,
      privateKeyPath: certs.practiceKey,
      certsDir: certs.certsDir,
      trustAnchorsPath: certs.trustAnchors,
    });
  });

  it('requires the other five once DIRECT_SMTP_URL is set, and lists them all', () => {
    expect(problemsOf({ ...production, DIRECT_SMTP_URL: 'smtp://hisp.clinic.example' })).to.deep.equal([
      'DIRECT_ADDRESS: is required when DIRECT_SMTP_URL is set',
      'DIRECT_CERT: is required when DIRECT_SMTP_URL is set',
      'DIRECT_KEY: is required when DIRECT_SMTP_URL is set',
      'DIRECT_CERTS_DIR: is required when DIRECT_SMTP_URL is set',
      'DIRECT_TRUST_ANCHORS: is required when DIRECT_SMTP_URL is set',
    ]);
  });

  it('refuses Direct settings without DIRECT_SMTP_URL, so a half configuration is not silently off', () => {
    const { DIRECT_SMTP_URL: _, ...rest } = direct;
    expect(problemsOf({ ...production, ...rest })).to.have.members(
      ['DIRECT_ADDRESS', 'DIRECT_CERT', 'DIRECT_KEY', 'DIRECT_CERTS_DIR', 'DIRECT_TRUST_ANCHORS'].map(
        (name) => `${name}: only takes effect with DIRECT_SMTP_URL (Direct is off); set both or neither`,
      ),
    );
  });

  it('names every file that does not load, and a key that is not the certificate’s', () => {
    writeFileSync(join(dir, 'junk.pem'), 'not a certificate');
    expect(
      problemsOf({
        ...production,
        ...direct,
        DIRECT_SMTP_URL: 'http://hisp.clinic.example',
        DIRECT_ADDRESS: 'not an address',
        DIRECT_CERT: join(dir, 'missing.crt'),
        DIRECT_KEY: certs.doctorKey,
        DIRECT_CERTS_DIR: certs.practiceCert,
        DIRECT_TRUST_ANCHORS: join(dir, 'junk.pem'),
      }),
    ).to.deep.equal(['DIRECT_SMTP_URL: has the wrong format', 'DIRECT_ADDRESS: has the wrong format']);
    expect(
      problemsOf({
        ...production,
        ...direct,
        DIRECT_CERT: join(dir, 'missing.crt'),
        DIRECT_CERTS_DIR: certs.practiceCert,
        DIRECT_TRUST_ANCHORS: join(dir, 'junk.pem'),
      }),
    ).to.deep.equal(['DIRECT_CERT: file not found', 'DIRECT_CERTS_DIR: is not a directory', 'DIRECT_TRUST_ANCHORS: holds no PEM certificate']);
    expect(problemsOf({ ...production, ...direct, DIRECT_KEY: certs.doctorKey })).to.deep.equal(['DIRECT_KEY: is not the private key of DIRECT_CERT']);
    expect(problemsOf({ ...production, ...direct, DIRECT_CERT: join(dir, 'junk.pem') })).to.deep.equal(['DIRECT_CERT: is not a PEM certificate']);
  });

  it('refuses a practice certificate that does not name DIRECT_ADDRESS', () => {
    expect(problemsOf({ ...production, ...direct, DIRECT_ADDRESS: 'someone.else@direct.elsewhere.example' })).to.deep.equal([
      'DIRECT_CERT: does not name DIRECT_ADDRESS (neither its email nor its domain)',
    ]);
  });
});
