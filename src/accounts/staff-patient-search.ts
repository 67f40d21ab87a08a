/** The staff console's patient search: by name, birth date or MRN, at most 50 matches; the search is audited. */
import type { Bundle, Patient } from '@medplum/fhirtypes';
import type { AccountsDeps } from './deps.ts';
import { auditStaffRead, type StaffRead } from './staff-access-audit.ts';

export interface PatientQuery {
  readonly name: string;
  readonly birthDate: string;
  readonly mrn: string;
}

/** The matches, or undefined when nothing was asked (the empty search page). */
export async function searchPatients(
  deps: Pick<AccountsDeps, 'db' | 'fhir' | 'practice'>,
  query: PatientQuery,
  read: Omit<StaffRead, 'interaction'>,
): Promise<Patient[] | undefined> {
  const params: Record<string, string> = { _count: '50' };
  if (query.name) params['name'] = query.name;
  if (/^\d{4}-\d{2}-\d{2}$/.test(query.birthDate)) params['birthdate'] = query.birthDate;
  if (query.mrn) params['identifier'] = query.mrn;
  if (Object.keys(params).length === 1) return undefined;
  const results = ((await deps.fhir.search<Patient>('Patient', params)) as Bundle<Patient>).entry?.map((e) => e.resource!) ?? [];
  await auditStaffRead(
    deps,
    { ...read, interaction: 'search-type' },
    results.map((p) => `Patient/${p.id}`),
  );
  return results;
}
