import { expect } from 'chai';
import { createHash, randomBytes } from 'node:crypto';
import { webClientSecret } from '../../src/auth/provider.ts';
import { authorizationCode } from '../support/oauth.ts';
import { startPortal, type RunningPortal } from '../support/portal.ts';
import { onboard, type Onboarded } from '../support/onboard.ts';
import { addFamilyMember } from '../support/family-member.ts';

interface TokenResponse {
  access_token: string;
  refresh_token?: string;
  id_token?: string;
  scope: string;
  patient?: string;
  expires_in: number;
  token_type: string;
  error?: string;
}

describe('SMART tokens: code exchange, refresh rotation, introspection and revocation (issue #4, first part)', function () {
  this.timeout(120_000);
  let portal: RunningPortal;
  let person: Onboarded;
  let basic: string;

  before(async () => {
    portal = await startPortal();
    person = await onboard(portal.ctx, portal.smtp);
    basic = `Basic ${Buffer.from(`puente-web:${webClientSecret(portal.ctx.config.secretKeys)}`).toString('base64')}`;
  });
  after(() => portal.stop());

  /** Signs in and stops at the redirect that carries the code (the client's job starts there). */
  async function authorizationCodeFor(verifier: string): Promise<string> {
    const result = await authorizationCode(portal, person, 'openid fhirUser launch/patient patient/*.rs online_access', {
      resource: `${portal.url}/fhir`,
      code_challenge: createHash('sha256').update(verifier).digest('base64url'),
    });
    expect(result.state).to.equal('s1');
    return result.code;
  }

  const token = async (body: Record<string, string>) => {
    const response = await fetch(`${portal.url}/oidc/token`, {
      method: 'POST',
      headers: { authorization: basic, 'content-type': 'application/x-www-form-urlencoded' },
      body: new URLSearchParams(body),
    });
    return { status: response.status, headers: response.headers, json: (await response.json()) as TokenResponse };
  };
  const introspect = async (value: string) =>
    (await (
      await fetch(`${portal.url}/oidc/token/introspection`, {
        method: 'POST',
        headers: { authorization: basic, 'content-type': 'application/x-www-form-urlencoded' },
        body: new URLSearchParams({ token: value }),
      })
    ).json()) as Record<string, unknown>;
  const readPatient = (accessToken: string) => fetch(`${portal.url}/fhir/Patient/${person.patient.id}`, { headers: { authorization: `Bearer ${accessToken}` } });

  it('issues a SMART token response, once per code, and refuses a wrong PKCE verifier', async () => {
    const verifier = randomBytes(32).toString('base64url');
    const code = await authorizationCodeFor(verifier);
    const wrongVerifier = await token({
      grant_type: 'authorization_code',
      code: await authorizationCodeFor(verifier),
      redirect_uri: `${portal.url}/auth/callback`,
      code_verifier: randomBytes(32).toString('base64url'),
    });
    expect(wrongVerifier.json.error).to.equal('invalid_grant');

    const response = await token({ grant_type: 'authorization_code', code, redirect_uri: `${portal.url}/auth/callback`, code_verifier: verifier });
    expect(response.status).to.equal(200);
    expect(response.headers.get('cache-control')).to.include('no-store');
    expect(response.json).to.include({ token_type: 'Bearer', patient: person.patient.id });
    expect(response.json.scope.split(' ')).to.include.members(['openid', 'fhirUser', 'launch/patient', 'patient/*.rs', 'online_access']);
    expect(response.json.expires_in).to.be.within(1, 900);
    expect(response.json.refresh_token).to.be.a('string');
    const [header, payload] = response.json
      .id_token!.split('.')
      .slice(0, 2)
      .map((part) => JSON.parse(Buffer.from(part, 'base64url').toString()) as Record<string, unknown>);
    expect(header!['alg']).to.equal('RS256');
    expect(payload!['fhirUser']).to.equal(`${portal.url}/fhir/Patient/${person.patient.id}`);
    expect((await readPatient(response.json.access_token)).status).to.equal(200);

    const again = await token({ grant_type: 'authorization_code', code, redirect_uri: `${portal.url}/auth/callback`, code_verifier: verifier });
    expect(again.json.error, 'codes are single-use').to.equal('invalid_grant');
  });

  it('introspects an active and an invalid token (RFC 7662), and revocation kills a token at once (RFC 7009)', async () => {
    const verifier = randomBytes(32).toString('base64url');
    const tokens = (
      await token({ grant_type: 'authorization_code', code: await authorizationCodeFor(verifier), redirect_uri: `${portal.url}/auth/callback`, code_verifier: verifier })
    ).json;
    const active = await introspect(tokens.access_token);
    expect(active).to.include({
      active: true,
      client_id: 'puente-web',
      patient: person.patient.id,
      fhirUser: `${portal.url}/fhir/Patient/${person.patient.id}`,
      sub: person.accountId,
      iss: `${portal.url}/oidc`,
    });
    expect(active['scope']).to.be.a('string');
    expect(active['exp']).to.be.a('number');
    expect(await introspect('not-a-real-token')).to.deep.equal({ active: false });

    const revoked = await fetch(`${portal.url}/oidc/token/revocation`, {
      method: 'POST',
      headers: { authorization: basic, 'content-type': 'application/x-www-form-urlencoded' },
      body: new URLSearchParams({ token: tokens.access_token }),
    });
    expect(revoked.status).to.equal(200);
    expect(await introspect(tokens.access_token)).to.deep.equal({ active: false });
    expect((await readPatient(tokens.access_token)).status).to.equal(401);
  });

  // Every store statement of one exchange (the outbox worker's own polls are told apart by their SQL).
  const statements: { sql: string; params: readonly unknown[] }[] = [];
  const during = async <T>(work: () => Promise<T>): Promise<T> => {
    const db = portal.ctx.db;
    const query = db.query;
    statements.length = 0;
    db.query = ((sql: string, params: readonly unknown[] = []) => (statements.push({ sql, params }), query.call(db, sql, params))) as typeof db.query;
    try {
      return await work();
    } finally {
      db.query = query;
    }
  };
  const count = (pattern: RegExp, model?: string) => statements.filter((s) => pattern.test(s.sql) && (model === undefined || s.params[0] === model)).length;

  it('reads the account and the launch context once per exchange, and the issued token and its grant not again (src/auth/request-reads.ts)', async () => {
    const reads = () => ({
      account: count(/FROM accounts WHERE id = \$1/),
      launchContext: count(/FROM grant_contexts WHERE grant_id/),
      grant: count(/^\s*SELECT payload, consumed_at FROM oidc_payloads/, 'Grant'),
      accessToken: count(/^\s*SELECT payload, consumed_at FROM oidc_payloads/, 'AccessToken'),
    });
    const verifier = randomBytes(32).toString('base64url');
    const code = await authorizationCodeFor(verifier);
    const exchanged = await during(() => token({ grant_type: 'authorization_code', code, redirect_uri: `${portal.url}/auth/callback`, code_verifier: verifier }));
    // What is returned and audited is unchanged: the patient, the SMART scope, and the token-issued AuditEvent.
    expect(exchanged.status).to.equal(200);
    expect(exchanged.json).to.include({ patient: person.patient.id });
    expect(exchanged.json.scope.split(' ')).to.include.members(['openid', 'fhirUser', 'launch/patient', 'patient/*.rs', 'online_access']);
    expect(count(/INSERT INTO audit_events/), 'audited').to.be.greaterThan(0);
    expect(reads()).to.deep.equal({ account: 1, launchContext: 1, grant: 1, accessToken: 0 });
    const refreshed = await during(() => token({ grant_type: 'refresh_token', refresh_token: exchanged.json.refresh_token! }));
    expect(refreshed.json).to.include({ patient: person.patient.id });
    expect(reads()).to.deep.equal({ account: 1, launchContext: 1, grant: 1, accessToken: 0 });
  });

  it('a family member’s exchange reads their reach once, and the id_token and the access token name the same fhirUser (their RelatedPerson)', async () => {
    const member = await addFamilyMember(portal, person);
    // The member signs in with the patient's birth date; one patient reached, so no picker and no saved launch context.
    const signIn = { ...person, email: member.email, password: 'un paseo largo por la orilla del mar' };
    const verifier = randomBytes(32).toString('base64url');
    const { code } = await authorizationCode(portal, signIn, 'openid fhirUser launch/patient patient/*.rs', {
      resource: `${portal.url}/fhir`,
      code_challenge: createHash('sha256').update(verifier).digest('base64url'),
    });
    const exchanged = await during(() => token({ grant_type: 'authorization_code', code, redirect_uri: `${portal.url}/auth/callback`, code_verifier: verifier }));
    expect(exchanged.status).to.equal(200);
    expect(exchanged.json).to.include({ patient: person.patient.id });
    expect(count(/FROM account_reach WHERE account_id/), 'reach reads').to.equal(1);
    const idToken = JSON.parse(Buffer.from(exchanged.json.id_token!.split('.')[1]!, 'base64url').toString()) as Record<string, unknown>;
    expect(idToken['fhirUser']).to.equal(`${portal.url}/fhir/${member.relatedPerson}`);
    expect((await introspect(exchanged.json.access_token))['fhirUser']).to.equal(idToken['fhirUser']);
  });

  it('rotates refresh tokens, and a reused one revokes the whole grant', async () => {
    const verifier = randomBytes(32).toString('base64url');
    const first = (
      await token({ grant_type: 'authorization_code', code: await authorizationCodeFor(verifier), redirect_uri: `${portal.url}/auth/callback`, code_verifier: verifier })
    ).json;
    const second = (await token({ grant_type: 'refresh_token', refresh_token: first.refresh_token! })).json;
    expect(second.refresh_token).to.be.a('string').and.not.equal(first.refresh_token);
    expect(second.patient).to.equal(person.patient.id);
    expect((await readPatient(second.access_token)).status).to.equal(200);

    const reuse = await token({ grant_type: 'refresh_token', refresh_token: first.refresh_token! });
    expect(reuse.json.error).to.equal('invalid_grant');
    expect((await token({ grant_type: 'refresh_token', refresh_token: second.refresh_token! })).json.error, 'the newer one died with the grant').to.equal('invalid_grant');
    expect((await readPatient(second.access_token)).status, 'and so did its access token').to.equal(401);
    expect((await token({ grant_type: 'refresh_token', refresh_token: 'made-up' })).json.error).to.equal('invalid_grant');
  });
});
