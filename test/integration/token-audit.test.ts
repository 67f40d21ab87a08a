import { expect } from 'chai';
import { createSign, generateKeyPairSync, randomUUID } from 'node:crypto';
import type { AuditEvent } from '@medplum/fhirtypes';
import { registerClient } from '../../src/store/oauth-clients.ts';
import { authorizationCode, webClientToken } from '../support/oauth.ts';
import { startPortal, type RunningPortal } from '../support/portal.ts';
import { onboard, type Onboarded } from '../support/onboard.ts';

/**
 * Token events (issue #4): issuance, refresh, revocation and refusals each leave a BALP-shaped
 * AuditEvent in the store's audit copy and the outbox, naming the person, the app and the patient,
 * and never a token or secret.
 */
describe('token events are audited (issuance, refresh, reuse, revocation, client_credentials)', function () {
  this.timeout(120_000);
  let portal: RunningPortal;
  let person: Onboarded;

  before(async () => {
    portal = await startPortal();
    person = await onboard(portal.ctx, portal.smtp);
  });
  after(() => portal.stop());

  const tokenEvents = async () => {
    const rows = await portal.ctx.db.query<{ resource: AuditEvent; id: string }>(
      `SELECT id, resource FROM audit_events WHERE resource->'subtype' @> '[{"system":"https://puente.example.org/fhir/CodeSystem/token-event"}]' ORDER BY recorded_at`,
    );
    return rows.rows.map((r) => r.resource);
  };
  const eventCode = (event: AuditEvent) => event.subtype?.find((s) => s.system === 'https://puente.example.org/fhir/CodeSystem/token-event')?.code;
  /** Events recorded while `work` ran. */
  async function during(work: () => Promise<unknown>): Promise<AuditEvent[]> {
    const before = new Set((await tokenEvents()).map((e) => e.id));
    await work();
    return (await tokenEvents()).filter((e) => !before.has(e.id));
  }
  const outboxed = async (id: string) => (await portal.ctx.db.query("SELECT 1 FROM outbox WHERE kind = 'audit' AND payload->>'id' = $1", [id])).rows.length;
  const detail = (event: AuditEvent, type: string) => event.entity?.flatMap((e) => e.detail ?? []).find((d) => d.type === type)?.valueString;
  const secretsOf = (json: Record<string, unknown>) => ['access_token', 'refresh_token', 'id_token'].map((k) => json[k]).filter((v): v is string => typeof v === 'string');

  it('audits issuance, refresh, refresh-token reuse and revocation with person, app and patient, and no token values', async () => {
    const { code, verifier } = await authorizationCode(portal, person, 'openid fhirUser launch/patient patient/*.rs online_access', { resource: `${portal.url}/fhir` });
    let first: Record<string, unknown> = {};
    const [issued, ...extraIssued] = await during(async () => {
      first = (await webClientToken(portal, { grant_type: 'authorization_code', code, redirect_uri: `${portal.url}/auth/callback`, code_verifier: verifier })).json;
    });
    expect(extraIssued).to.have.length(0);
    expect(eventCode(issued!)).to.equal('token-issued');
    expect(issued!.type).to.deep.include({ system: 'http://dicom.nema.org/resources/ontology/DCM', code: '110114' });
    expect(issued!.subtype?.map((s) => s.code)).to.include('ITI-71');
    expect(issued!.outcome).to.equal('0');
    const human = issued!.agent.find((a) => a.requestor)!;
    expect(human.who?.reference).to.equal(`Patient/${person.patient.id}`);
    expect(human.altId).to.equal(person.accountId);
    expect(issued!.agent.find((a) => !a.requestor)?.who?.identifier?.value).to.equal('puente-web');
    expect(issued!.entity?.find((e) => e.what?.reference)?.what?.reference).to.equal(`Patient/${person.patient.id}`);
    expect(detail(issued!, 'grant_type')).to.equal('authorization_code');
    expect(detail(issued!, 'scope')).to.include('patient/*.rs');
    expect(await outboxed(issued!.id!), 'written through the outbox').to.equal(1);

    let second: Record<string, unknown> = {};
    const [refreshed] = await during(async () => {
      second = (await webClientToken(portal, { grant_type: 'refresh_token', refresh_token: String(first['refresh_token']) })).json;
    });
    expect(eventCode(refreshed!)).to.equal('token-refreshed');
    expect(refreshed!.outcome).to.equal('0');
    expect(detail(refreshed!, 'grant_type')).to.equal('refresh_token');
    expect(refreshed!.entity?.find((e) => e.what?.reference)?.what?.reference).to.equal(`Patient/${person.patient.id}`);

    const [reuse] = await during(() => webClientToken(portal, { grant_type: 'refresh_token', refresh_token: String(first['refresh_token']) }));
    expect(eventCode(reuse!)).to.equal('refresh-token-reuse');
    expect(reuse!.type).to.deep.include({ code: '110113', display: 'Security Alert' });
    expect(reuse!.outcome).to.equal('4');
    expect(reuse!.agent.find((a) => a.requestor)?.who?.reference).to.equal(`Patient/${person.patient.id}`);
    expect(detail(reuse!, 'error')).to.equal('invalid_grant');

    // A fresh authorization to revoke.
    const again = await authorizationCode(portal, person, 'openid fhirUser launch/patient patient/*.rs', { resource: `${portal.url}/fhir` });
    const third = (await webClientToken(portal, { grant_type: 'authorization_code', code: again.code, redirect_uri: `${portal.url}/auth/callback`, code_verifier: again.verifier }))
      .json;
    const basic = `Basic ${Buffer.from(`puente-web:${(await import('../../src/auth/provider.ts')).webClientSecret(portal.ctx.config.secretKeys)}`).toString('base64')}`;
    const [revoked] = await during(() =>
      fetch(`${portal.url}/oidc/token/revocation`, {
        method: 'POST',
        headers: { authorization: basic, 'content-type': 'application/x-www-form-urlencoded' },
        body: new URLSearchParams({ token: String(third['access_token']) }),
      }),
    );
    expect(eventCode(revoked!)).to.equal('token-revoked');
    expect(revoked!.outcome).to.equal('0');
    expect(revoked!.action).to.equal('D');
    expect(revoked!.agent.find((a) => a.requestor)?.who?.reference).to.equal(`Patient/${person.patient.id}`);
    expect(revoked!.entity?.find((e) => e.what?.reference)?.what?.reference).to.equal(`Patient/${person.patient.id}`);

    // No token value, code or client secret anywhere in the trail.
    const trail = JSON.stringify(await tokenEvents());
    for (const value of [
      ...secretsOf(first),
      ...secretsOf(second),
      ...secretsOf(third),
      code,
      again.code,
      (await import('../../src/auth/provider.ts')).webClientSecret(portal.ctx.config.secretKeys),
    ]) {
      expect(trail.includes(value), 'a token or secret in the audit trail').to.equal(false);
    }
  });

  it('audits a refused code exchange with the app and the error', async () => {
    const [refused] = await during(() =>
      webClientToken(portal, { grant_type: 'authorization_code', code: 'made-up-code', redirect_uri: `${portal.url}/auth/callback`, code_verifier: 'x'.repeat(43) }),
    );
    expect(eventCode(refused!)).to.equal('token-refused');
    expect(refused!.outcome).to.equal('4');
    expect(detail(refused!, 'error')).to.equal('invalid_grant');
    expect(refused!.agent.find((a) => a.who?.identifier)?.who?.identifier?.value).to.equal('puente-web');
  });

  it('audits client_credentials issuance with the app as the requestor and no patient', async () => {
    const pair = generateKeyPairSync('rsa', { modulusLength: 2048 });
    const jwk = { ...pair.publicKey.export({ format: 'jwk' }), kid: 'k1', alg: 'RS384', use: 'sig' };
    const { clientId } = await registerClient(portal.ctx.db, { name: 'Audit EHR', redirectUris: [], kind: 'backend', jwks: { keys: [jwk] }, scope: 'system/Patient.rs' });
    const now = Math.floor(Date.now() / 1000);
    const body = `${Buffer.from(JSON.stringify({ alg: 'RS384', typ: 'JWT', kid: 'k1' })).toString('base64url')}.${Buffer.from(
      JSON.stringify({ iss: clientId, sub: clientId, aud: `${portal.url}/oidc/token`, jti: randomUUID(), iat: now, exp: now + 240 }),
    ).toString('base64url')}`;
    const assertion = `${body}.${createSign('RSA-SHA384').update(body).sign(pair.privateKey).toString('base64url')}`;
    let json: Record<string, unknown> = {};
    const [issued] = await during(async () => {
      const response = await fetch(`${portal.url}/oidc/token`, {
        method: 'POST',
        headers: { 'content-type': 'application/x-www-form-urlencoded' },
        body: new URLSearchParams({
          grant_type: 'client_credentials',
          client_assertion_type: 'urn:ietf:params:oauth:client-assertion-type:jwt-bearer',
          client_assertion: assertion,
          scope: 'system/Patient.rs',
        }),
      });
      json = (await response.json()) as Record<string, unknown>;
    });
    expect(json['access_token']).to.be.a('string');
    expect(eventCode(issued!)).to.equal('token-issued');
    expect(detail(issued!, 'grant_type')).to.equal('client_credentials');
    expect(issued!.agent).to.have.length(1);
    expect(issued!.agent[0]).to.deep.include({ requestor: true });
    expect(issued!.agent[0]!.who?.identifier?.value).to.equal(clientId);
    expect(issued!.entity?.some((e) => e.what?.reference?.startsWith('Patient/'))).to.equal(false);
    expect(JSON.stringify(issued).includes(String(json['access_token']))).to.equal(false);
    expect(JSON.stringify(issued).includes(assertion)).to.equal(false);
  });
});
