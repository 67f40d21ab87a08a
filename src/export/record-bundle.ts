/**
 * The FHIR download (record.json): what the facade released for the patient as one Bundle of type
 * `collection` (FHIR R4 §3.1.1.2 Bundle.type: a set of resources with no further meaning), the Patient
 * first. With a date range, a clinical resource is kept when its clinical dates overlap the range, read in
 * the practice's time zone (core/fhir/clinical-dates.ts, shared with the facade's $everything; the CCD follows the same rule, ccda/select.ts): something still ongoing
 * overlaps every range after its start, something with no date at all is kept. Resources without clinical
 * dates of their own (Practitioner, Organization, Location, Medication) come along as referenced.
 */
import { randomUUID } from 'node:crypto';
import type { Bundle } from '@medplum/fhirtypes';
import { overlapsDateRange } from '../core/fhir/clinical-dates.ts';
import type { CcdRange } from './ccda/model.ts';
import type { RecordSnapshot } from './record-snapshot.ts';

/** `fhirBase` is the facade's public base: each entry's fullUrl is where the caller can read it again. */
export function recordBundle(snapshot: RecordSnapshot, range: CcdRange | undefined, timeZone: string, now: Date, fhirBase: string): Bundle & { type: 'collection' } {
  const kept = snapshot.resources.filter((resource) => overlapsDateRange(resource, range, timeZone));
  return {
    resourceType: 'Bundle',
    id: randomUUID(),
    meta: { lastUpdated: now.toISOString() },
    type: 'collection',
    timestamp: now.toISOString(),
    entry: [snapshot.patient, ...kept].map((resource) => ({ fullUrl: `${fhirBase}/${resource.resourceType}/${resource.id ?? ''}`, resource })),
  };
}
