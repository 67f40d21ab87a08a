import { expect } from 'chai';
import type { MockAgent } from 'undici';
import { type FacadeHarness, hapi, startFacadeHarness } from './facade-harness.ts';
import type { Db } from '../../../src/store/db.ts';

/**
 * DESIGN.md security model 8 with kept token answers (src/auth/checked-tokens.ts): while nothing that
 * can end access is written, a token is asked of the store once; a revocation written elsewhere (here:
 * straight into the store, as another replica would) stops the very next request before release, and
 * the trail records that request as refused, never as released.
 */
describe('facade: kept token answers, and a revocation on another replica acting on the next request', function () {
  this.timeout(30_000);
  let db: Db;
  let harness: FacadeHarness;
  let agent: MockAgent;
  let base: string;
  let tokenLookups = 0;

  before(async () => {
    harness = await startFacadeHarness({
      scope: 'patient/*.rs',
      wrapDb: (db) => ({ ...db, query: (sql, params) => (sql.includes('live_access_token') && tokenLookups++, db.query(sql, params)) }),
    });
    ({ db, agent, base } = harness);
  });
  after(() => harness.close());

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
