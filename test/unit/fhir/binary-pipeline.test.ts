import { expect } from 'chai';
import { MockAgent } from 'undici';
import { migratedMemoryStore } from '../../support/memory-store.ts';
import type { Db } from '../../../src/store/db.ts';
import { createCursorCodec } from '../../../src/fhir/cursors.ts';
import { FacadeError } from '../../../src/fhir/facade-error.ts';
import { runFacade } from '../../../src/fhir/pipeline.ts';
import { createGrantUsage } from '../../../src/store/grant-usage.ts';
import { createUpstream } from '../../../src/fhir/upstream.ts';
import { minorsConfig } from '../../../src/config/minors-config.ts';
import type { MinorsDeps } from '../../../src/fhir/minors-decision.ts';
import { categoryCoding } from '../../../src/core/fhir/messages.ts';

const fhirBase = 'https://portal.example/fhir';
const upstream = 'http://hapi.test';
const deps = { fhirBase, upstreamBase: `${upstream}/fhir`, cursors: createCursorCodec('k'.repeat(40)), timeZone: 'America/Chicago' };
/** Staff tokens whose user/ scopes reach DocumentReferences practice-wide; the last one only the launch patient's (patient/ scopes). */
const staffTokens = {
  'staff-user-documents': 'patient/*.rs user/DocumentReference.rs',
  'staff-user-all': 'user/*.rs',
  'staff-patient-only': 'patient/*.rs',
};

