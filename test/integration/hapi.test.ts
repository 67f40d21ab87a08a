import { connect } from 'node:net';
import { expect } from 'chai';
import type { Bundle, Consent, OperationOutcome, Patient, Resource } from '@medplum/fhirtypes';
import { createFhirClient, type FhirClient } from '../../src/store/fhir-client.ts';
import { fromRoot } from '../../scripts/lib/paths.ts';
import { patientOf, readBundle, toIdempotentTransaction } from '../../scripts/lib/synthea.ts';
import { testEnvironment } from '../support/environment.ts';
import { publicFhirBase } from '../support/integration-setup.ts';

const synthea = readBundle(fromRoot('data/synthea/Luigi_Wiegand_e27d88b0-c5e5-4042-ad49-184f6a900ee3.json'));
const patient = patientOf(synthea);
const mrn = patient.identifier!.find((i) => i.type?.coding?.[0]?.code === 'MR')!;
const consentProfile = 'https://puente.example.org/fhir/StructureDefinition/puente-portal-consent';

/** HAPI builds links on the public base (where the facade will answer); tests call HAPI itself. */
const toDirect = (url: string) => url.replace(publicFhirBase, testEnvironment().hapi.baseUrl);

async function getJson<T>(url: string): Promise<T> {
  const response = await fetch(url, { headers: { accept: 'application/fhir+json' } });
  expect(response.status, url).to.equal(200);
  return (await response.json()) as T;
}

async function allPages(first: Bundle): Promise<Resource[]> {
  const resources: Resource[] = [];
  let page: Bundle | undefined = first;
  while (page) {
    resources.push(...(page.entry ?? []).map((e) => e.resource!));
    const next: string | undefined = page.link?.find((l) => l.relation === 'next')?.url;
    page = next ? await getJson<Bundle>(toDirect(next)) : undefined;
  }
  return resources;
}

interface RawResponse {
  readonly status: number;
  readonly headers: Record<string, string>;
  /** The sizes of the HTTP/1.1 chunks as they came over the wire (empty without chunked encoding). */
  readonly chunkSizes: readonly number[];
  readonly body: Buffer;
}

/** A GET over a plain socket, so the test sees how HAPI framed the body (Node's HTTP client hides chunk boundaries). */
async function rawGet(path: string): Promise<RawResponse> {
  const base = new URL(testEnvironment().hapi.baseUrl);
  const socket = connect(Number(base.port), base.hostname);
  socket.write(`GET ${base.pathname}${path} HTTP/1.1\r\nHost: ${base.host}\r\nAccept: application/fhir+json\r\nCache-Control: no-cache\r\nConnection: close\r\n\r\n`);
  const parts: Buffer[] = [];
  for await (const part of socket) parts.push(part as Buffer);
  const raw = Buffer.concat(parts);
  const headerEnd = raw.indexOf('\r\n\r\n');
  const [statusLine, ...headerLines] = raw.subarray(0, headerEnd).toString('latin1').split('\r\n');
  const headers = Object.fromEntries(headerLines.map((line) => [line.slice(0, line.indexOf(':')).toLowerCase(), line.slice(line.indexOf(':') + 1).trim()]));
  let rest = raw.subarray(headerEnd + 4);
  if (headers['transfer-encoding'] !== 'chunked') return { status: Number(statusLine!.split(' ')[1]), headers, chunkSizes: [], body: rest };
  const chunkSizes: number[] = [];
  const body: Buffer[] = [];
  for (;;) {
    const lineEnd = rest.indexOf('\r\n');
    const size = parseInt(rest.subarray(0, lineEnd).toString('latin1'), 16);
    if (size === 0) break;
    chunkSizes.push(size);
    body.push(rest.subarray(lineEnd + 2, lineEnd + 2 + size));
    rest = rest.subarray(lineEnd + 2 + size + 2);
  }
  return { status: Number(statusLine!.split(' ')[1]), headers, chunkSizes, body: Buffer.concat(body) };
}

