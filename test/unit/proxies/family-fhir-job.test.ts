import { expect } from 'chai';
import nock from 'nock';
import type { Bundle, Consent, RelatedPerson } from '@medplum/fhirtypes';
import { migratedMemoryStore } from '../../support/memory-store.ts';
import type { Db } from '../../../src/store/db.ts';
import { createFhirClient } from '../../../src/store/fhir-client.ts';
import type { FamilyFhirJob } from '../../../src/store/outbox.ts';
import { familyFhirDeliveryHandler } from '../../../src/proxies/family-fhir-job.ts';

const base = 'http://hapi.test/fhir';
const fhir = createFhirClient({ baseUrl: base, timeoutMs: 5000 });
const at = '2031-03-04T05:06:07.000Z';

const person = (over: Partial<RelatedPerson> = {}): RelatedPerson => ({
  resourceType: 'RelatedPerson',
  id: 'rp1',
  meta: { versionId: '1' },
  active: true,
  patient: { reference: 'Patient/p1' },
  period: { start: '2030-01-01T00:00:00.000Z' },
  ...over,
});
const consent = (over: Partial<Consent> = {}): Consent => ({
  resourceType: 'Consent',
  id: 'c1',
  meta: { versionId: '2' },
  status: 'active',
  scope: { coding: [{ code: 'patient-privacy' }] },
  category: [{ text: 'Patient Consent' }],
  patient: { reference: 'Patient/p1' },
  provision: { type: 'permit', period: { start: '2030-01-01T00:00:00.000Z' }, actor: [{ role: { text: 'proxy' }, reference: { reference: 'RelatedPerson/rp1' } }] },
  ...over,
});

/** The transaction bundles HAPI was sent (a POST to the base). */
function acceptTransactions(sent: Bundle[]): nock.Scope {
  return nock(base)
    .post('/', (body: Bundle) => {
      sent.push(body);
      return true;
    })
    .reply(200, () => ({
      resourceType: 'Bundle',
      type: 'transaction-response',
      entry: (sent.at(-1)?.entry ?? []).map((e) => ({ response: { status: '200 OK', location: `${e.request!.url}/_history/9` } })),
    }));
}

