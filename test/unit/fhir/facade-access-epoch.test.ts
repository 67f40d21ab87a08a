import { expect } from 'chai';
import express from 'express';
import type { Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import nock from 'nock';
import { MockAgent } from 'undici';
import { openPglite } from '../../../src/store/pglite-db.ts';
import { migrate } from '../../../src/store/migrate.ts';
import type { Db } from '../../../src/store/db.ts';
import { createLogger } from '../../../src/core/log.ts';
import { createGrantUsage } from '../../../src/store/grant-usage.ts';
import { createFhirRouter } from '../../../src/fhir/router.ts';
import { createUpstream } from '../../../src/fhir/upstream.ts';

const fhirBase = 'https://portal.example/fhir';
const hapi = 'http://hapi.test';

/**
 * DESIGN.md security model 8 with kept token answers (src/auth/checked-tokens.ts): while nothing that
 * can end access is written, a token is asked of the store once; a revocation written elsewhere (here:
 * straight into the store, as another replica would) stops the very next request before release, and
 * the trail records that request as refused, never as released.
 */
describe('facade: kept token answers, and a revocation on another replica acting on the next request', function () {
  this.timeout(30_000);
  let db: Db;
  let server: Server;
  let agent: MockAgent;
  let base: string;
  let tokenLookups = 0;

  before(async () => {
    db = await openPglite('memory://');
    await migrate(db);
    const accountId = (
      await db.query<{ id: string }>(
        "INSERT INTO accounts (kind, email, status, patient, fhir_user) VALUES ('patient', 'p@example.org', 'active', 'Patient/p1', 'Patient/p1') RETURNING id",
      )
    ).rows[0]!.id;
    const exp = Math.floor(Date.now() / 1000) + 600;
    await db.query("INSERT INTO oidc_payloads (model, id, payload) VALUES ('Client', 'app', '{}')");
    await db.query("INSERT INTO oidc_payloads (model, id, payload, grant_id) VALUES ('Grant', 'g1', $1, NULL)", [JSON.stringify({ accountId, clientId: 'app' })]);
    await db.query("INSERT INTO oidc_payloads (model, id, payload, grant_id) VALUES ('AccessToken', 'patient-token', $1, 'g1')", [
      JSON.stringify({ accountId, clientId: 'app', grantId: 'g1', aud: fhirBase, scope: 'patient/*.rs', extra: { patient: 'p1' }, exp }),
    ]);
    // The facade's store, counting token lookups.
    const counting: Db = { ...db, query: (sql, params) => (sql.includes('live_access_token') && tokenLookups++, db.query(sql, params)) };
    agent = new MockAgent();
    agent.disableNetConnect();
    const app = express();
    app.use(
      '/fhir',
      createFhirRouter({
        db: counting,
        fhirBase,
        upstreamBase: `${hapi}/fhir`,
        publicUrl: new URL('https://portal.example'),
        upstream: createUpstream({ timeoutMs: 2000, dispatcher: agent }),
        cursorSecret: 'k'.repeat(40),
        portalName: 'Clinic',
        log: createLogger('silent'),
        grantUsage: createGrantUsage(db),
        registration: false,
      }),
    );
    // The facade is called over loopback; HAPI stays a mock.
    nock.enableNetConnect('127.0.0.1');
    server = app.listen(0, '127.0.0.1');
    await new Promise((resolve) => server.once('listening', resolve));
    base = `http://127.0.0.1:${(server.address() as AddressInfo).port}/fhir`;
  });
  after(async () => {
    nock.disableNetConnect();
    server.close();
    await agent.close();
    await db.close();
  });

  const hapiAnswersPatient = () =>
    agent
      .get(hapi)
      .intercept({ path: '/fhir/Patient/p1', method: 'GET' })
      .reply(200, { resourceType: 'Patient', id: 'p1', name: [{ family: 'Uno' }] });
  const read = () => fetch(`${base}/Patient/p1`, { headers: { authorization: 'Bearer patient-token', accept: 'application/fhir+json' } });
  const trail = async () =>
    // In the order written (the outbox id is a sequence); only this suite's requests write here.
    (
      await db.query<{ outcome: string; patient: string | null }>(
        "SELECT a.outcome, a.patient FROM audit_events a JOIN outbox o ON o.kind = 'audit' AND o.payload->>'id' = a.id::text ORDER BY o.id",
      )
    ).rows;

  it('asks the store for a token once while access is unchanged; each request is still audited', async () => {
    hapiAnswersPatient();
    hapiAnswersPatient();
    const first = await read();
    const second = await read();
    expect([first.status, second.status]).to.deep.equal([200, 200]);
    expect(((await second.json()) as { name: { family: string }[] }).name[0]!.family).to.equal('Uno');
    expect(tokenLookups).to.equal(1);
    expect((await trail()).map((e) => e.outcome)).to.deep.equal(['0', '0']);
  });

  it('refuses the next request after a revocation written elsewhere, releases nothing and audits it as refused', async () => {
    // Another replica revokes the token: this facade is not told, it still holds the answer.
    await db.query("DELETE FROM oidc_payloads WHERE model = 'AccessToken' AND id = 'patient-token'");
    hapiAnswersPatient();
    const response = await read();
    const text = await response.text();
    expect(response.status).to.equal(401);
    expect(response.headers.get('www-authenticate')).to.equal('Bearer error="invalid_token"');
    expect(text).not.to.include('Uno');
    const events = await trail();
    expect(
      events.map((e) => e.outcome),
      'two releases, then one refusal, and no third release',
    ).to.deep.equal(['0', '0', '4']);
    expect(events[2]!.patient).to.equal(null);
  });

  it('refuses later requests before HAPI is asked', async () => {
    hapiAnswersPatient();
    const response = await read();
    expect(response.status).to.equal(401);
    expect(agent.pendingInterceptors().map((i) => i.path)).to.deep.equal(['/fhir/Patient/p1']);
  });
});