describe('facade pipeline: a Binary is decided through the DocumentReference or message naming it before HAPI is asked for it', function () {
  this.timeout(20_000);
  let db: Db;
  before(async () => {
    db = await migratedMemoryStore();
    const accountId = (
      await db.query<{ id: string }>("INSERT INTO accounts (kind, email, status, fhir_user) VALUES ('patient', 'p@example.org', 'active', 'Patient/p1') RETURNING id")
    ).rows[0]!.id;
    const exp = Math.floor(Date.now() / 1000) + 600;
    await db.query("INSERT INTO oidc_payloads (model, id, payload, grant_id) VALUES ('Grant', 'g1', $1, NULL)", [JSON.stringify({ accountId, clientId: 'app' })]);
    await db.query("INSERT INTO oidc_payloads (model, id, payload, grant_id) VALUES ('AccessToken', 'patient-token', $1, 'g1')", [
      JSON.stringify({ accountId, clientId: 'app', grantId: 'g1', aud: fhirBase, scope: 'patient/*.rs', extra: { patient: 'p1' }, exp }),
    ]);
    // The same patient's app with message scopes only, and one with neither documents nor messages.
    for (const [token, scope] of Object.entries({ 'messages-token': 'patient/Communication.rs', 'observations-token': 'patient/Observation.rs' })) {
      await db.query("INSERT INTO oidc_payloads (model, id, payload, grant_id) VALUES ('AccessToken', $1, $2, 'g1')", [
        token,
        JSON.stringify({ accountId, clientId: 'app', grantId: 'g1', aud: fhirBase, scope, extra: { patient: 'p1' }, exp }),
      ]);
    }
    // A parent (the designee of the paper form: a RelatedPerson acting for p1) with everything the patient sees.
    const parentId = (
      await db.query<{ id: string }>(
        "INSERT INTO accounts (kind, email, status, patient, fhir_user) VALUES ('proxy', 'parent@example.org', 'active', 'Patient/p1', 'RelatedPerson/r1') RETURNING id",
      )
    ).rows[0]!.id;
    await db.query("INSERT INTO oidc_payloads (model, id, payload, grant_id) VALUES ('Grant', 'g-parent', $1, NULL)", [JSON.stringify({ accountId: parentId, clientId: 'app' })]);
    await db.query("INSERT INTO oidc_payloads (model, id, payload, grant_id) VALUES ('AccessToken', 'parent-token', $1, 'g-parent')", [
      JSON.stringify({ accountId: parentId, clientId: 'app', grantId: 'g-parent', aud: fhirBase, scope: 'patient/*.rs', extra: { patient: 'p1' }, exp }),
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

  // The minors policy's clock and p1's birth date (2010-06-15): a child before 2022-06-15, an adolescent from it.
  let clock = new Date('2030-01-01T12:00:00Z');
  const minors: MinorsDeps = { policy: minorsConfig(() => undefined), birthDateOf: async () => '2010-06-15', grantedAt: async () => undefined, now: () => clock };
  const get = (path: string, token: string) =>
    runFacade(
      { db, ...deps, minors, upstream: createUpstream({ timeoutMs: 2000, dispatcher: hapi }), grantUsage: createGrantUsage(db) },
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
  /** p1's messages naming the Binary: ONE search with the project's `attachment-url` parameter (fhir-profiles/), every url form. */
  const messageSearch = (bundle: object, binary = 'b1') =>
    hapi
      .get(upstream)
      .intercept({
        path: '/fhir/Communication',
        method: 'GET',
        query: { 'attachment-url': `Binary/${binary},${fhirBase}/Binary/${binary},${upstream}/fhir/Binary/${binary}`, patient: 'Patient/p1', _count: '100' },
        headers: { prefer: 'handling=strict' },
      })
      .reply(200, bundle);
  const messagesOf = (...resources: object[]) => ({ resourceType: 'Bundle', type: 'searchset', entry: resources.map((resource) => ({ resource })) });
  const noDocuments = () => documentSearch({ resourceType: 'Bundle', type: 'searchset', entry: [] });
  const message = (fields: Record<string, unknown> = {}) => ({
    resourceType: 'Communication',
    id: 'm1',
    status: 'completed',
    category: [{ coding: [categoryCoding('message')] }],
    partOf: [{ reference: 'Communication/t1' }],
    subject: { reference: 'Patient/p1' },
    payload: [{ contentString: 'hola' }, { contentAttachment: { contentType: 'application/pdf', url: 'Binary/b1' } }],
    ...fields,
  });

  it('answers 404 without fetching the Binary when no reachable DocumentReference names it', async () => {
    // HAPI answers with another patient's document naming the Binary: the facade re-checks and refuses it.
    documentSearch({
      resourceType: 'Bundle',
      type: 'searchset',
      entry: [
        { resource: { resourceType: 'DocumentReference', id: 'd2', status: 'current', subject: { reference: 'Patient/p2' }, content: [{ attachment: { url: 'Binary/b1' } }] } },
      ],
    });
    messageSearch(messagesOf());
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
        messageSearch(messagesOf(), 'b2');
        binaryRead();
        expect(await failure(read('b2', token)), token).to.include({ status: 404 });
        expect(pending(), token).to.deep.equal(['/fhir/Binary/b2']);
        await hapi.close();
        hapi = new MockAgent();
        hapi.disableNetConnect();
      }
    });
  });
  describe('a message’s attachment: a Binary named by a Communication the token may read (docs/messages.md)', () => {
    it('releases the Binary named by the patient’s own message, after the documents found none', async () => {
      noDocuments();
      messageSearch(messagesOf(message()));
      binaryRequest();
      expect(await read('b1')).to.deep.include({ resourceType: 'Binary', id: 'b1', data: 'eA==' });
      expect(pending()).to.deep.equal([]);
    });

    it('a token with message scopes only asks for no document; one with neither is refused before HAPI is asked', async () => {
      messageSearch(messagesOf(message()));
      binaryRequest();
      expect(await read('b1', 'messages-token')).to.deep.include({ resourceType: 'Binary', id: 'b1' });
      expect(pending()).to.deep.equal([]);
      binaryRequest();
      expect(await failure(read('b1', 'observations-token'))).to.include({ status: 403, key: 'facade.scope_denied' });
      expect(pending()).to.deep.equal(['/fhir/Binary/b1']);
    });

    it('another patient’s message, an internal staff note, a message naming another Binary or a version: the uniform 404, the Binary never fetched', async () => {
      const refusedBy = [
        message({ subject: { reference: 'Patient/p2' } }),
        // An internal note names no patient (outside the compartment by construction) — even one carrying the patient as recipient.
        message({
          category: [{ coding: [categoryCoding('internal-note')] }],
          subject: undefined,
          recipient: [{ reference: 'Patient/p1' }],
          about: [{ reference: 'Communication/t1' }],
        }),
        message({ payload: [{ contentAttachment: { url: 'Binary/b2' } }] }),
        message({ payload: [{ contentAttachment: { url: 'Binary/b1/_history/1' } }] }),
        message({ payload: [{ contentAttachment: { url: 'https://elsewhere.example/fhir/Binary/b1' } }] }),
      ];
      for (const resource of refusedBy) {
        noDocuments();
        messageSearch(messagesOf(resource));
        binaryRequest();
        expect(await failure(read('b1')), JSON.stringify(resource)).to.include({ status: 404, key: 'facade.not_found' });
        expect(pending()).to.deep.equal(['/fhir/Binary/b1']);
        await hapi.close();
        hapi = new MockAgent();
        hapi.disableNetConnect();
      }
    });

    it('asks HAPI exactly once for the messages naming the Binary, and never for a further page', async () => {
      // The matching message is HAPI's answer; a next link (HAPI's paging) is not followed: the search already names the Binary.
      noDocuments();
      messageSearch({ ...messagesOf(message()), link: [{ relation: 'next', url: `${upstream}/fhir?_getpages=abc&_getpagesoffset=100&_count=100` }] });
      binaryRequest();
      expect(await read('b1')).to.deep.include({ resourceType: 'Binary', id: 'b1' });
      expect(pending()).to.deep.equal([]);
      // No message names it: still one search (an unexpected second request would fail the read with a mock error, not the 404).
      noDocuments();
      messageSearch({
        ...messagesOf(message({ id: 'm0', payload: [{ contentString: 'sin adjunto' }] })),
        link: [{ relation: 'next', url: `${upstream}/fhir?_getpages=abc&_getpagesoffset=100&_count=100` }],
      });
      binaryRequest();
      expect(await failure(read('b1'))).to.include({ status: 404, key: 'facade.not_found' });
      expect(pending()).to.deep.equal(['/fhir/Binary/b1']);
    });

    it('a Binary whose securityContext is the authorizing message is released; another message’s is not', async () => {
      for (const [context, released] of [
        ['Communication/m1', true],
        ['Communication/m9', false],
      ] as const) {
        noDocuments();
        messageSearch(messagesOf(message()));
        hapi
          .get(upstream)
          .intercept({ path: '/fhir/Binary/b1', method: 'GET' })
          .reply(200, { resourceType: 'Binary', id: 'b1', contentType: 'application/pdf', securityContext: { reference: context }, data: 'eA==' });
        const answer = read('b1');
        if (released) expect(await answer).to.deep.include({ id: 'b1' });
        else expect(await failure(answer)).to.include({ status: 404 });
      }
    });

    describe('an adolescent’s parent (issue 13 point 5): the authorizing resource and the Binary pass the confidentiality filter', () => {
      const confidential = { security: [{ system: 'http://terminology.hl7.org/CodeSystem/v3-Confidentiality', code: 'R' }] };
      const document = (meta?: object) => ({
        resourceType: 'Bundle',
        type: 'searchset',
        entry: [
          {
            resource: {
              resourceType: 'DocumentReference',
              id: 'd1',
              status: 'current',
              subject: { reference: 'Patient/p1' },
              content: [{ attachment: { url: 'Binary/b1' } }],
              ...(meta ? { meta } : {}),
            },
          },
        ],
      });
      const parentRead = async (day: string) => {
        clock = new Date(`${day}T12:00:00Z`);
        try {
          return await read('b1', 'parent-token');
        } finally {
          clock = new Date('2030-01-01T12:00:00Z');
        }
      };
      const fresh = async () => {
        await hapi.close();
        hapi = new MockAgent();
        hapi.disableNetConnect();
      };

      it('a confidential document or message gives the parent nothing from the 12th birthday; the day before, it does', async () => {
        documentSearch(document(confidential));
        binaryRequest();
        expect(await parentRead('2022-06-14'), 'a child’s parent').to.deep.include({ id: 'b1' });
        documentSearch(document(confidential));
        messageSearch(messagesOf(message({ meta: confidential })));
        binaryRequest();
        expect(await failure(parentRead('2022-06-15')), 'an adolescent’s parent').to.include({ status: 404 });
        expect(pending(), 'the Binary never fetched').to.deep.equal(['/fhir/Binary/b1']);
        await fresh();
        // A sensitive code (v3 ActCode PSY) on the message's category is withheld alike.
        noDocuments();
        messageSearch(messagesOf(message({ category: [{ coding: [{ system: 'http://terminology.hl7.org/CodeSystem/v3-ActCode', code: 'PSY' }] }] })));
        binaryRequest();
        expect(await failure(parentRead('2022-06-15'))).to.include({ status: 404 });
      });

      it('a Binary itself labelled R or V is withheld from the parent through a plain document; the patient still reads it', async () => {
        const labelled = {
          resourceType: 'Binary',
          id: 'b1',
          contentType: 'text/plain',
          meta: { security: [{ system: 'http://terminology.hl7.org/CodeSystem/v3-Confidentiality', code: 'V' }] },
          data: 'eA==',
        };
        documentSearch(document());
        hapi.get(upstream).intercept({ path: '/fhir/Binary/b1', method: 'GET' }).reply(200, labelled);
        expect(await failure(parentRead('2022-06-15'))).to.include({ status: 404 });
        documentSearch(document());
        hapi.get(upstream).intercept({ path: '/fhir/Binary/b1', method: 'GET' }).reply(200, labelled);
        expect(await parentRead('2022-06-14')).to.deep.include({ id: 'b1' });
        clock = new Date('2022-06-15T12:00:00Z');
        documentSearch(document());
        hapi.get(upstream).intercept({ path: '/fhir/Binary/b1', method: 'GET' }).reply(200, labelled);
        expect(await read('b1')).to.deep.include({ id: 'b1' });
        clock = new Date('2030-01-01T12:00:00Z');
      });
    });
  });
});
