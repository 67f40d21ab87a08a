/**
 * A family link's change reaching FHIR, the record of truth (issue 13; DESIGN.md security model 10). Ending or
 * changing a link writes the store (the access epoch moves: the facade refuses or narrows at once) and, in the
 * same store transaction, an outbox row of kind 'family-fhir'; the outbox worker delivers it here with retries,
 * backoff and a dead-letter state. So an outage of HAPI, or the process dying after the commit, can delay the
 * FHIR update but never lose it.
 *
 * Delivery may happen more than once (a crash after HAPI accepted but before the row was marked sent) and in
 * any order with other jobs, so each delivery re-reads the resources and writes only what is still missing:
 *   - 'end': the RelatedPerson `active: false` and the Consent `inactive`, each with a period ending at the
 *     job's instant (an earlier end already there is kept). Ending twice writes nothing the second time.
 *   - 'parts' (what the family member may see changed) and 'threads' (the conversations kept from them changed,
 *     issue #14 point 4): one action, the Consent's provisions written from the store's link as it stands now —
 *     its permitted parts and one nested deny provision per thread header kept from them. Only while the link is
 *     still live and still holds what the job was queued with (a later change or an end has its own job, which
 *     says what FHIR must hold), and only on an active Consent: a change never undoes an end. Both payloads stay
 *     as they were queued (jobs already in the outbox are delivered alike); each carries only what its
 *     staleness check compares.
 * Every write is one HAPI transaction of version-checked PUTs (If-Match on the version just read): a
 * concurrent writer makes it fail (409/412) and the worker retries it on what that writer left.
 */
import { isDeepStrictEqual } from 'node:util';
import type { BundleEntry, Consent, RelatedPerson, Resource } from '@medplum/fhirtypes';
import { parseParts } from '../access/family-access.ts';
import { AppError } from '../core/errors.ts';
import type { Queryable } from '../store/db.ts';
import { familyLinkStateOf } from '../store/family.ts';
import type { FhirClient } from '../store/fhir-client.ts';
import type { FamilyFhirJob, OutboxMessage } from '../store/outbox.ts';
import type { DeliveryHandler } from '../store/outbox-worker.ts';
import { familyConsentProvisionParts } from './family-resources.ts';

/** The outbox message that ends a link's FHIR pair at `at`. */
export const familyEndJob = (link: { related_person: string | null; consent: string | null }, at: Date): OutboxMessage => ({
  kind: 'family-fhir',
  payload: { action: 'end', relatedPerson: link.related_person!, consent: link.consent, at: at.toISOString() },
});

/** The outbox message that sets what a link's Consent permits (null: everything), as changed at `at`. */
export const familyPartsJob = (link: { related_person: string | null; consent: string }, parts: readonly string[] | null, at: Date): OutboxMessage => ({
  kind: 'family-fhir',
  payload: { action: 'parts', relatedPerson: link.related_person!, consent: link.consent, parts, at: at.toISOString() },
});

/** The outbox message that sets which conversations a link's Consent denies (thread headers, `Communication/<id>`), as changed at `at`. */
export const familyThreadsJob = (link: { related_person: string; consent: string }, hiddenThreads: readonly string[], at: Date): OutboxMessage => ({
  kind: 'family-fhir',
  payload: { action: 'threads', relatedPerson: link.related_person, consent: link.consent, hiddenThreads, at: at.toISOString() },
});

export interface FamilyFhirDeps {
  /** The store, read for the link's current state (a 'parts' job that is no longer the latest is skipped). */
  readonly db: Queryable;
  /** The portal's system credential to the FHIR server. */
  readonly fhir: FhirClient;
}

