import { expect } from 'chai';
import { createSign, generateKeyPairSync, randomUUID, type KeyObject } from 'node:crypto';
import type { Bundle, Observation } from '@medplum/fhirtypes';
import { registerClient } from '../../src/store/oauth-clients.ts';
import { startPortal, type RunningPortal } from '../support/portal.ts';
import { seedPatient } from '../support/seed.ts';
import { seedClinicalRecord, type ClinicalRecord } from '../support/clinical-seed.ts';

const base64url = (value: object) => Buffer.from(JSON.stringify(value)).toString('base64url');

function signJwt(claims: Record<string, unknown>, key: KeyObject, kid: string): string {
  const body = `${base64url({ alg: 'RS384', typ: 'JWT', kid })}.${base64url(claims)}`;
  return `${body}.${createSign('RSA-SHA384').update(body).sign(key).toString('base64url')}`;
}

describe('SMART Backend Services: client_credentials with private_key_jwt and system/ scopes', function () {
  this.timeout(120_000);
  let portal: RunningPortal;
  let clientId: string;
  let privateKey: KeyObject;
  let patientId: string;
  let record: ClinicalRecord;
  const kid = 'ehr-key-1';

  before(async () => {
    portal = await startPortal();
    const pair = generateKeyPairSync('rsa', { modulusLength: 2048 });
    privateKey = pair.privateKey;
    const jwk = { ...pair.publicKey.export({ format: 'jwk' }), kid, alg: 'RS384', use: 'sig' };
    ({ clientId } = await registerClient(portal.ctx.db, {
      name: 'Clinic EHR',
      redirectUris: [],
      kind: 'backend',
      jwks: { keys: [jwk] },
      scope: 'system/Patient.rs system/Observation.rs',
    }));
    patientId = (await seedPatient(portal.ctx)).id;
    record = await seedClinicalRecord(portal.ctx, patientId, 'EHR');
  });
  after(() => portal.stop());

  const tokenEndpoint = () => `${portal.url}/oidc/token`;
  const assertion = (overrides: Record<string, unknown> = {}, key = privateKey) => {
    const now = Math.floor(Date.now() / 1000);
    return signJwt({ iss: clientId, sub: clientId, aud: tokenEndpoint(), jti: randomUUID(), iat: now, exp: now + 240, ...overrides }, key, kid);
  };
  async function requestToken(fields: Record<string, string>) {
    const response = await fetch(tokenEndpoint(), {
      method: 'POST',
      headers: { 'content-type': 'application/x-www-form-urlencoded' },
      body: new URLSearchParams({
        grant_type: 'client_credentials',
        client_assertion_type: 'urn:ietf:params:oauth:client-assertion-type:jwt-bearer',
        client_assertion: assertion(),
        scope: 'system/Patient.rs system/Observation.rs',
        ...fields,
      }),
    });
    return { status: response.status, json: (await response.json()) as { access_token?: string; expires_in?: number; scope?: string; error?: string } };
  }

  it('issues a short-lived system token limited to the registered scopes, which reads any patient of the practice', async () => {
    const { status, json } = await requestToken({});
    expect(status).to.equal(200);
    expect(json.expires_in).to.be.within(1, 300);
    expect(json.scope?.split(' ').sort()).to.deep.equal(['system/Observation.rs', 'system/Patient.rs']);
    const headers = { authorization: `Bearer ${json.access_token}` };
    expect((await fetch(`${portal.url}/fhir/Patient/${patientId}`, { headers })).status).to.equal(200);
    const observations = (await (await fetch(`${portal.url}/fhir/Observation?patient=${patientId}`, { headers })).json()) as Bundle;
    expect(observations.entry?.map((e) => e.resource?.id).sort()).to.deep.equal([record.ids['lab'], record.ids['vital']].sort());
    expect((await fetch(`${portal.url}/fhir/Condition?patient=${patientId}`, { headers })).status, 'not registered for Condition').to.equal(403);
  });

  it('audits a search across patients with one AuditEvent naming each patient whose data it released (BALP)', async () => {
    const otherId = (await seedPatient(portal.ctx)).id;
    const code = { coding: [{ system: 'urn:puente:test', code: randomUUID() }] };
    const observe = async (patient: string) =>
      (await portal.ctx.fhir.create<Observation>({ resourceType: 'Observation', status: 'final', code, subject: { reference: `Patient/${patient}` } })).id!;
    const ids = [await observe(patientId), await observe(otherId)];
    const { json } = await requestToken({});
    // No patient parameter: the patients come from what the response released.
    const query = `code=${encodeURIComponent(`urn:puente:test|${code.coding[0]!.code}`)}`;
    const answer = await fetch(`${portal.url}/fhir/Observation?${query}`, { headers: { authorization: `Bearer ${json.access_token}` } });
    expect(answer.status).to.equal(200);
    expect(((await answer.json()) as Bundle).entry?.map((e) => e.resource?.id).sort()).to.deep.equal(ids.sort());
    const entity = JSON.stringify([{ query: Buffer.from(`GET /Observation?${query}`).toString('base64') }]);
    const rows = await portal.ctx.db.query<{ patient: string | null }>(
      "SELECT patient FROM audit_events WHERE resource->'type'->>'code' = 'rest' AND resource->'entity' @> $1::jsonb",
      [entity],
    );
    expect(rows.rows.map((r) => r.patient).sort()).to.deep.equal([`Patient/${patientId}`, `Patient/${otherId}`].sort());
  });

  it('refuses a scope the client was not registered for', async () => {
    expect((await requestToken({ scope: 'system/Condition.rs' })).json.error).to.equal('invalid_scope');
  });

  it('refuses the wrong grant type, the wrong assertion type, a bad signature, a replayed jti and expired or long-lived assertions', async () => {
    expect((await requestToken({ grant_type: 'password' })).json.error).to.be.oneOf(['unsupported_grant_type', 'invalid_request']);
    expect((await requestToken({ client_assertion_type: 'urn:ietf:params:oauth:client-assertion-type:saml2-bearer' })).json.error).to.be.oneOf([
      'invalid_client',
      'invalid_request',
    ]);
    const stranger = generateKeyPairSync('rsa', { modulusLength: 2048 }).privateKey;
    expect((await requestToken({ client_assertion: assertion({}, stranger) })).json.error, 'bad signature').to.equal('invalid_client');
    const once = assertion();
    expect((await requestToken({ client_assertion: once })).status).to.equal(200);
    expect((await requestToken({ client_assertion: once })).json.error, 'replayed jti').to.equal('invalid_client');
    const now = Math.floor(Date.now() / 1000);
    expect((await requestToken({ client_assertion: assertion({ iat: now - 600, exp: now - 300 }) })).json.error, 'expired').to.equal('invalid_client');
    expect((await requestToken({ client_assertion: assertion({ exp: now + 3600 }) })).json.error, 'lives over 5 minutes').to.equal('invalid_client');
  });
});
