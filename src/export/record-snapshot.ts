/**
 * What the patient's downloads are made from: the Patient and every resource type the record pages show,
 * read through the facade with the caller's own token (record/record-client.ts), so scopes, compartment
 * checks and family-access limits decide what a download holds, exactly as they decide what a page shows.
 * Referenced Practitioners, Organizations, Locations and Medications come along through `_include`
 * (the facade allows these includes), the patient's general practitioners by a read each.
 *
 * Nothing is truncated: every search follows the facade's cursors up to `maxPages` pages of 100 (or the cap the caller gives); a search
 * that still has more pages throws RecordTooLarge, and the caller answers 503 instead of a partial document.
 */
import type { Patient, Resource } from '@medplum/fhirtypes';
import type { RecordClient } from '../record/record-client.ts';

/** The default cap, 200 pages of 100 per type: 20,000 resources, many times the longest demo record (Josue Sipes: 959 in all). */
export const maxPages = 200;

/** A search came back with more pages than the cap: the download is refused rather than cut short. */
export class RecordTooLarge extends Error {
  constructor() {
    super('record_too_large');
    this.name = 'RecordTooLarge';
  }
}

/** The searches, per type, that a download reads: the record pages' types, with the includes the CCD needs. */
const searches: readonly string[] = [
  'AllergyIntolerance?patient={p}',
  'Condition?patient={p}',
  'MedicationRequest?patient={p}&_include=MedicationRequest:medication',
  'Observation?patient={p}',
  'DiagnosticReport?patient={p}',
  'Immunization?patient={p}',
  'Procedure?patient={p}',
  'Encounter?patient={p}&_include=Encounter:participant&_include=Encounter:location&_include=Encounter:service-provider',
  'CarePlan?patient={p}',
  'Goal?patient={p}',
  'CareTeam?patient={p}&_include=CareTeam:participant',
  'DocumentReference?patient={p}',
  'Appointment?patient={p}&_include=Appointment:actor',
];

export interface RecordSnapshot {
  readonly patient: Patient;
  /** Every resource released for the patient (matches and includes), each once, in the order read. */
  readonly resources: readonly Resource[];
}

/** `pageCap`: pages of 100 followed per search before the record counts as too large (tests use a small one). */
export async function readRecordSnapshot(record: RecordClient, pageCap: number = maxPages): Promise<RecordSnapshot> {
  const [patient, ...results] = await Promise.all([
    record.read<Patient>(`Patient/${record.patient}`),
    ...searches.map((search) => record.search<Resource>(`${search.replace('{p}', encodeURIComponent(record.patient))}&_count=100`, { maxPages: pageCap })),
  ]);
  const byKey = new Map<string, Resource>();
  const add = (resource: Resource) => {
    const key = `${resource.resourceType}/${resource.id ?? ''}`;
    if (!byKey.has(key)) byKey.set(key, resource);
  };
  for (const result of results) {
    if (!result.complete) throw new RecordTooLarge();
    result.matches.forEach(add);
    result.included.forEach(add);
  }
  // The general practitioners the CCD's care team falls back to, when no include brought them.
  const practitioners = (patient.generalPractitioner ?? [])
    .map((ref) => ref.reference)
    .filter((ref): ref is string => !!ref && /^(Practitioner|Organization)\/[A-Za-z0-9.-]{1,64}$/.test(ref) && !byKey.has(ref));
  const read = await Promise.all(practitioners.map((ref) => record.read<Resource>(ref).catch(() => undefined)));
  for (const resource of read) if (resource) add(resource);
  byKey.delete(`Patient/${patient.id ?? ''}`);
  return { patient, resources: [...byKey.values()] };
}