/** The outbox handler of kind 'family-fhir'; the delivery id names the versions written, or 'unchanged'. */
export function familyFhirDeliveryHandler(deps: FamilyFhirDeps): DeliveryHandler {
  return async (payload) => {
    const job = payload as FamilyFhirJob;
    const entries = job.action === 'end' ? await endEntries(deps.fhir, job) : await provisionEntries(deps, job);
    if (entries.length === 0) return { deliveryId: 'unchanged' };
    const answer = await deps.fhir.transaction({ resourceType: 'Bundle', type: 'transaction', entry: entries });
    return { deliveryId: (answer.entry ?? []).map((entry) => entry.response?.location ?? '').join(' ') };
  };
}

async function endEntries(fhir: FhirClient, job: Extract<FamilyFhirJob, { action: 'end' }>): Promise<BundleEntry[]> {
  const at = new Date(job.at);
  // An end already recorded earlier (the patient's own end date, an earlier end) stays; a later one moves back to `at`.
  const endedBy = (end: string | undefined) => (end && new Date(end) <= at ? end : job.at);
  const entries: BundleEntry[] = [];
  const person = await readIfThere<RelatedPerson>(fhir, job.relatedPerson);
  if (person && (person.active !== false || endedBy(person.period?.end) !== person.period?.end)) {
    entries.push(versionedPut({ ...person, active: false, period: { ...person.period, end: endedBy(person.period?.end) } }));
  }
  const consent = job.consent ? await readIfThere<Consent>(fhir, job.consent) : undefined;
  if (consent) {
    const provision = consent.provision ?? { type: 'permit' as const };
    const end = endedBy(provision.period?.end);
    // Only an active Consent becomes inactive: one the practice marked otherwise (rejected, entered-in-error) keeps its status.
    const status = consent.status === 'active' ? 'inactive' : consent.status;
    if (status !== consent.status || end !== provision.period?.end) {
      entries.push(versionedPut({ ...consent, status, provision: { ...provision, period: { ...provision.period, end } } }));
    }
  }
  return entries;
}

type ProvisionJob = Extract<FamilyFhirJob, { action: 'parts' | 'threads' }>;
type LinkState = NonNullable<Awaited<ReturnType<typeof familyLinkStateOf>>>;

/** Whether the store's link still holds what the job was queued with; if not, a later job carries the change. */
const stillLatest = (job: ProvisionJob, link: LinkState): boolean =>
  job.action === 'parts' ? isDeepStrictEqual(link.parts ?? null, job.parts ?? null) : isDeepStrictEqual(link.hidden_threads, [...job.hiddenThreads]);

/** The Consent's provisions (permitted parts, denied conversations) as the store's live link holds them now. */
async function provisionEntries(deps: FamilyFhirDeps, job: ProvisionJob): Promise<BundleEntry[]> {
  const link = await familyLinkStateOf(deps.db, job.relatedPerson);
  if (!link || link.revoked_at || !stillLatest(job, link)) return [];
  const consent = await readIfThere<Consent>(deps.fhir, job.consent);
  if (consent?.status !== 'active') return [];
  const { class: _class, provision: _nested, ...rest } = consent.provision ?? { type: 'permit' as const };
  const provision = { ...rest, ...familyConsentProvisionParts(parseParts(link.parts), link.hidden_threads) };
  if (isDeepStrictEqual(provision, consent.provision)) return [];
  return [versionedPut({ ...consent, provision })];
}

/** A resource by reference (`Type/id`), or undefined when the server has none (nothing left to update). */
async function readIfThere<T extends Resource>(fhir: FhirClient, reference: string): Promise<T | undefined> {
  const [type, id] = reference.split('/') as [T['resourceType'], string];
  try {
    return await fhir.read<T>(type, id);
  } catch (error) {
    if (error instanceof AppError && error.code === 'fhir_not_found') return undefined;
    throw error;
  }
}

/** PUT of a resource just read, on the condition that nobody has written it since (FHIR R4 http.html#concurrency). */
function versionedPut(resource: Resource & { id?: string }): BundleEntry {
  const version = resource.meta?.versionId;
  return { resource, request: { method: 'PUT', url: `${resource.resourceType}/${resource.id}`, ...(version ? { ifMatch: `W/"${version}"` } : {}) } };
}
