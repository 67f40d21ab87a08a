import { expect } from 'chai';
import { entryIds, type FacadeHarness, fhirBase, hapi, startFacadeHarness } from './facade-harness.ts';

const laboratory = 'http://terminology.hl7.org/CodeSystem/observation-category|laboratory';
const category = (code: string) => [{ coding: [{ system: 'http://terminology.hl7.org/CodeSystem/observation-category', code }] }];
const observation = (id: string, patient: string, code = 'laboratory', extra: object = {}) => ({
  resourceType: 'Observation',
  id,
  status: 'final',
  code: { text: id },
  category: category(code),
  subject: { reference: `Patient/${patient}` },
  meta: { lastUpdated: '2025-01-01T00:00:00Z' },
  ...extra,
});

/**
 * Patient/{id}/$everything through the facade, HAPI as undici's MockAgent. The token (patient p1) may read
 * Patient, laboratory Observations and Practitioners only.
 */
describe('facade pipeline: Patient/{id}/$everything', function () {
  this.timeout(20_000);
  let harness: FacadeHarness;
  before(async () => {
    harness = await startFacadeHarness({ scope: `patient/Patient.rs patient/Observation.rs?category=${laboratory} patient/Practitioner.r` });
  });
  after(() => harness.close());

  const get = (path: string) => harness.get(path);
  const pending = () => harness.pending();
  const ids = entryIds;
  const everything = (query: Record<string, string>, bundle: object) =>
    harness.agent
      .get(hapi)
      .intercept({ path: '/fhir/Patient/p1/$everything', method: 'GET', query, headers: { prefer: 'handling=strict' } })
      .reply(200, bundle);

  it('asks HAPI for the types the token may receive only, and drops every smuggled entry', async () => {
    everything(
      { _type: 'Patient,Observation,Practitioner', _since: '2024-01-01T00:00:00Z', start: '2020', end: '2024-12-31', _count: '20' },
      {
        resourceType: 'Bundle',
        type: 'searchset',
        total: 9,
        link: [{ relation: 'self', url: `${hapi}/fhir/Patient/p1/$everything` }],
        entry: [
          { resource: { resourceType: 'Patient', id: 'p1', meta: { lastUpdated: '2024-06-01T10:00:00.000+02:00' } } },
          { resource: { resourceType: 'Patient', id: 'p2', name: [{ family: 'Other' }] } },
          // HAPI 8.8 ignores _since on $everything: the facade applies it (meta.lastUpdated at or after it).
          { resource: observation('old-p1', 'p1', 'laboratory', { meta: { lastUpdated: '2023-12-31T23:59:59Z' } }) },
          { resource: observation('undated-p1', 'p1', 'laboratory', { meta: {} }) },
          { resource: observation('lab-p1', 'p1') },
          { resource: observation('vital-p1', 'p1', 'vital-signs') },
          { resource: observation('lab-p2', 'p2') },
          { resource: observation('focus-p1', 'p2', 'laboratory', { focus: [{ reference: 'Patient/p1' }] }) },
          { resource: { resourceType: 'Condition', id: 'cond-p1', subject: { reference: 'Patient/p1' } } },
          { resource: { resourceType: 'Practitioner', id: 'dr1', meta: { lastUpdated: '2024-01-01T00:00:00Z' } } },
          { resource: { resourceType: 'Organization', id: 'org1' } },
        ],
      },
    );
    const answer = await get('/Patient/p1/$everything?_since=2024-01-01T00:00:00Z&start=2020&end=2024-12-31');
    expect(answer.status).to.equal(200);
    expect(ids(answer.body)).to.deep.equal(['Patient/p1', 'Observation/lab-p1', 'Practitioner/dr1']);
    expect(answer.body.total, 'a filtered page claims no total').to.equal(undefined);
    expect(answer.body.entry!.map((entry) => entry.fullUrl)).to.deep.equal([`${fhirBase}/Patient/p1`, `${fhirBase}/Observation/lab-p1`, `${fhirBase}/Practitioner/dr1`]);
    expect(answer.body.link).to.deep.equal([{ relation: 'self', url: `${fhirBase}/Patient/p1/$everything?_since=2024-01-01T00%3A00%3A00Z&start=2020&end=2024-12-31` }]);
    expect(JSON.stringify(answer.body)).not.to.match(/p2|vital|old-p1|undated|cond-p1|org1|hapi\.test/);
    expect(pending()).to.deep.equal([]);
  });

  it('narrows to the _type the client names, and pages with signed cursors that a tampered copy cannot open', async () => {
    everything(
      { _type: 'Observation', _since: '2024-01-01T00:00:00Z', _count: '2' },
      {
        resourceType: 'Bundle',
        type: 'searchset',
        link: [{ relation: 'next', url: `${hapi}/fhir?_getpages=search-1&_getpagesoffset=2&_count=2&_bundletype=searchset` }],
        // HAPI adds the Patient and referenced Practitioners whatever _type says: only what was asked for leaves.
        entry: [{ resource: { resourceType: 'Patient', id: 'p1' } }, { resource: observation('lab-p1', 'p1') }, { resource: { resourceType: 'Practitioner', id: 'dr1' } }],
      },
    );
    const first = await get('/Patient/p1/$everything?_type=Observation&_since=2024-01-01T00:00:00Z&_count=2');
    expect(first.status).to.equal(200);
    expect(ids(first.body)).to.deep.equal(['Observation/lab-p1']);
    const next = first.body.link!.find((link) => link.relation === 'next')!.url!;
    expect(next).to.match(new RegExp(`^${fhirBase.replace(/\./g, '\\.')}\\?_cursor=[A-Za-z0-9_-]+\\.[A-Za-z0-9_-]+$`));
    expect(JSON.stringify(first.body)).not.to.include('_getpages');
    expect(JSON.stringify(first.body)).not.to.include('search-1');

    // The next page is HAPI's search, re-checked entry by entry: another patient's Observation is dropped.
    harness.agent
      .get(hapi)
      .intercept({ path: '/fhir', method: 'GET', query: { _getpages: 'search-1', _getpagesoffset: '2', _count: '2', _bundletype: 'searchset' } })
      .reply(200, {
        resourceType: 'Bundle',
        type: 'searchset',
        entry: [
          { resource: observation('lab2-p1', 'p1') },
          { resource: observation('lab-p2', 'p2') },
          // The cursor carries _since: an older entry on a later page is dropped too.
          { resource: observation('old2-p1', 'p1', 'laboratory', { meta: { lastUpdated: '2020-01-01T00:00:00Z' } }) },
        ],
      });
    const query = next.slice(fhirBase.length);
    const page = await get(query);
    expect(page.status).to.equal(200);
    expect(ids(page.body)).to.deep.equal(['Observation/lab2-p1']);
    expect(pending()).to.deep.equal([]);

    const tampered = query.replace(/.(?=\.)/, (c) => (c === 'A' ? 'B' : 'A'));
    const refused = await get(tampered);
    expect(refused.status).to.equal(404);
    expect(refused.body.issue?.[0]?.details?.text).to.be.a('string');
    expect(pending(), 'HAPI was not asked').to.deep.equal([]);
  });

  it('keeps only what start/end cover by clinical date (practice-local days), on every page; the Patient and undated entries stay', async () => {
    const taken = (id: string, effectiveDateTime?: string) => observation(id, 'p1', 'laboratory', effectiveDateTime ? { effectiveDateTime } : {});
    everything(
      { _type: 'Patient,Observation,Practitioner', start: '2024-03', end: '2024-06-30', _count: '20' },
      {
        resourceType: 'Bundle',
        type: 'searchset',
        total: 7,
        link: [{ relation: 'next', url: `${hapi}/fhir?_getpages=search-2&_getpagesoffset=7&_count=20&_bundletype=searchset` }],
        // HAPI 8.8 ignores start and end on $everything: it answers with the whole record.
        entry: [
          { resource: { resourceType: 'Patient', id: 'p1', birthDate: '1970-01-01' } },
          { resource: taken('before', '2024-02-29T12:00:00Z') },
          { resource: taken('first-day', '2024-03-01') },
          // 2024-07-01T03:00Z is still June 30 in Chicago: inside.
          { resource: taken('late-june-local', '2024-07-01T03:00:00Z') },
          { resource: taken('after', '2024-07-01T06:00:00Z') },
          { resource: taken('no-date') },
          { resource: { resourceType: 'Practitioner', id: 'dr1' } },
        ],
      },
    );
    const first = await get('/Patient/p1/$everything?start=2024-03&end=2024-06-30');
    expect(first.status).to.equal(200);
    expect(ids(first.body)).to.deep.equal(['Patient/p1', 'Observation/first-day', 'Observation/late-june-local', 'Observation/no-date', 'Practitioner/dr1']);
    expect(first.body.total, 'a filtered page claims no total').to.equal(undefined);

    // The cursor carries start and end: a later page is cut by the same dates.
    harness.agent
      .get(hapi)
      .intercept({ path: '/fhir', method: 'GET', query: { _getpages: 'search-2', _getpagesoffset: '7', _count: '20', _bundletype: 'searchset' } })
      .reply(200, { resourceType: 'Bundle', type: 'searchset', entry: [{ resource: taken('may', '2024-05-15') }, { resource: taken('2023', '2023') }] });
    const next = first.body.link!.find((link) => link.relation === 'next')!.url!;
    const page = await get(next.slice(fhirBase.length));
    expect(page.status).to.equal(200);
    expect(ids(page.body)).to.deep.equal(['Observation/may']);
    expect(pending()).to.deep.equal([]);
  });

  it('answers another patient’s $everything with the 404 of a read outside reach, without asking HAPI', async () => {
    const other = await get('/Patient/p2/$everything');
    const missing = await get('/Patient/does-not-exist/$everything');
    harness.agent.get(hapi).intercept({ path: '/fhir/Observation/nope', method: 'GET' }).reply(404, {});
    const read = await get('/Observation/nope');
    expect([other.status, missing.status, read.status]).to.deep.equal([404, 404, 404]);
    expect(other.body).to.deep.equal(read.body);
    expect(missing.body).to.deep.equal(read.body);
    expect(pending()).to.deep.equal([]);
  });

  it('refuses a _type the token may not read, forbidden shapes and type-level $everything before HAPI is asked', async () => {
    expect((await get('/Patient/p1/$everything?_type=Condition')).status).to.equal(403);
    expect((await get('/Patient/p1/$everything?_type=Observation,Organization')).status).to.equal(403);
    expect((await get('/Patient/p1/$everything?_type=AuditEvent')).status).to.equal(400);
    expect((await get('/Patient/p1/$everything?_type=Observation&_type=Patient')).status).to.equal(400);
    expect((await get('/Patient/p1/$everything?_since=2024-01-01')).status).to.equal(400);
    expect((await get('/Patient/p1/$everything/extra')).status).to.equal(400);
    expect((await get('/Patient/$everything')).status).to.equal(400);
    expect((await get('/Patient/p1%2F$everything')).status).to.equal(400);
    // The refusal for a forbidden shape is the same whether the id is the token's patient or another's.
    expect((await get('/Patient/p2/$everything?_type=AuditEvent')).body).to.deep.equal((await get('/Patient/p1/$everything?_type=AuditEvent')).body);
    expect(pending()).to.deep.equal([]);
  });

  it('writes a search-shaped AuditEvent naming the patient and the query', async () => {
    everything(
      { _type: 'Patient,Observation,Practitioner', _count: '20' },
      { resourceType: 'Bundle', type: 'searchset', entry: [{ resource: { resourceType: 'Patient', id: 'p1' } }] },
    );
    await harness.db.query('DELETE FROM audit_events');
    expect((await get('/Patient/p1/$everything')).status).to.equal(200);
    const rows = await harness.db.query<{ outcome: string; patient: string; resource: unknown }>('SELECT outcome, patient, resource FROM audit_events');
    expect(rows.rows.map((row) => [row.outcome, row.patient])).to.deep.equal([['0', 'Patient/p1']]);
    const event = rows.rows[0]!.resource as { action: string; subtype: { code: string }[]; entity: { what?: { reference: string }; query?: string }[] };
    expect([event.action, event.subtype.map((s) => s.code)]).to.deep.equal(['E', ['search-type']]);
    expect(event.entity.map((entity) => entity.what?.reference ?? Buffer.from(entity.query!, 'base64').toString('utf8'))).to.deep.equal([
      'Patient/p1',
      'GET /Patient/p1/$everything',
    ]);
  });
});