describe('HAPI FHIR server (real, from hapi/)', function () {
  this.timeout(180_000);
  let fhir: FhirClient;

  before(async () => {
    fhir = createFhirClient({ baseUrl: testEnvironment().hapi.baseUrl, timeoutMs: 120_000 });
    const response = await fhir.transaction(toIdempotentTransaction(synthea));
    expect(response.type).to.equal('transaction-response');
    expect(response.entry).to.have.length(synthea.entry!.length);
    for (const entry of response.entry ?? []) expect(entry.response?.status).to.match(/^20[01]/);
  });

  it('serves the loaded patient back, with absolute URLs on the configured public base', async () => {
    const read = await fhir.read<Patient>('Patient', patient.id!);
    expect(read.name?.[0]?.family).to.equal(patient.name?.[0]?.family);
    expect(read.birthDate).to.equal(patient.birthDate);
    const bundle = await fhir.search('Patient', { _id: patient.id! });
    expect(bundle.entry?.[0]?.fullUrl).to.equal(`${publicFhirBase}/Patient/${patient.id}`);
    expect(bundle.link?.find((l) => l.relation === 'self')?.url).to.match(new RegExp(`^${publicFhirBase}/Patient\\?`));
  });

  it('accepts an unencoded | in a token search', async () => {
    const bundle = await getJson<Bundle>(`${testEnvironment().hapi.baseUrl}/Patient?identifier=${mrn.system}|${mrn.value}`);
    expect(bundle.entry?.map((e) => e.resource?.id)).to.deep.equal([patient.id]);
  });

  it('pages a search with next links, every Observation exactly once', async () => {
    const expected = synthea.entry!.filter((e) => e.resource?.resourceType === 'Observation').map((e) => e.resource!.id);
    const first = await fhir.search('Observation', { subject: `Patient/${patient.id}`, _count: 10, _total: 'accurate' });
    expect(first.total).to.equal(expected.length);
    expect(first.link?.some((l) => l.relation === 'next')).to.equal(true);
    const ids = (await allPages(first)).map((r) => r.id);
    expect(ids).to.have.members(expected);
  });

  it('answers Patient/$everything with every resource of the record', async () => {
    const first = await getJson<Bundle>(`${testEnvironment().hapi.baseUrl}/Patient/${patient.id}/$everything?_count=100`);
    const ids = new Set((await allPages(first)).map((r) => `${r.resourceType}/${r.id}`));
    const expected = synthea.entry!.map((e) => `${e.resource!.resourceType}/${e.resource!.id}`);
    // Every resource of the bundle; suites that ran earlier may have added to this patient's record (an
    // authorization form, AuditEvents of downloads), since the bundle's ids are fixed.
    expect([...ids]).to.include.members(expected);
    const added = [...ids].filter((id) => !expected.includes(id));
    expect(
      added.filter((id) => !/^(AuditEvent|Consent|DocumentReference|RelatedPerson|CareTeam|Appointment|Organization|Practitioner)\//.test(id)),
      'only what the portal writes',
    ).to.deep.equal([]);
  });

  it('sends JSON in large writes: a small bundle in one piece with Content-Length, a large one in chunks of at least 64 KiB', async () => {
    // HAPI's JSON encoder flushes after every property; hapi/ CoalescingResponseFilter turns ~1,300 tiny chunks per bundle into these.
    const small = await rawGet(`/Observation?subject=Patient/${patient.id}&_count=5`);
    expect(small.headers['transfer-encoding']).to.equal(undefined);
    expect(Number(small.headers['content-length'])).to.equal(small.body.length);
    expect((JSON.parse(small.body.toString('utf8')) as Bundle).entry).to.have.length(5);

    const large = await rawGet(`/Patient/${patient.id}/$everything?_count=200`);
    expect(large.headers['transfer-encoding']).to.equal('chunked');
    expect(large.chunkSizes.length).to.be.greaterThan(1);
    for (const size of large.chunkSizes.slice(0, -1)) expect(size).to.be.at.least(64 * 1024);
    expect((JSON.parse(large.body.toString('utf8')) as Bundle).entry?.length).to.be.at.least(synthea.entry!.length);

    const missing = await rawGet('/Patient/no-such-patient');
    expect(missing.status).to.equal(404);
    expect((JSON.parse(missing.body.toString('utf8')) as OperationOutcome).resourceType).to.equal('OperationOutcome');
  });

  it('loads the same bundle again without duplicating anything', async () => {
    await fhir.transaction(toIdempotentTransaction(synthea));
    const patients = await fhir.search('Patient', { identifier: `${mrn.system}|${mrn.value}`, _total: 'accurate' });
    expect(patients.total).to.equal(1);
    const observations = await fhir.search('Observation', { subject: `Patient/${patient.id}`, _summary: 'count' });
    expect(observations.total).to.equal(synthea.entry!.filter((e) => e.resource?.resourceType === 'Observation').length);
  });

  describe('$validate against the project profile in fhir-profiles/', () => {
    const consent = (): Consent => ({
      resourceType: 'Consent',
      status: 'active',
      scope: { coding: [{ system: 'http://terminology.hl7.org/CodeSystem/consentscope', code: 'patient-privacy' }] },
      category: [{ coding: [{ system: 'http://loinc.org', code: '59284-0' }] }],
      patient: { reference: `Patient/${patient.id}` },
      dateTime: '2026-11-24T10:00:00Z',
      performer: [{ reference: `Patient/${patient.id}` }],
      organization: [{ display: 'Puente Demo Clinic' }],
      policyRule: { coding: [{ system: 'http://terminology.hl7.org/CodeSystem/v3-ActCode', code: 'OPTIN' }] },
      verification: [{ verified: true, verifiedWith: { display: 'Front desk' }, verificationDate: '2026-11-24T10:00:00Z' }],
      provision: { type: 'permit' },
    });

    async function validate(resource: Consent): Promise<OperationOutcome> {
      const response = await fetch(`${testEnvironment().hapi.baseUrl}/Consent/$validate?profile=${encodeURIComponent(consentProfile)}`, {
        method: 'POST',
        headers: { 'content-type': 'application/fhir+json', accept: 'application/fhir+json' },
        body: JSON.stringify(resource),
      });
      return (await response.json()) as OperationOutcome;
    }
    const errors = (outcome: OperationOutcome) => (outcome.issue ?? []).filter((i) => i.severity === 'error' || i.severity === 'fatal');

    it('passes a Consent that meets the profile', async () => {
      const outcome = await validate(consent());
      expect(outcome.resourceType).to.equal('OperationOutcome');
      expect(errors(outcome).map((i) => i.diagnostics)).to.deep.equal([]);
    });

    it('fails a Consent without the staff verification the profile requires', async () => {
      const { verification: _dropped, ...unverified } = consent();
      const found = errors(await validate(unverified as Consent));
      expect(found.length).to.be.greaterThan(0);
      expect(found.map((i) => `${i.diagnostics} ${i.expression?.join(' ')}`).join('\n')).to.match(/verification/);
    });
  });
});