describe('family FHIR job (outbox kind family-fhir): idempotent, ordered, version-checked', function () {
  this.timeout(30_000);
  let db: Db;
  const deliver = (job: FamilyFhirJob) => familyFhirDeliveryHandler({ db, fhir })(job, { id: '1', attempts: 1 });

  before(async () => {
    db = await migratedMemoryStore();
    const account = await db.query<{ id: string }>("INSERT INTO accounts (kind, email, status) VALUES ('proxy', 'family@example.org', 'active') RETURNING id");
    await db.query(`INSERT INTO account_patients (account_id, patient, related_person, consent, parts) VALUES ($1, 'Patient/p1', 'RelatedPerson/rp1', 'Consent/c1', $2)`, [
      account.rows[0]!.id,
      ['results'],
    ]);
  });
  after(() => db.close());

  const endJob: FamilyFhirJob = { action: 'end', relatedPerson: 'RelatedPerson/rp1', consent: 'Consent/c1', at };

  it('ends the pair in one transaction of PUTs conditioned on the versions read', async () => {
    nock(base).get('/RelatedPerson/rp1').reply(200, person());
    nock(base).get('/Consent/c1').reply(200, consent());
    const sent: Bundle[] = [];
    acceptTransactions(sent);
    const result = await deliver(endJob);
    expect(result.deliveryId).to.equal('RelatedPerson/rp1/_history/9 Consent/c1/_history/9');
    expect(sent).to.have.length(1);
    const [rp, c] = sent[0]!.entry!;
    expect(rp!.request).to.deep.equal({ method: 'PUT', url: 'RelatedPerson/rp1', ifMatch: 'W/"1"' });
    expect(rp!.resource).to.deep.include({ active: false, period: { start: '2030-01-01T00:00:00.000Z', end: at } });
    expect(c!.request).to.deep.equal({ method: 'PUT', url: 'Consent/c1', ifMatch: 'W/"2"' });
    expect((c!.resource as Consent).status).to.equal('inactive');
    expect((c!.resource as Consent).provision?.period).to.deep.equal({ start: '2030-01-01T00:00:00.000Z', end: at });
    expect((c!.resource as Consent).provision?.actor).to.deep.equal(consent().provision!.actor);
  });

  it('ending twice writes nothing the second time; an earlier end already recorded is kept', async () => {
    nock(base)
      .get('/RelatedPerson/rp1')
      .reply(200, person({ active: false, period: { start: '2030-01-01T00:00:00.000Z', end: at } }));
    nock(base)
      .get('/Consent/c1')
      .reply(200, consent({ status: 'inactive', provision: { type: 'permit', period: { end: '2031-01-01T00:00:00.000Z' } } }));
    // No transaction is mocked: a write would fail the delivery.
    expect(await deliver(endJob)).to.deep.equal({ deliveryId: 'unchanged' });
  });

  it('a resource HAPI no longer has is skipped; the other is still ended', async () => {
    nock(base).get('/RelatedPerson/rp1').reply(410, { resourceType: 'OperationOutcome', issue: [] });
    nock(base).get('/Consent/c1').reply(200, consent());
    const sent: Bundle[] = [];
    acceptTransactions(sent);
    await deliver(endJob);
    expect(sent[0]!.entry!.map((e) => e.request!.url)).to.deep.equal(['Consent/c1']);
  });

  it('a version conflict (someone wrote in between) or HAPI down fails the delivery, for the worker to retry', async () => {
    nock(base).get('/RelatedPerson/rp1').reply(200, person());
    nock(base).get('/Consent/c1').reply(200, consent());
    nock(base).post('/').reply(412, { resourceType: 'OperationOutcome', issue: [] });
    const conflict = await deliver(endJob).then(
      () => 'delivered',
      (error: { code?: string }) => error.code,
    );
    expect(conflict).to.equal('fhir_conflict');
    nock(base).get('/RelatedPerson/rp1').reply(503, {});
    const down = await deliver(endJob).then(
      () => 'delivered',
      (error: { code?: string }) => error.code,
    );
    expect(down).to.equal('fhir_unavailable');
  });

  it('a parts change writes the Consent’s permitted parts when it is still the latest, keeping denied conversations', async () => {
    // The store's link keeps that conversation from the family member (the Consent's deny, as the link caches it).
    await db.query("UPDATE account_patients SET hidden_threads = '{Communication/t1}' WHERE related_person = 'RelatedPerson/rp1'");
    const deny = { type: 'deny' as const, data: [{ meaning: 'related' as const, reference: { reference: 'Communication/t1' } }] };
    nock(base)
      .get('/Consent/c1')
      .reply(200, consent({ provision: { ...consent().provision!, class: [{ system: 'http://hl7.org/fhir/resource-types', code: 'Appointment' }], provision: [deny] } }));
    const sent: Bundle[] = [];
    acceptTransactions(sent);
    await deliver({ action: 'parts', relatedPerson: 'RelatedPerson/rp1', consent: 'Consent/c1', parts: ['results'], at });
    const written = sent[0]!.entry![0]!;
    expect(written.request).to.deep.equal({ method: 'PUT', url: 'Consent/c1', ifMatch: 'W/"2"' });
    const provision = (written.resource as Consent).provision!;
    expect(provision.class?.map((c) => c.code)).to.deep.equal(['Observation', 'DiagnosticReport']);
    expect(provision.provision?.filter((p) => p.type === 'deny')).to.deep.equal([deny]);
    expect((written.resource as Consent).status).to.equal('active');
  });

  it('a parts change writes the Consent’s provisions from the store’s link as it stands: a deny the Consent still lacks is written too', async () => {
    // The link keeps two conversations; the Consent has only the first's deny (the second's own job is still waiting).
    await db.query("UPDATE account_patients SET hidden_threads = '{Communication/t1,Communication/t2}' WHERE related_person = 'RelatedPerson/rp1'");
    const denyOf = (thread: string) => ({ type: 'deny' as const, data: [{ meaning: 'related' as const, reference: { reference: thread } }] });
    nock(base)
      .get('/Consent/c1')
      .reply(200, consent({ provision: { ...consent().provision!, provision: [denyOf('Communication/t1')] } }));
    const sent: Bundle[] = [];
    acceptTransactions(sent);
    await deliver({ action: 'parts', relatedPerson: 'RelatedPerson/rp1', consent: 'Consent/c1', parts: ['results'], at });
    const provision = (sent[0]!.entry![0]!.resource as Consent).provision!;
    expect(provision.class?.map((c) => c.code)).to.deep.equal(['Observation', 'DiagnosticReport']);
    expect(provision.provision?.filter((p) => p.type === 'deny')).to.deep.equal([denyOf('Communication/t1'), denyOf('Communication/t2')]);
  });

  it('a parts change that is no longer the latest (the link changed again) writes nothing, without asking HAPI', async () => {
    expect(await deliver({ action: 'parts', relatedPerson: 'RelatedPerson/rp1', consent: 'Consent/c1', parts: ['appointments'], at })).to.deep.equal({
      deliveryId: 'unchanged',
    });
  });

  it('a parts change never reactivates an ended Consent', async () => {
    // The Consent is already inactive in FHIR (the end was delivered first) though the store still holds the parts.
    nock(base)
      .get('/Consent/c1')
      .reply(200, consent({ status: 'inactive' }));
    expect(await deliver({ action: 'parts', relatedPerson: 'RelatedPerson/rp1', consent: 'Consent/c1', parts: ['results'], at })).to.deep.equal({
      deliveryId: 'unchanged',
    });
    // Ended in the store, not yet in FHIR: the end's own job will write it; this one does not touch the Consent.
    await db.query("UPDATE account_patients SET revoked_at = now(), ended_by = 'patient' WHERE related_person = 'RelatedPerson/rp1'");
    expect(await deliver({ action: 'parts', relatedPerson: 'RelatedPerson/rp1', consent: 'Consent/c1', parts: ['results'], at })).to.deep.equal({
      deliveryId: 'unchanged',
    });
  });

  it('a conversation kept from the family member writes one deny per thread header, with the link’s parts, when still the latest', async () => {
    await db.query("UPDATE account_patients SET revoked_at = NULL, ended_by = NULL, hidden_threads = '{Communication/t1}' WHERE related_person = 'RelatedPerson/rp1'");
    nock(base).get('/Consent/c1').reply(200, consent());
    const sent: Bundle[] = [];
    acceptTransactions(sent);
    await deliver({ action: 'threads', relatedPerson: 'RelatedPerson/rp1', consent: 'Consent/c1', hiddenThreads: ['Communication/t1'], at });
    const written = sent[0]!.entry![0]!;
    expect(written.request).to.deep.equal({ method: 'PUT', url: 'Consent/c1', ifMatch: 'W/"2"' });
    const provision = (written.resource as Consent).provision!;
    expect(provision.class?.map((c) => c.code)).to.deep.equal(['Observation', 'DiagnosticReport']);
    expect(provision.provision?.filter((p) => p.type === 'deny')).to.deep.equal([{ type: 'deny', data: [{ meaning: 'related', reference: { reference: 'Communication/t1' } }] }]);
    expect(provision.actor).to.deep.equal(consent().provision!.actor);
    // A job for a list the link no longer holds (shared again since) writes nothing, without asking HAPI.
    expect(await deliver({ action: 'threads', relatedPerson: 'RelatedPerson/rp1', consent: 'Consent/c1', hiddenThreads: [], at })).to.deep.equal({ deliveryId: 'unchanged' });
  });
});
