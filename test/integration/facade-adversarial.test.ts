import { expect } from 'chai';
import { request as httpRequest } from 'node:http';
import fc from 'fast-check';
import type { Binary, Bundle, DocumentReference, Practitioner, Provenance, Reference, Resource } from '@medplum/fhirtypes';
import { HttpClient, formAction } from '../support/http-client.ts';
import { startPortal, type RunningPortal } from '../support/portal.ts';
import { onboard, type Onboarded } from '../support/onboard.ts';
import { seedClinicalRecord, type ClinicalRecord } from '../support/clinical-seed.ts';
import { leakMatcher } from '../support/leak-matcher.ts';

interface Answer {
  readonly status: number;
  readonly body: string;
}

/**
 * Patient A's token tries to reach patient B through every attack class of DESIGN.md's security
 * model. Whatever the status, no response may contain any of B's identifiers, names or values
 * (ids matched as whole ids, so a long-lived HAPI's growing numeric ids give no false failures).
 */
describe('FHIR facade: a patient token reaches its own compartment and nothing else', function () {
  this.timeout(180_000);
  let portal: RunningPortal;
  let a: Onboarded;
  let b: Onboarded;
  let recordA: ClinicalRecord;
  let recordB: ClinicalRecord;
  let tokenA: string;
  let tokenB: string;
  let findB: (text: string) => string[];

  async function tokenFor(person: Onboarded): Promise<string> {
    const browser = new HttpClient(portal.url);
    const form = await browser.get('/auth/login');
    await browser.submit(formAction(form.body, /^\/interaction\//), { email: person.email, password: person.password, birthDate: person.patient.birthDate });
    const rows = await portal.ctx.db.query<{ token: string }>("SELECT data->'tokens'->>'accessToken' AS token FROM web_sessions WHERE account_id = $1", [person.accountId]);
    return rows.rows[0]!.token;
  }

  before(async () => {
    portal = await startPortal();
    [a, b] = [await onboard(portal.ctx, portal.smtp), await onboard(portal.ctx, portal.smtp)];
    recordA = await seedClinicalRecord(portal.ctx, a.patient.id, 'ALPHA');
    recordB = await seedClinicalRecord(portal.ctx, b.patient.id, 'BRAVO', a.patient.id);
    tokenA = await tokenFor(a);
    tokenB = await tokenFor(b);
    findB = leakMatcher({
      ids: [b.patient.id, ...Object.values(recordB.ids)],
      texts: [b.patient.mrn, b.patient.family, 'BRAVO', Buffer.from('BRAVO binary content').toString('base64')],
    });
  });
  after(() => portal.stop());

  /** Sends the request exactly as written (no URL normalisation), with A's token unless told otherwise. */
  function send(method: string, path: string, options: { headers?: Record<string, string>; body?: string; token?: string | null } = {}): Promise<Answer> {
    const url = new URL(portal.url);
    const token = options.token === undefined ? tokenA : options.token;
    return new Promise((resolve, reject) => {
      const req = httpRequest(
        {
          host: url.hostname,
          port: url.port,
          method,
          path,
          headers: { accept: 'application/fhir+json', ...(token ? { authorization: `Bearer ${token}` } : {}), ...options.headers },
        },
        (res) => {
          let body = '';
          res.setEncoding('utf8');
          res.on('data', (chunk: string) => (body += chunk));
          res.on('end', () => resolve({ status: res.statusCode ?? 0, body }));
        },
      );
      req.on('error', reject);
      if (options.body) req.write(options.body);
      req.end();
    });
  }

  /** B's markers found in a response. Bundle.link is left out: the self link restates the client's own query. */
  const leaks = (answer: Answer) => {
    let text = answer.body;
    try {
      const parsed = JSON.parse(answer.body) as { link?: unknown };
      if (parsed && typeof parsed === 'object') text = JSON.stringify({ ...parsed, link: undefined });
    } catch {
      // not JSON: check the raw text
    }
    return findB(text);
  };

  it('finds B’s data when it is there (the leak check itself works on real responses)', async () => {
    const ownB = await send('GET', `/fhir/Patient/${b.patient.id}`, { token: tokenB });
    expect(ownB.status).to.equal(200);
    expect(leaks(ownB)).to.include.members([b.patient.id, b.patient.mrn, b.patient.family]);
    const labsB = await send('GET', `/fhir/Observation?patient=${b.patient.id}&category=laboratory`, { token: tokenB });
    expect(leaks(labsB)).to.include.members([b.patient.id, recordB.ids['lab']!, 'BRAVO']);
    // A's own record, as A reads it, holds none of it.
    expect(leaks(await send('GET', `/fhir/Observation?patient=${a.patient.id}`))).to.deep.equal([]);
  });

  it('serves patient A their own record (the baseline the attacks are measured against)', async () => {
    const own = await send('GET', `/fhir/Patient/${a.patient.id}`);
    expect(own.status).to.equal(200);
    const search = JSON.parse((await send('GET', `/fhir/Observation?patient=${a.patient.id}`)).body) as Bundle;
    expect(search.entry?.map((e) => e.resource?.id).sort()).to.deep.equal([recordA.ids['lab'], recordA.ids['vital']].sort());
    expect(search.entry?.every((e) => e.fullUrl?.startsWith(`${portal.url}/fhir/Observation/`))).to.equal(true);
    // B's Observation whose `focus` is A is not in A's compartment.
    expect(search.entry?.map((e) => e.resource?.id)).not.to.include(recordB.ids['focused']);
  });

  const shapes = (): [string, string, string, Record<string, string>?, string?][] => {
    const B = b.patient.id;
    const obsB = recordB.ids['lab']!;
    const docB = recordB.ids['document']!;
    return [
      ['read another patient', 'GET', `/fhir/Patient/${B}`],
      ['read their Observation', 'GET', `/fhir/Observation/${obsB}`],
      ['read their Encounter', 'GET', `/fhir/Encounter/${recordB.ids['encounter']}`],
      ['read their Condition', 'GET', `/fhir/Condition/${recordB.ids['condition']}`],
      ['read their DocumentReference', 'GET', `/fhir/DocumentReference/${docB}`],
      ['read their Provenance', 'GET', `/fhir/Provenance/${recordB.ids['provenance']}`],
      ['read the Observation that points at A through focus', 'GET', `/fhir/Observation/${recordB.ids['focused']}`],
      ['search with patient=B', 'GET', `/fhir/Observation?patient=${B}`],
      ['search with subject=B', 'GET', `/fhir/Observation?subject=${B}`],
      ['search with subject=Patient/B', 'GET', `/fhir/Observation?subject=Patient/${B}`],
      ['search with an absolute reference to B', 'GET', `/fhir/Observation?subject=${encodeURIComponent(`${portal.url}/fhir/Patient/${B}`)}`],
      ['search with a foreign absolute reference', 'GET', `/fhir/Observation?patient=${encodeURIComponent(`https://other.example/fhir/Patient/${B}`)}`],
      ['repeated patient parameter', 'GET', `/fhir/Observation?patient=${a.patient.id}&patient=${B}`],
      ['patient and subject together', 'GET', `/fhir/Observation?patient=${a.patient.id}&subject=${B}`],
      ['bracketed patient parameter', 'GET', `/fhir/Observation?patient[]=${B}`],
      ['object-style parameter', 'GET', `/fhir/Observation?patient[id]=${B}`],
      ['comma list of patients', 'GET', `/fhir/Observation?patient=${a.patient.id},${B}`],
      ['Patient _id of B', 'GET', `/fhir/Patient?_id=${B}`],
      ['Patient _id list', 'GET', `/fhir/Patient?_id=${a.patient.id},${B}`],
      ['Observation _id of B', 'GET', `/fhir/Observation?_id=${obsB}`],
      ['include subject', 'GET', `/fhir/Observation?_include=Observation:subject`],
      ['include wildcard', 'GET', `/fhir/Observation?_include=*`],
      ['include iterate', 'GET', `/fhir/Observation?_include:iterate=Observation:subject`],
      ['revinclude from Patient', 'GET', `/fhir/Patient?_revinclude=Observation:subject`],
      ['revinclude wildcard', 'GET', `/fhir/Patient?_revinclude=*`],
      ['revinclude from a shared type', 'GET', `/fhir/Practitioner?_revinclude=Observation:performer`],
      ['chained parameter', 'GET', `/fhir/Observation?subject.name=${b.patient.family}`],
      ['chained with type', 'GET', `/fhir/Observation?subject:Patient.identifier=${b.patient.mrn}`],
      ['reverse chain _has', 'GET', `/fhir/Patient?_has:Observation:subject:code=x`],
      ['_filter', 'GET', `/fhir/Observation?_filter=${encodeURIComponent(`subject eq Patient/${B}`)}`],
      ['_query', 'GET', `/fhir/Observation?_query=everything`],
      ['_list', 'GET', `/fhir/Observation?_list=x`],
      ['_contained', 'GET', `/fhir/Observation?_contained=true`],
      ['_elements', 'GET', `/fhir/Observation?_elements=subject`],
      ['_summary', 'GET', `/fhir/Observation?_summary=count`],
      ['_format xml', 'GET', `/fhir/Patient/${B}?_format=xml`],
      ['modifier :missing', 'GET', `/fhir/Observation?subject:missing=false`],
      ['modifier on a token', 'GET', `/fhir/Observation?code:text=BRAVO`],
      ['focus parameter', 'GET', `/fhir/Observation?focus=${a.patient.id}`],
      ['$everything on B', 'GET', `/fhir/Patient/${B}/$everything`],
      ['$everything on B with _type', 'GET', `/fhir/Patient/${B}/$everything?_type=Observation,Condition`],
      ['$everything on B with dates', 'GET', `/fhir/Patient/${B}/$everything?start=2000&end=2100&_since=2000-01-01T00:00:00Z`],
      ['$everything on B, paged', 'GET', `/fhir/Patient/${B}/$everything?_count=1`],
      ['$everything on A, Observations (B’s focus on A included upstream?)', 'GET', `/fhir/Patient/${a.patient.id}/$everything?_type=Observation`],
      ['$everything on A, clinical types', 'GET', `/fhir/Patient/${a.patient.id}/$everything?_type=Observation,Condition,Encounter,DocumentReference,Provenance,Patient`],
      ['$everything on A with dates', 'GET', `/fhir/Patient/${a.patient.id}/$everything?_type=Observation&start=2000&end=2100&_since=2000-01-01T00:00:00Z`],
      ['$everything on A naming B', 'GET', `/fhir/Patient/${a.patient.id}/$everything?patient=${B}`],
      ['$everything on A with _id of B', 'GET', `/fhir/Patient/${a.patient.id}/$everything?_id=${B}`],
      ['$everything on A with repeated _type', 'GET', `/fhir/Patient/${a.patient.id}/$everything?_type=Observation&_type=Patient`],
      ['$everything on A with Binary', 'GET', `/fhir/Patient/${a.patient.id}/$everything?_type=Binary`],
      ['$everything on A with _include', 'GET', `/fhir/Patient/${a.patient.id}/$everything?_include=Observation:subject`],
      ['$everything through encoded slashes', 'GET', `/fhir/Patient/${a.patient.id}%2F..%2F${B}/$everything`],
      ['$everything through dot segments', 'GET', `/fhir/Patient/${a.patient.id}/../${B}/$everything`],
      ['$everything on B with an extra segment', 'GET', `/fhir/Patient/${B}/$everything/extra`],
      ['$everything on B, lower-case type', 'GET', `/fhir/patient/${B}/$everything`],
      ['$everything on B, encoded operation', 'GET', `/fhir/Patient/${B}/%24everything`],
      ['$everything on B by POST', 'POST', `/fhir/Patient/${B}/$everything`, { 'content-type': 'application/fhir+json' }, JSON.stringify({ resourceType: 'Parameters' })],
      ['type-level $everything', 'GET', `/fhir/Patient/$everything`],
      ['$export', 'GET', `/fhir/$export`],
      ['Patient $export', 'GET', `/fhir/Patient/$export`],
      ['GraphQL', 'GET', `/fhir/$graphql?query=${encodeURIComponent('{Patient{id}}')}`],
      ['instance history', 'GET', `/fhir/Patient/${B}/_history`],
      ['type history', 'GET', `/fhir/Observation/_history`],
      ['system history', 'GET', `/fhir/_history`],
      ['version read', 'GET', `/fhir/Patient/${B}/_history/1`],
      ['compartment search on B', 'GET', `/fhir/Patient/${B}/Observation`],
      ['HAPI paging id', 'GET', `/fhir?_getpages=anything&_getpagesoffset=0`],
      ['Binary of their document', 'GET', `/fhir/Binary/${docB}`],
      ['their Binary by id', 'GET', `/fhir/Binary/${recordB.ids['binary']}`],
      ['their Binary as a resource', 'GET', `/fhir/Binary/${recordB.ids['binary']}`, { accept: 'application/fhir+json' }],
      ['their Binary, lower-case type', 'GET', `/fhir/binary/${recordB.ids['binary']}`],
      ['their Binary, upper-case type', 'GET', `/fhir/BINARY/${recordB.ids['binary']}`],
      ['their Binary behind an encoded slash', 'GET', `/fhir/Binary%2F${recordB.ids['binary']}`],
      ['their Binary through encoded dot segments', 'GET', `/fhir/Binary/${recordA.ids['binary']}%2F..%2F${recordB.ids['binary']}`],
      ['their Binary through dot segments', 'GET', `/fhir/Binary/${recordA.ids['binary']}/../${recordB.ids['binary']}`],
      ['their Binary with an encoded id', 'GET', `/fhir/Binary/%${recordB.ids['binary']!.charCodeAt(0).toString(16)}${recordB.ids['binary']!.slice(1)}`],
      ['Binary search by id', 'GET', `/fhir/Binary?_id=${recordB.ids['binary']}`],
      ['Binary search', 'GET', `/fhir/Binary`],
      ['Binary instance history', 'GET', `/fhir/Binary/${recordB.ids['binary']}/_history`],
      ['Binary version read', 'GET', `/fhir/Binary/${recordB.ids['binary']}/_history/1`],
      ['Binary type history', 'GET', `/fhir/Binary/_history`],
      ['their document by attachment url', 'GET', `/fhir/DocumentReference?location=Binary/${recordB.ids['binary']}`],
      ['Subscription', 'GET', `/fhir/Subscription`],
      ['lower-case type', 'GET', `/fhir/patient/${B}`],
      ['upper-case type', 'GET', `/fhir/PATIENT/${B}`],
      ['encoded slash in id', 'GET', `/fhir/Patient/${a.patient.id}%2F..%2F${B}`],
      ['dot segments', 'GET', `/fhir/Patient/${a.patient.id}/../${B}`],
      ['double slash', 'GET', `/fhir//Patient/${B}`],
      ['backslash', 'GET', `/fhir/Patient\\${B}`],
      ['method override header', 'GET', `/fhir/Patient/${B}`, { 'x-http-method-override': 'DELETE' }],
      ['XML accept', 'GET', `/fhir/Patient/${B}`, { accept: 'application/fhir+xml' }],
      ['lenient handling requested', 'GET', `/fhir/Observation?patient=${B}&unknown=1`, { prefer: 'handling=lenient' }],
      ['forwarded host headers', 'GET', `/fhir/Patient/${B}`, { 'x-forwarded-host': 'evil.example', 'x-forwarded-prefix': '/x' }],
      ['POST _search', 'POST', `/fhir/Observation/_search`, { 'content-type': 'application/x-www-form-urlencoded' }, `patient=${B}`],
      [
        'batch',
        'POST',
        `/fhir`,
        { 'content-type': 'application/fhir+json' },
        JSON.stringify({ resourceType: 'Bundle', type: 'batch', entry: [{ request: { method: 'GET', url: `Patient/${B}` } }] }),
      ],
      [
        'transaction',
        'POST',
        `/fhir`,
        { 'content-type': 'application/fhir+json' },
        JSON.stringify({ resourceType: 'Bundle', type: 'transaction', entry: [{ request: { method: 'GET', url: `Patient/${B}` } }] }),
      ],
      ['conditional update', 'PUT', `/fhir/Patient?identifier=${b.patient.mrn}`, { 'content-type': 'application/fhir+json' }, JSON.stringify({ resourceType: 'Patient' })],
      ['conditional delete', 'DELETE', `/fhir/Observation?patient=${B}`],
      [
        'create',
        'POST',
        `/fhir/Observation`,
        { 'content-type': 'application/fhir+json' },
        JSON.stringify({ resourceType: 'Observation', status: 'final', code: { text: 'x' }, subject: { reference: `Patient/${B}` } }),
      ],
      ['HEAD read', 'HEAD', `/fhir/Patient/${B}`],
      ['RelatedPerson of B', 'GET', `/fhir/RelatedPerson?patient=${B}`],
      ['Provenance of B', 'GET', `/fhir/Provenance?patient=${B}`],
      ['DocumentReference of B', 'GET', `/fhir/DocumentReference?patient=${B}`],
      ['date range for B', 'GET', `/fhir/Observation?date=ge2000&date=le2100&patient=${B}`],
      ['repeated token', 'GET', `/fhir/Observation?category=laboratory&category=vital-signs`],
      ['sort by subject', 'GET', `/fhir/Observation?_sort=subject`],
      ['huge _count', 'GET', `/fhir/Observation?_count=100000`],
    ];
  };

  it('refuses or empties at least 60 attack shapes without a byte of B’s data', async () => {
    const list = shapes();
    expect(list.length).to.be.at.least(60);
    const failures: string[] = [];
    for (const [name, method, path, headers, body] of list) {
      const answer = await send(method, path, { ...(headers ? { headers } : {}), ...(body ? { body } : {}) });
      const leaked = leaks(answer);
      if (leaked.length > 0) failures.push(`${name}: ${answer.status} leaked ${leaked.join(', ')}`);
      if (answer.status === 200 && method !== 'HEAD') {
        const resource = JSON.parse(answer.body) as Resource;
        const entries = resource.resourceType === 'Bundle' ? ((resource as Bundle).entry ?? []).map((e) => e.resource!) : [resource];
        for (const entry of entries) {
          if (JSON.stringify(entry).includes(a.patient.id) === false && entry.resourceType !== 'Patient')
            failures.push(`${name}: returned ${entry.resourceType}/${entry.id} not linked to A`);
        }
      }
      if (answer.status >= 500) failures.push(`${name}: server error ${answer.status}`);
    }
    expect(failures).to.deep.equal([]);
  });

  it('answers a forbidden shape the same way whether or not the data exists', async () => {
    const existing = await send('GET', `/fhir/Observation?_include=Observation:subject&code=${recordB.ids['lab']}`);
    const missing = await send('GET', `/fhir/Observation?_include=Observation:subject&code=does-not-exist`);
    expect([existing.status, missing.status]).to.deep.equal([400, 400]);
    expect(existing.body).to.equal(missing.body);
    const readB = await send('GET', `/fhir/Observation/${recordB.ids['lab']}`);
    const readNone = await send('GET', `/fhir/Observation/does-not-exist-123`);
    expect([readB.status, readNone.status]).to.deep.equal([404, 404]);
    expect(readB.body).to.equal(readNone.body);
  });

  it('serves a Binary only through a DocumentReference in the patient’s compartment, as a resource or as its content', async () => {
    const fhir = portal.ctx.fhir;
    const hapiBase = fhir.baseUrl.replace(/\/$/, '');
    const facadeBase = `${portal.url}/fhir`;
    const binary = async (text: string, fields: Partial<Binary> = {}) =>
      (await fhir.create<Binary>({ resourceType: 'Binary', contentType: 'text/plain', data: Buffer.from(text).toString('base64'), ...fields })).id!;
    const documentFor = async (patient: string, urls: string[]) =>
      (
        await fhir.create<DocumentReference>({
          resourceType: 'DocumentReference',
          status: 'current',
          subject: { reference: `Patient/${patient}` },
          content: urls.map((url) => ({ attachment: { contentType: 'text/plain', url } })),
        })
      ).id!;
    const onHapi = await binary('ALPHA on HAPI base');
    const onFacade = await binary('ALPHA on facade base');
    const foreign = await binary('BRAVO foreign server');
    const governedByB = await binary('BRAVO governed by B', { securityContext: { reference: `Patient/${b.patient.id}` } });
    const onlyB = await binary('BRAVO only in B document');
    const orphan = await binary('BRAVO in no document');
    const documentA = await documentFor(a.patient.id, [
      `${hapiBase}/Binary/${onHapi}`,
      `${facadeBase}/Binary/${onFacade}`,
      `https://other.example/fhir/Binary/${foreign}`,
      `Binary/${governedByB}`,
    ]);
    await documentFor(b.patient.id, [`Binary/${onlyB}`]);
    const asResource = { headers: { accept: 'application/fhir+json' } };

    // The patient's own: as the Binary resource (FHIR format in Accept) and as raw content.
    const resource = await send('GET', `/fhir/Binary/${recordA.ids['binary']}`, asResource);
    expect(resource.status).to.equal(200);
    const parsed = JSON.parse(resource.body) as Binary;
    expect([parsed.resourceType, parsed.id, parsed.contentType, Buffer.from(parsed.data!, 'base64').toString()]).to.deep.equal([
      'Binary',
      recordA.ids['binary'],
      'text/plain',
      'ALPHA binary content',
    ]);
    const raw = await fetch(`${facadeBase}/Binary/${recordA.ids['binary']}`, { headers: { authorization: `Bearer ${tokenA}`, accept: '*/*' } });
    expect([raw.status, raw.headers.get('content-type'), await raw.text()]).to.deep.equal([200, 'text/plain', 'ALPHA binary content']);
    expect(raw.headers.get('content-security-policy')).to.equal("sandbox; default-src 'none'");
    expect(raw.headers.get('x-content-type-options')).to.equal('nosniff');
    // Absolute attachment urls on HAPI's base or the facade's base name the same Binary.
    for (const [id, text] of [
      [onHapi, 'ALPHA on HAPI base'],
      [onFacade, 'ALPHA on facade base'],
    ] as const) {
      const answer = await send('GET', `/fhir/Binary/${id}`, asResource);
      expect(answer.status, id).to.equal(200);
      expect(Buffer.from((JSON.parse(answer.body) as Binary).data!, 'base64').toString()).to.equal(text);
    }
    // The document's attachment urls point at the facade, never at HAPI, in reads and searches.
    const expectedUrls = [`${facadeBase}/Binary/${onHapi}`, `${facadeBase}/Binary/${onFacade}`, `https://other.example/fhir/Binary/${foreign}`, `Binary/${governedByB}`];
    const read = JSON.parse((await send('GET', `/fhir/DocumentReference/${documentA}`)).body) as DocumentReference;
    expect(read.content.map((c) => c.attachment.url)).to.deep.equal(expectedUrls);
    const searched = JSON.parse((await send('GET', `/fhir/DocumentReference?_count=100`)).body) as Bundle<DocumentReference>;
    expect(searched.entry?.find((e) => e.resource?.id === documentA)?.resource?.content.map((c) => c.attachment.url)).to.deep.equal(expectedUrls);
    expect(JSON.stringify(searched)).not.to.include(hapiBase);

    // Everything else is 404, byte for byte the same as a Binary that does not exist, in either form.
    const missing = await send('GET', `/fhir/Binary/does-not-exist-404`);
    const missingResource = await send('GET', `/fhir/Binary/does-not-exist-404`, asResource);
    expect(missing.status).to.equal(404);
    const refusals: Record<string, string> = {
      'B’s Binary by id': recordB.ids['binary']!,
      'a Binary referenced only from B’s DocumentReference': onlyB,
      'a Binary referenced by no DocumentReference': orphan,
      'a Binary A’s document names on another server': foreign,
      'a Binary A’s document names but B’s record governs': governedByB,
    };
    for (const [name, id] of Object.entries(refusals)) {
      expect(await send('GET', `/fhir/Binary/${id}`), name).to.deep.equal(missing);
      expect(await send('GET', `/fhir/Binary/${id}`, asResource), `${name} (resource)`).to.deep.equal(missingResource);
    }
    // The owner reaches their own, so the refusals above are about reach, not about a broken read.
    expect((await send('GET', `/fhir/Binary/${recordB.ids['binary']}`, { token: tokenB })).status).to.equal(200);
    expect((await send('GET', `/fhir/Binary/${onlyB}`, { token: tokenB })).status).to.equal(200);
  });

  it('revincludes Provenance about the response’s own matches, never one that also targets B', async () => {
    const fhir = portal.ctx.fhir;
    const provenance = async (marker: string, ...targets: string[]) =>
      (
        await fhir.create<Provenance>({
          resourceType: 'Provenance',
          target: targets.map((reference): Reference => ({ reference })),
          recorded: '2024-06-01T00:00:00Z',
          agent: [{ who: { display: `${marker} author` } }],
        })
      ).id!;
    const [labA, vitalA, labB] = [`Observation/${recordA.ids['lab']}`, `Observation/${recordA.ids['vital']}`, `Observation/${recordB.ids['lab']}`];
    const ofLab = await provenance('ALPHA', labA);
    const ofLabAndVital = await provenance('ALPHA', labA, vitalA);
    const ofLabAndPatient = await provenance('ALPHA', labA, `Patient/${a.patient.id}`);
    const ofBoth = await provenance('BRAVO', labA, labB);
    const ofLabAndPractitioner = await provenance('ALPHA', labA, `Practitioner/${await seedPhysicianId()}`);
    const ofB = await provenance('BRAVO', labB);
    // Targets only A's lab, but its entity or agent names B: never released to A.
    const mentioningB = async (extra: Partial<Pick<Provenance, 'entity' | 'agent'>>) =>
      (
        await fhir.create<Provenance>({
          resourceType: 'Provenance',
          target: [{ reference: labA }],
          recorded: '2024-06-01T00:00:00Z',
          ...{ agent: [{ who: { display: 'ALPHA author' } }], ...extra },
        })
      ).id!;
    await mentioningB({ entity: [{ role: 'source', what: { reference: labB } }] });
    await mentioningB({ agent: [{ who: { display: 'ALPHA author' }, onBehalfOf: { reference: `Patient/${b.patient.id}` } }] });
    const included = async (path: string, token = tokenA) => {
      const answer = await send('GET', path, { token });
      expect(answer.status, path).to.equal(200);
      if (token === tokenA) expect(leaks(answer), path).to.deep.equal([]);
      const bundle = JSON.parse(answer.body) as Bundle;
      return (bundle.entry ?? []).filter((e) => e.resource?.resourceType === 'Provenance').map((e) => [e.resource!.id, e.search?.mode]);
    };
    const sorted = (ids: string[]) => ids.map((id) => [id, 'include']).sort();

    // Every target among this response's matches (or the patient): released as includes.
    expect((await included(`/fhir/Observation?_count=100&_revinclude=Provenance:target`)).sort()).to.deep.equal(sorted([ofLab, ofLabAndVital, ofLabAndPatient]));
    // Only laboratory matches: the Provenance that also names the vital sign (not in this response) stays out.
    expect((await included(`/fhir/Observation?category=laboratory&_count=100&_revinclude=Provenance:target`)).sort()).to.deep.equal(sorted([ofLab, ofLabAndPatient]));
    // On Patient: the Provenance about the patient alone (R4 compartment), not the one that also names an Observation.
    const onPatient = (await included(`/fhir/Patient?_revinclude=Provenance:target`)).map(([id]) => id);
    expect(onPatient).to.include(recordA.ids['provenance']);
    expect(onPatient).not.to.include(ofLabAndPatient);
    // B sees their own; the Provenance targeting A's and B's resources leaves for neither of them.
    expect(await included(`/fhir/Observation?category=laboratory&_count=100&_revinclude=Provenance:target`, tokenB)).to.deep.equal([[ofB, 'include']]);
    for (const id of [ofBoth, ofLabAndPractitioner, ofB]) expect((await send('GET', `/fhir/Provenance/${id}`)).status, id).to.equal(404);
  });

  const seedPhysicianId = async () => (await portal.ctx.fhir.create<Practitioner>({ resourceType: 'Practitioner', name: [{ family: 'Provenance' }] })).id!;

  it('answers Patient/A/$everything with A’s compartment: per type, what HAPI holds for A, across signed-cursor pages', async () => {
    const counts: Record<string, number> = {};
    let path: string | undefined = `/fhir/Patient/${a.patient.id}/$everything?_count=3`;
    let pages = 0;
    while (path) {
      const answer = await send('GET', path);
      expect(answer.status, path).to.equal(200);
      expect(leaks(answer), path).to.deep.equal([]);
      expect(answer.body).not.to.include('_getpages');
      const bundle = JSON.parse(answer.body) as Bundle;
      for (const entry of bundle.entry ?? []) counts[entry.resource!.resourceType] = (counts[entry.resource!.resourceType] ?? 0) + 1;
      const next = bundle.link?.find((link) => link.relation === 'next')?.url;
      if (next) expect(next).to.match(new RegExp(`^${portal.url}/fhir\\?_cursor=`));
      path = next?.slice(portal.url.length);
      pages++;
    }
    expect(pages).to.be.greaterThan(1);
    // What HAPI holds for A, type by type (the web app's token reads patient/*.rs: every allow-listed type).
    const hapiBase = portal.ctx.fhir.baseUrl.replace(/\/$/, '');
    const held: Record<string, number> = { Patient: 1 };
    for (const type of [
      'AllergyIntolerance',
      'Appointment',
      'CarePlan',
      'CareTeam',
      'Condition',
      'Consent',
      'DiagnosticReport',
      'DocumentReference',
      'Encounter',
      'Goal',
      'Immunization',
      'MedicationRequest',
      'Observation',
      'Procedure',
      'Provenance',
      'RelatedPerson',
    ]) {
      const total = ((await (await fetch(`${hapiBase}/${type}?patient=${a.patient.id}&_summary=count`)).json()) as Bundle).total!;
      if (total > 0) held[type] = total;
    }
    // Shared types (a Practitioner A's records name) come along; everything else is A's compartment, type for type.
    const shared = ['Practitioner', 'PractitionerRole', 'Organization', 'Location', 'Medication'];
    expect(Object.fromEntries(Object.entries(counts).filter(([type]) => !shared.includes(type)))).to.deep.equal(held);
    // _since: HAPI 8.8 ignores it on $everything, the facade applies it (meta.lastUpdated at or after it).
    const since = async (instant: string) =>
      (JSON.parse((await send('GET', `/fhir/Patient/${a.patient.id}/$everything?_count=100&_since=${encodeURIComponent(instant)}`)).body) as Bundle).entry ?? [];
    expect(await since('2999-01-01T00:00:00Z')).to.deep.equal([]);
    expect((await since('2000-01-01T00:00:00Z')).length).to.equal(Object.values(counts).reduce((sum, n) => sum + n, 0));
  });

  it('needs a live token: none, garbage and another audience are refused with 401', async () => {
    expect((await send('GET', `/fhir/Patient/${a.patient.id}`, { token: null })).status).to.equal(401);
    expect((await send('GET', `/fhir/Patient/${a.patient.id}`, { token: 'garbage' })).status).to.equal(401);
  });

  it('pages with signed cursors bound to the caller: tampered or replayed under another token they fail', async () => {
    for (let i = 0; i < 3; i++) await seedClinicalRecord(portal.ctx, a.patient.id, `ALPHA${i}`);
    const first = JSON.parse((await send('GET', `/fhir/Observation?_count=2`)).body) as Bundle;
    const next = first.link?.find((l) => l.relation === 'next')?.url;
    expect(next).to.match(new RegExp(`^${portal.url}/fhir\\?_cursor=`));
    expect(next).not.to.include('_getpages');
    const path = next!.slice(portal.url.length);
    const page = await send('GET', path);
    expect(page.status).to.equal(200);
    expect(((JSON.parse(page.body) as Bundle).entry ?? []).length).to.be.greaterThan(0);
    expect((await send('GET', path, { token: tokenB })).status, 'replayed by B').to.equal(404);
    const tampered = path.replace(/.(?=\.)/, (c) => (c === 'A' ? 'B' : 'A'));
    expect((await send('GET', tampered)).status, 'tampered').to.equal(404);
  });

  it('returns only A’s resources or shared ones for any query built from the allowed vocabulary (property)', async () => {
    const types = ['Observation', 'Condition', 'Encounter', 'DocumentReference', 'Provenance', 'Patient'] as const;
    const values = ['laboratory', 'vital-signs', 'final', 'ge2000', 'le2100', a.patient.id, b.patient.id, `Patient/${b.patient.id}`, 'BRAVO', 'problem-list-item'];
    const names = ['category', 'status', 'date', 'patient', 'subject', 'code', '_count', '_sort', '_revinclude', '_include'];
    await fc.assert(
      fc.asyncProperty(
        fc.constantFrom(...types),
        fc.array(fc.tuple(fc.constantFrom(...names), fc.constantFrom(...values, 'Provenance:target', '-date', '5')), { maxLength: 4 }),
        async (type, pairs) => {
          const query = pairs.map(([k, v]) => `${k}=${encodeURIComponent(v)}`).join('&');
          const answer = await send('GET', `/fhir/${type}${query ? `?${query}` : ''}`);
          expect(leaks(answer), `${type}?${query}`).to.deep.equal([]);
          expect(answer.status, `${type}?${query}`).to.be.oneOf([200, 400, 403]);
          if (answer.status !== 200) return;
          const resources = ((JSON.parse(answer.body) as Bundle).entry ?? []).map((entry) => entry.resource!);
          const namesA = (resource: Resource) =>
            resource.resourceType === 'Patient' ? resource.id === a.patient.id : JSON.stringify(resource).includes(`Patient/${a.patient.id}`);
          const released = new Set(resources.filter(namesA).map((resource) => `${resource.resourceType}/${resource.id}`));
          for (const resource of resources) {
            // A revincluded Provenance need not name A: it is A's when every reference in it (targets, entities, agents)
            // is one of A's resources in this answer, A, or a shared type (the facade's rule, src/fhir/revinclude-provenance.ts;
            // which Provenances come depends on the page HAPI returns).
            const references = [...JSON.stringify(resource).matchAll(/"reference":"([^"]+)"/g)].map((m) => m[1]!.replace(/^.*\/(?=[A-Za-z]+\/[^/]+$)/, ''));
            const aboutA =
              resource.resourceType === 'Provenance' &&
              ((resource as Provenance).target ?? []).length > 0 &&
              references.every((ref) => released.has(ref) || ref === `Patient/${a.patient.id}` || /^(Practitioner|PractitionerRole|Organization|Location|Device)\//.test(ref));
            const mine = namesA(resource) || aboutA;
            expect(mine, `${type}?${query} returned ${resource.resourceType}/${resource.id}`).to.equal(true);
          }
        },
      ),
      { numRuns: 60 },
    );
  });
});
