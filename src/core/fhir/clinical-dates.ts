/**
 * When a resource was clinically true (not when it was recorded or last updated), and whether that overlaps
 * a date range read in the practice's time zone. One rule for every place that cuts the record by dates:
 * the FHIR download (export/record-bundle.ts) and the facade's `Patient/{id}/$everything` `start`/`end`
 * (fhir/pipeline.ts). The CCD's section selection (export/ccda/select.ts) follows the same overlap rule
 * with its per-section refinements.
 */
import type { Resource } from '@medplum/fhirtypes';
import { localDay } from './local-time.ts';

/** Inclusive FHIR dates (`YYYY`, `YYYY-MM` or `YYYY-MM-DD`), practice-local; either end may be open. */
export interface DateRange {
  readonly from?: string | undefined;
  readonly to?: string | undefined;
}

export interface ClinicalSpan {
  readonly start?: string | undefined;
  readonly end?: string | undefined;
  readonly ongoing?: boolean;
}

const codeOf = (concept: { coding?: { code?: string }[] } | undefined) => concept?.coding?.find((c) => c.code)?.code;

/** When the resource was clinically true, as raw FHIR dates; undefined for types without clinical dates. */
export function clinicalSpan(resource: Resource): ClinicalSpan | undefined {
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

/**
 * True when the resource's clinical dates overlap `range` (inclusive practice-local days, either end open;
 * partial dates compare by their known digits). Kept: anything when there is no range, a resource type
 * without clinical dates (Patient, Practitioner, Organization, Location, Medication...), a resource of such
 * a type with no date filled in; something still ongoing overlaps every range after its start.
 */
export function overlapsDateRange(resource: Resource, range: DateRange | undefined, timeZone: string): boolean {
  if (!range) return true;
  const span = clinicalSpan(resource);
  if (!span) return true;
  const start = localDay(span.start, timeZone);
  const end = localDay(span.end, timeZone) ?? (span.ongoing ? undefined : start);
  if (!start && !end) return true;
  if (range.to && start && start.slice(0, range.to.length) > range.to) return false;
  if (range.from && end && end < range.from.slice(0, end.length)) return false;
  return true;
}
