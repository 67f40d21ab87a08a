/**
 * The trust boundary's allow-lists (DESIGN.md "Habits" 5): which resource types a patient-context
 * token may reach, which search parameters each type accepts, which includes, and which request
 * headers are passed upstream. Anything not listed here is refused.
 */

export type ParamKind = 'token' | 'date' | 'id';

/** Compartment types patients read in a portal (US Core 6.1 plus the portal's own artifacts), with their search parameters. */
export const patientSearchParams: Readonly<Record<string, Readonly<Record<string, ParamKind>>>> = {
  Patient: { _id: 'id' },
  AllergyIntolerance: { 'clinical-status': 'token' },
  Appointment: { date: 'date', status: 'token' },
  CarePlan: { category: 'token', status: 'token', date: 'date' },
  CareTeam: { status: 'token' },
  // Secure messages (docs/messages.md): a thread's messages by part-of, threads by category; the facade writes them too.
  Communication: { 'part-of': 'token', category: 'token', status: 'token', sent: 'date' },
  Condition: { category: 'token', 'clinical-status': 'token', code: 'token', 'onset-date': 'date' },
  Consent: { status: 'token' },
  DiagnosticReport: { category: 'token', code: 'token', date: 'date', status: 'token' },
  DocumentReference: { category: 'token', type: 'token', date: 'date', status: 'token' },
  Encounter: { date: 'date', type: 'token', status: 'token', class: 'token' },
  Goal: { 'lifecycle-status': 'token', 'target-date': 'date' },
  Immunization: { date: 'date', status: 'token' },
  MedicationRequest: { status: 'token', intent: 'token', authoredon: 'date' },
  Observation: { category: 'token', code: 'token', date: 'date', status: 'token' },
  Procedure: { date: 'date', code: 'token', status: 'token' },
  Provenance: {},
  RelatedPerson: {},
};

/**
 * The parameter that narrows each type's search to one patient before HAPI runs it. HAPI's JPA server
 * has no compartment search (`Patient/x/Observation`), so the narrowing is an injected `patient`
 * parameter — stricter than the compartment (it ignores e.g. Observation.performer), never wider.
 */
export const narrowingParam = (type: string): string => (type === 'Patient' ? '_id' : 'patient');

/** Non-patient types every patient app may read by id (no search: no directory browsing). */
export const sharedReadTypes: ReadonlySet<string> = new Set(['Practitioner', 'PractitionerRole', 'Organization', 'Location', 'Medication']);

/** `_include` values per type; the included resources are still checked one by one. */
export const allowedIncludes: Readonly<Record<string, readonly string[]>> = {
  MedicationRequest: ['MedicationRequest:medication'],
  DiagnosticReport: ['DiagnosticReport:result'],
  // The record pages name who and where (shared types, readable by id anyway) in one request.
  Encounter: ['Encounter:participant', 'Encounter:location', 'Encounter:service-provider'],
  CareTeam: ['CareTeam:participant'],
  Appointment: ['Appointment:actor'],
};

/** `_revinclude` values allowed on every type (US Core requires Provenance). */
export const allowedRevIncludes: readonly string[] = ['Provenance:target'];

/** Search parameters of every type: paging size and sort order. */
export const maxCount = 100;

/** Parameters that select the patient: only the token's own patient may be named, and only once. */
export const patientSelectors: ReadonlySet<string> = new Set(['patient', 'subject']);

const observationCategories = ['laboratory', 'vital-signs', 'social-history', 'survey', 'exam', 'imaging', 'procedure', 'therapy', 'activity'].map(
  (code) => `http://terminology.hl7.org/CodeSystem/observation-category|${code}`,
);
const conditionCategories = [
  'http://terminology.hl7.org/CodeSystem/condition-category|problem-list-item',
  'http://terminology.hl7.org/CodeSystem/condition-category|encounter-diagnosis',
  'http://hl7.org/fhir/us/core/CodeSystem/condition-category|health-concern',
];
const sdohCategory = 'http://hl7.org/fhir/us/core/CodeSystem/us-core-category|sdoh';

/**
 * Every patient-context resource scope a client may ask for (SMART v2 `r`, `s`, `rs` and v1 `read`,
 * per type and as `*`, plus the v2 granular category scopes SMART 2.2 and US Core name).
 */
export function patientScopeCatalog(): string[] {
  const plain = readScopes('patient');
  const granular = [
    ...[...observationCategories, sdohCategory].map((category) => `patient/Observation.rs?category=${category}`),
    ...conditionCategories.map((category) => `patient/Condition.rs?category=${category}`),
  ];
  return [...plain, ...granular, ...patientWriteScopes];
}

/**
 * The write scopes the facade understands (DESIGN.md "The facade's write path"): creating secure messages
 * (and their attachments), v2 `c` with or without read and search, and v1 `write`.
 */
export const patientWriteScopes: readonly string[] = ['patient/Communication.c', 'patient/Communication.cr', 'patient/Communication.crs', 'patient/Communication.write'];

/** Read and search scopes of one context, per type and as `*`, in the v2 (`rs`, `r`, `s`) and v1 (`read`) forms. */
function readScopes(context: 'patient' | 'system' | 'user'): string[] {
  const types = ['*', ...Object.keys(patientSearchParams), ...sharedReadTypes];
  return types.flatMap((type) => ['rs', 'r', 's', 'read'].map((perm) => `${context}/${type}.${perm}`));
}

/** System scopes a backend client may be registered for (SMART Backend Services). */
export const systemScopeCatalog = (): string[] => readScopes('system');

/**
 * user/ scopes a staff member's app may be granted (SMART App Launch 2.2 §scopes: what the user may see,
 * here every patient of the practice). Never granted to a patient-side account.
 */
export const userScopeCatalog = (): string[] => readScopes('user');
