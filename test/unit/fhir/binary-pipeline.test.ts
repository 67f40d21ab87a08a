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
const deps = { fhirBase, upstreamBase: `${upstream}/fhir`, cursors: createCursorCodec('k'.repeat(40)), timeZone: 'America/Chicago' };
/** Staff tokens whose user/ scopes reach DocumentReferences practice-wide; the last one only the launch patient's (patient/ scopes). */
const staffTokens = {
  'staff-user-documents': 'patient/*.rs user/DocumentReference.rs',
  'staff-user-all': 'user/*.rs',
  'staff-patient-only': 'patient/*.rs',
};

describe('facade pipeline: a Binary is decided through its DocumentReference before HAPI is asked for it', function () {
  this.timeout(20_000);
  let db: Db;
  before(async () => {
    db = await openPglite('memory://');
    await migrate(db);
    const accountId = (
      await db.query<{ id: string }>("INSERT INTO accounts (kind, email, status, fhir_user) VALUES ('patient', 'p@example.org', 'active', 'Patient/p1') RETURNING id")
    ).rows[0]!.id;
    const exp = Math.floor(Date.now() / 1000) + 600;
    await db.query("INSERT INTO oidc_payloads (model, id, payload, grant_id) VALUES ('Grant', 'g1', $1, NULL)", [JSON.stringify({ accountId, clientId: 'app' })]);
    await db.query("INSERT INTO oidc_payloads (model, id, payload, grant_id) VALUES ('AccessToken', 'patient-token', $1, 'g1')", [
      JSON.stringify({ accountId, clientId: 'app', grantId: 'g1', aud: fhirBase, scope: 'patient/*.rs', extra: { patient: 'p1' }, exp }),
    ]);
    // A staff member's EHR-launched app: launch patient p1, practice-wide only within its user/ scopes.
    const staffId = (
      await db.query<{ id: string }>("INSERT INTO accounts (kind, email, status, fhir_user) VALUES ('staff', 'dr@clinic.example', 'active', 'Practitioner/dr1') RETURNING id")
    ).rows[0]!.id;
    await db.query("INSERT INTO oidc_payloads (model, id, payload, grant_id) VALUES ('Grant', 'g-staff', $1, NULL)", [JSON.stringify({ accountId: staffId, clientId: 'ehr-app' })]);
    for (const [token, scope] of Object.entries(staffTokens)) {
      await db.query("INSERT INTO oidc_payloads (model, id, payload, grant_id) VALUES ('AccessToken', $1, $2, 'g-staff')", [
        token,
        JSON.stringify({ accountId: staffId, clientId: 'ehr-app', grantId: 'g-staff', aud: fhirBase, scope, extra: { patient: 'p1' }, exp }),
      ]);
    }
  });
  after(() => db.close());
  // HAPI, as undici's mock: the facade's upstream client is undici, which nock does not see.
  let hapi: MockAgent;
  beforeEach(() => {
    hapi = new MockAgent();
    hapi.disableNetConnect();
  });
  afterEach(() => hapi.close());

  const get = (path: string, token: string) =>
    runFacade(
      { db, ...deps, upstream: createUpstream({ timeoutMs: 2000, dispatcher: hapi }), grantUsage: createGrantUsage(db) },
      { method: 'GET', path, rawQuery: '', authorization: `Bearer ${token}` },
    );
  const read = (id: string, token = 'patient-token') => get(`/Binary/${id}`, token);
  const binaryRequest = () =>
    hapi.get(upstream).intercept({ path: '/fhir/Binary/b1', method: 'GET' }).reply(200, { resourceType: 'Binary', id: 'b1', contentType: 'text/plain', data: 'eA==' });
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
      entry: [
        { resource: { resourceType: 'DocumentReference', id: 'd2', status: 'current', subject: { reference: 'Patient/p2' }, content: [{ attachment: { url: 'Binary/b1' } }] } },
      ],
    });
    binaryRequest();
    const error = await failure(read('b1'));
    expect(error).to.be.instanceOf(FacadeError);
    expect(error).to.include({ status: 404, key: 'facade.not_found' });
    expect((error as FacadeError).textIn('en')).to.equal('Resource not found.');
    expect(pending(), 'the search was made, the Binary never requested').to.deep.equal(['/fhir/Binary/b1']);
  });

  it('fetches and releases the Binary when the patient’s own document names it', async () => {
    documentSearch({
      resourceType: 'Bundle',
      type: 'searchset',
      entry: [
        {
          resource: {
            resourceType: 'DocumentReference',
            id: 'd1',
            status: 'current',
            subject: { reference: 'Patient/p1' },
            content: [{ attachment: { url: `${upstream}/fhir/Binary/b1` } }],
          },
        },
      ],
    });
    binaryRequest();
    const released = await read('b1');
    expect(released).to.deep.include({ resourceType: 'Binary', id: 'b1', data: 'eA==' });
    expect(pending()).to.deep.equal([]);
  });
  describe('reach is the pipeline’s decision (practice-wide within user/ scopes), not re-derived from the token kind', () => {
    // Patient p2's document and its Binary; the tokens' launch patient is p1.
    const otherDocument = { resourceType: 'DocumentReference', id: 'd2', status: 'current', subject: { reference: 'Patient/p2' }, content: [{ attachment: { url: 'Binary/b2' } }] };
    const otherBinary = { resourceType: 'Binary', id: 'b2', contentType: 'text/plain', data: 'eQ==' };
    const documentRead = () => hapi.get(upstream).intercept({ path: '/fhir/DocumentReference/d2', method: 'GET' }).reply(200, otherDocument);
    const binaryRead = () => hapi.get(upstream).intercept({ path: '/fhir/Binary/b2', method: 'GET' }).reply(200, otherBinary);
    const search = (patient?: string) =>
      hapi
        .get(upstream)
        .intercept({
          path: '/fhir/DocumentReference',
          method: 'GET',
          query: { location: `Binary/b2,${fhirBase}/Binary/b2,${upstream}/fhir/Binary/b2`, _count: '100', ...(patient ? { patient } : {}) },
        })
        .reply(200, patient ? { resourceType: 'Bundle', type: 'searchset', entry: [] } : { resourceType: 'Bundle', type: 'searchset', entry: [{ resource: otherDocument }] });

    for (const token of ['staff-user-documents', 'staff-user-all']) {
      it(`a staff token with ${staffTokens[token as keyof typeof staffTokens]} reads another patient’s DocumentReference and its Binary`, async () => {
        documentRead();
        expect(await get('/DocumentReference/d2', token)).to.deep.include({ resourceType: 'DocumentReference', id: 'd2' });
        // The document search is practice-wide (no patient narrowing), as the DocumentReference read was.
        search();
        binaryRead();
        expect(await read('b2', token)).to.deep.include({ resourceType: 'Binary', id: 'b2', data: 'eQ==' });
        expect(pending()).to.deep.equal([]);
      });
    }

    it('a staff token with patient/ scopes only, and a patient token, reach neither: the uniform 404, the Binary never fetched', async () => {
      for (const token of ['staff-patient-only', 'patient-token']) {
        documentRead();
        expect(await failure(get('/DocumentReference/d2', token)), token).to.include({ status: 404 });
        search('Patient/p1');
        binaryRead();
        expect(await failure(read('b2', token)), token).to.include({ status: 404 });
        expect(pending(), token).to.deep.equal(['/fhir/Binary/b2']);
        await hapi.close();
        hapi = new MockAgent();
        hapi.disableNetConnect();
      }
    });
  });
});
