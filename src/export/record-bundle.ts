/**
 * The FHIR download (record.json): what the facade released for the patient as one Bundle of type
 * `collection` (FHIR R4 §3.1.1.2 Bundle.type: a set of resources with no further meaning), the Patient
 * first. With a date range, a clinical resource is kept when its clinical dates overlap the range, read in
 * the practice's time zone, the same rule the CCD follows (ccda/select.ts): something still ongoing
 * overlaps every range after its start, something with no date at all is kept. Resources without clinical
 * dates of their own (Practitioner, Organization, Location, Medication) come along as referenced.
 */
import { randomUUID } from 'node:crypto';
import type { Bundle, Resource } from '@medplum/fhirtypes';
import { localDay } from './ccda/hl7-time.ts';
import type { CcdRange } from './ccda/model.ts';
import type { RecordSnapshot } from './record-snapshot.ts';

interface Span {
  readonly start?: string | undefined;
  readonly end?: string | undefined;
  readonly ongoing?: boolean;
}

const codeOf = (concept: { coding?: { code?: string }[] } | undefined) => concept?.coding?.find((c) => c.code)?.code;

/** When the resource was clinically true, as raw FHIR dates; undefined for types without clinical dates. */
function spanOf(resource: Resource): Span | undefined {
  switch (resource.resourceType) {
    case 'AllergyIntolerance':
      return {
        start: resource.onsetDateTime ?? resource.onsetPeriod?.start ?? resource.recordedDate,
        end: resource.lastOccurrence,
        ongoing: codeOf(resource.clinicalStatus) === 'active',
      };
    case 'Condition': {
      const end = resource.abatementDateTime ?? resource.abatementPeriod?.end;
      return {
        start: resource.onsetDateTime ?? resource.onsetPeriod?.start ?? resource.recordedDate,
        end,
        ongoing: !end && ['active', 'recurrence', 'relapse'].includes(codeOf(resource.clinicalStatus) ?? ''),
      };
    }
    case 'MedicationRequest':
      return { start: resource.authoredOn, end: resource.dispenseRequest?.validityPeriod?.end, ongoing: resource.status === 'active' || resource.status === 'on-hold' };
    case 'Observation':
      return { start: resource.effectiveDateTime ?? resource.effectivePeriod?.start ?? resource.effectiveInstant ?? resource.issued, end: resource.effectivePeriod?.end };
    case 'DiagnosticReport':
      return { start: resource.effectiveDateTime ?? resource.effectivePeriod?.start ?? resource.issued, end: resource.effectivePeriod?.end };
    case 'Immunization':
      return { start: resource.occurrenceDateTime };
    case 'Procedure':
      return { start: resource.performedDateTime ?? resource.performedPeriod?.start, end: resource.performedPeriod?.end };
    case 'Encounter':
      return { start: resource.period?.start, end: resource.period?.end };
    case 'CarePlan':
      return { start: resource.period?.start, end: resource.period?.end, ongoing: !resource.period?.end && resource.status === 'active' };
    case 'Goal':
      return { start: resource.startDate, ongoing: resource.lifecycleStatus === 'active' || resource.lifecycleStatus === 'accepted' };
    case 'CareTeam':
      return { start: resource.period?.start, end: resource.period?.end, ongoing: !resource.period?.end && resource.status === 'active' };
    case 'DocumentReference':
      return { start: resource.context?.period?.start ?? resource.date, end: resource.context?.period?.end };
    case 'Appointment':
      return { start: resource.start, end: resource.end };
    default:
      return undefined;
  }
}

/** True when the resource belongs in a download covering `range` (inclusive practice-local days). */
export function inRange(resource: Resource, range: CcdRange | undefined, timeZone: string): boolean {
  if (!range) return true;
  const span = spanOf(resource);
  if (!span) return true;
  const start = localDay(span.start, timeZone);
  const end = localDay(span.end, timeZone) ?? (span.ongoing ? undefined : start);
  if (!start && !end) return true;
  if (range.to && start && start.slice(0, range.to.length) > range.to) return false;
  if (range.from && end && end < range.from.slice(0, end.length)) return false;
  return true;
}

/** `fhirBase` is the facade's public base: each entry's fullUrl is where the caller can read it again. */
export function recordBundle(snapshot: RecordSnapshot, range: CcdRange | undefined, timeZone: string, now: Date, fhirBase: string): Bundle & { type: 'collection' } {
  const kept = snapshot.resources.filter((resource) => inRange(resource, range, timeZone));
  return {
    resourceType: 'Bundle',
    id: randomUUID(),
    meta: { lastUpdated: now.toISOString() },
    type: 'collection',
    timestamp: now.toISOString(),
    entry: [snapshot.patient, ...kept].map((resource) => ({ fullUrl: `${fhirBase}/${resource.resourceType}/${resource.id ?? ''}`, resource })),
  };
}
