import { expect } from 'chai';
import { migratedMemoryStore } from '../../support/memory-store.ts';
import type { Db } from '../../../src/store/db.ts';
import { createCursorCodec } from '../../../src/fhir/cursors.ts';
import { createUpstream } from '../../../src/fhir/upstream.ts';
import { createHttpPool } from '../../../src/store/http-pool.ts';
import { FacadeError } from '../../../src/fhir/facade-error.ts';
import { runFacade } from '../../../src/fhir/pipeline.ts';
import { createGrantUsage } from '../../../src/store/grant-usage.ts';

const fhirBase = 'https://portal.example/fhir';

describe('facade pipeline: tokens without a patient context', function () {
  // Opening and migrating a PGlite store can take over mocha's 10 s default on a busy machine.
  this.timeout(20_000);
  let db: Db;
  let accountId: string;
  before(async () => {
    db = await migratedMemoryStore();
    accountId = (
      await db.query<{ id: string }>("INSERT INTO accounts (kind, email, status, fhir_user) VALUES ('staff', 's@clinic.example', 'active', 'Practitioner/p1') RETURNING id")
    ).rows[0]!.id;
  });
  after(() => db.close());

  it('refuses before asking the FHIR server (security model 7: fail closed)', async () => {
    // A live token for this audience and its grant, as the authorization server stores them, with no `patient`.
    const exp = Math.floor(Date.now() / 1000) + 600;
    await db.query("INSERT INTO oidc_payloads (model, id, payload, grant_id) VALUES ('Grant', 'g1', $1, NULL)", [JSON.stringify({ accountId, clientId: 'app' })]);
    await db.query("INSERT INTO oidc_payloads (model, id, payload, grant_id) VALUES ('AccessToken', 'live-token', $1, 'g1')", [
      JSON.stringify({ accountId, clientId: 'app', grantId: 'g1', aud: fhirBase, scope: 'patient/*.rs', extra: {}, exp }),
    ]);
    const deps = {
      db,
      fhirBase,
      upstreamBase: 'http://127.0.0.1:9/fhir',
      upstream: createUpstream({ timeoutMs: 100, dispatcher: createHttpPool({ timeoutMs: 100 }) }),
      cursors: createCursorCodec('k'.repeat(40)),
      grantUsage: createGrantUsage(db),
      timeZone: 'America/Chicago',
    };
    let error: unknown;
    try {
      await runFacade(deps, { method: 'GET', path: '/Patient/p1', rawQuery: '', authorization: 'Bearer live-token' });
    } catch (caught) {
      error = caught;
    }
    expect(error).to.be.instanceOf(FacadeError);
    expect(error).to.include({ status: 403, key: 'facade.no_patient_context' });
    expect((error as FacadeError).textIn('en')).to.equal('This token has no patient context.');
  });
});
