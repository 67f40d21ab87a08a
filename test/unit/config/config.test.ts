import { expect } from 'chai';
import { loadConfig } from '../../../src/config/config.ts';
import { readEnv } from '../../../src/config/env.ts';
import { problemsOf, productionEnv } from './config-fixtures.ts';
import { devSecretKey } from '../../../src/config/secrets.ts';

const goodKey = 'k'.repeat(40);
const production = productionEnv;

describe('config', () => {
  it('accepts a complete production environment and applies documented defaults', () => {
    const config = loadConfig(readEnv({ ...production }));
    expect(config.environment).to.equal('production');
    expect(config.port).to.equal(3000);
    expect(config.host).to.equal('0.0.0.0');
    expect(config.store).to.deep.equal({ kind: 'pglite', dataDir: 'var/pglite' });
    expect(config.fhir.timeoutMs).to.equal(10000);
    expect(config.outbox.deadAfterMs).to.equal(72 * 3600_000);
    expect(config.mail.from).to.equal('Puente <no-reply@portal.clinic.example>');
  });

  it('reports every problem at once, each with its variable name', () => {
    const problems = problemsOf({
      PUENTE_ENV: 'staging',
      PORT: 'eighty',
      FHIR_TIMEOUT_MS: '5',
      LOG_LEVEL: 'loud',
      DATABASE_URL: 'mysql://x',
      SMTP_URL: 'http://mail',
    });
    const names = problems.map((p) => p.split(':')[0]);
    expect(names).to.include.members(['PUENTE_ENV', 'PORT', 'FHIR_TIMEOUT_MS', 'LOG_LEVEL', 'DATABASE_URL', 'SMTP_URL', 'PUBLIC_URL', 'SECRET_KEYS']);
    expect(problems).to.include('PORT: must be a whole number');
    expect(problems).to.include('FHIR_TIMEOUT_MS: must be at least 100');
  });

  it('requires https, a real relay and real secrets outside development', () => {
    const problems = problemsOf({
      ...production,
      PUBLIC_URL: 'http://portal.clinic.example',
      SMTP_URL: 'smtp://127.0.0.1:1025',
      SECRET_KEYS: devSecretKey,
    });
    expect(problems).to.have.members([
      'PUBLIC_URL: must use https outside development',
      'SMTP_URL: a plain-text loopback SMTP server is a development mail catcher; use the practice relay in production',
      'SECRET_KEYS: the development key is not allowed outside development',
    ]);
  });

  it('lists each missing production variable', () => {
    expect(problemsOf({})).to.have.members([
      'PUBLIC_URL: is required outside development',
      'FHIR_UPSTREAM_URL: is required outside development',
      'SMTP_URL: is required outside development',
      'SECRET_KEYS: is required outside development',
    ]);
  });

  it('rejects short secret keys and a PUBLIC_URL with a path', () => {
    expect(problemsOf({ ...production, SECRET_KEYS: `${goodKey},short`, PUBLIC_URL: 'https://clinic.example/portal' })).to.have.members([
      'SECRET_KEYS: every key must be at least 32 characters long',
      'PUBLIC_URL: must be an origin only (no path, query or fragment)',
    ]);
  });

  it('allows local defaults in development', () => {
    const config = loadConfig(readEnv({ PUENTE_ENV: 'development' }));
    expect(config.publicUrl.href).to.equal('http://localhost:3000/');
    expect(config.mail.smtpUrl).to.equal('smtp://127.0.0.1:1025');
    expect(config.secretKeys).to.deep.equal([devSecretKey]);
  });

  it('takes the practice time zone as an IANA name, UTC by default, and refuses anything else by name', () => {
    expect(loadConfig(readEnv({ ...production })).practice.timeZone).to.equal('UTC');
    expect(loadConfig(readEnv({ ...production, PRACTICE_TIME_ZONE: 'America/Chicago' })).practice.timeZone).to.equal('America/Chicago');
    for (const bad of ['Mars/Olympus', 'EST5EDT;rm', '-05:00']) {
      expect(problemsOf({ ...production, PRACTICE_TIME_ZONE: bad })).to.deep.equal(['PRACTICE_TIME_ZONE: must be an IANA time zone name, e.g. America/Chicago']);
    }
  });

  it('reads the practice address as street lines, city, state and ZIP, and names the variable when it cannot', () => {
    expect(loadConfig(readEnv({ ...production })).practice.address).to.equal(undefined);
    expect(loadConfig(readEnv({ ...production, PRACTICE_ADDRESS: '100 Main St, Suite 2, Springfield, IL, 62701' })).practice.address).to.deep.equal({
      lines: ['100 Main St', 'Suite 2'],
      city: 'Springfield',
      state: 'IL',
      postalCode: '62701',
    });
    for (const bad of ['100 Main St, Springfield', '100 Main St, Springfield, Illinois, 62701', '100 Main St, Springfield, IL, 627', '100 Main St, , Springfield, IL, 62701']) {
      expect(problemsOf({ ...production, PRACTICE_ADDRESS: bad }), bad).to.deep.equal([
        'PRACTICE_ADDRESS: must read "street, city, ST, ZIP", e.g. "100 Main St, Suite 2, Springfield, IL, 62701"',
      ]);
    }
  });

  it('uses PostgreSQL when DATABASE_URL is set', () => {
    const config = loadConfig(readEnv({ ...production, DATABASE_URL: 'postgres://u:p@db:5432/puente' }));
    expect(config.store).to.deep.equal({ kind: 'postgres', url: 'postgres://u:p@db:5432/puente' });
  });

  it('never puts a secret in its error message', () => {
    const secret = 'super-secret-value-that-is-long-enough-for-a-key';
    const problems = problemsOf({ ...production, SECRET_KEYS: secret, PORT: 'x' });
    expect(problems.join('\n')).not.to.include(secret);
  });
});
