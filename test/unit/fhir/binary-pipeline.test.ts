import { expect } from 'chai';
import { MockAgent } from 'undici';
import { openPglite } from '../../../src/store/pglite-db.ts';
import { migrate } from '../../../src/store/migrate.ts';
import type { Db } from '../../../src/store/db.ts';
import { createCursorCodec } from '../../../src/fhir/cursors.ts';
import { FacadeError } from '../../../src/fhir/facade-error.ts';
import { runFacade } from '../../../src/fhir/pipeline.ts';
import { createGrantUsage } from '../../../src/store/grant-usage.ts';
import { createUpstream } from '../../../src/fhir/upstream.ts';

const fhirBase = 'https://portal.example/fhir';
const upstream = 'http://hapi.test';
const deps = { fhirBase, upstreamBase: `${upstream}/fhir`, cursors: createCursorCodec('k'.repeat(40)) };

describe('facade pipeline: a Binary is decided through its DocumentReference before HAPI is asked for it', function () {
  this.timeout(20_000);
  let db: Db;
  before(async () => {
    db = await openPglite('memory://');
    await migrate(db);
    const accountId = (await db.query<{ id: string }>("INSERT INTO accounts (kind, email, status, fhir_user) VALUES ('patient', 'p@example.org', 'active', 'Patient/p1') RETURNING id")).rows[0]!.id;
    const exp = Math.floor(Date.now() / 1000) + 600;
    await db.query("INSERT INTO oidc_payloads (model, id, payload, grant_id) VALUES ('Grant', 'g1', $1, NULL)", [JSON.stringify({ accountId, clientId: 'app' })]);
    await db.query("INSERT INTO oidc_payloads (model, id, payload, grant_id) VALUES ('AccessToken', 'patient-token', $1, 'g1')", [
      JSON.stringify({ accountId, clientId: 'app', grantId: 'g1', aud: fhirBase, scope: 'patient/*.rs', extra: { patient: 'p1' }, exp }),
    ]);
  });
  after(() => db.close());
  // HAPI, as undici's mock: the facade's upstream client is undici, which nock does not see.
  let hapi: MockAgent;
  beforeEach(() => {
    hapi = new MockAgent();
    hapi.disableNetConnect();
  });
  afterEach(() => hapi.close());

  const read = (id: string) =>
    runFacade({ db, ...deps, upstream: createUpstream({ timeoutMs: 2000, dispatcher: hapi }), grantUsage: createGrantUsage(db) }, { method: 'GET', path: `/Binary/${id}`, rawQuery: '', authorization: 'Bearer patient-token' });
  const binaryRequest = () => hapi.get(upstream).intercept({ path: '/fhir/Binary/b1', method: 'GET' }).reply(200, { resourceType: 'Binary', id: 'b1', contentType: 'text/plain', data: 'eA==' });
  const pending = () => hapi.pendingInterceptors().map((interceptor) => interceptor.path);
  const failure = async (promise: Promise<unknown>) => {
    try {
      await promise;
    } catch (error) {
      return error;
    }
    throw new Error('expected a refusal');
  };
  const documentSearch = (bundle: object) =>
    hapi
      .get(upstream)
      .intercept({
        path: '/fhir/DocumentReference',
        method: 'GET',
        query: { location: `Binary/b1,${fhirBase}/Binary/b1,${upstream}/fhir/Binary/b1`, _count: '100', patient: 'Patient/p1' },
        headers: { prefer: 'handling=strict' },
      })
      .reply(200, bundle);

  it('answers 404 without fetching the Binary when no reachable DocumentReference names it', async () => {
    // HAPI answers with another patient's document naming the Binary: the facade re-checks and refuses it.
    documentSearch({
      resourceType: 'Bundle',
      type: 'searchset',
      entry: [{ resource: { resourceType: 'DocumentReference', id: 'd2', status: 'current', subject: { reference: 'Patient/p2' }, content: [{ attachment: { url: 'Binary/b1' } }] } }],
    });
    binaryRequest();
    const error = await failure(read('b1'));
    expect(error).to.be.instanceOf(FacadeError);
    expect(error).to.include({ status: 404, text: 'Resource not found.' });
    expect(pending(), 'the search was made, the Binary never requested').to.deep.equal(['/fhir/Binary/b1']);
  });

  it('fetches and releases the Binary when the patient’s own document names it', async () => {
    documentSearch({
      resourceType: 'Bundle',
      type: 'searchset',
      entry: [{ resource: { resourceType: 'DocumentReference', id: 'd1', status: 'current', subject: { reference: 'Patient/p1' }, content: [{ attachment: { url: `${upstream}/fhir/Binary/b1` } }] } }],
    });
    binaryRequest();
    const released = await read('b1');
    expect(released).to.deep.include({ resourceType: 'Binary', id: 'b1', data: 'eA==' });
    expect(pending()).to.deep.equal([]);
  });
});
