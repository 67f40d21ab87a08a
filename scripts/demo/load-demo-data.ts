/**
 * Loads the demo record into HAPI and the demo accounts into the store, idempotently: a second run
 * updates what is there and never duplicates a patient, a resource or an account.
 */
import { readdirSync } from 'node:fs';
import { join } from 'node:path';
import type { Patient } from '@medplum/fhirtypes';
import type { Db } from '../../src/store/db.ts';
import type { FhirClient } from '../../src/store/fhir-client.ts';
import { createStaffAccount, findStaffAccount } from '../../src/accounts/create-staff-account.ts';
import { fromRoot } from '../lib/paths.ts';
import { patientOf, readBundle, toIdempotentTransaction } from '../lib/synthea.ts';
import { frontDeskPractitioner, practiceBundle } from './practice-resources.ts';

/** The Synthea patients the demo shows (Luigi_Wiegand is kept for the tests only). */
export const demoPatientFiles = ['Reyna_Ziemann', 'Carla_Echevarria', 'Alexis_Toy', 'Josue_Sipes'].map((prefix) => {
  const file = readdirSync(fromRoot('data/synthea')).find((f) => f.startsWith(`${prefix}_`) && f.endsWith('.json'));
  if (!file) throw new Error(`data/synthea has no ${prefix} bundle`);
  return join(fromRoot('data/synthea'), file);
});

export const demoStaff = {
  email: 'recepcion@clinica-puente.example',
  // Demo only: printed at start and written to var/demo/accounts.json.
  password: 'puente demo front desk',
  givenName: frontDeskPractitioner.name![0]!.given![0]!,
  familyName: frontDeskPractitioner.name![0]!.family!,
} as const;

export interface DemoSummary {
  readonly patients: readonly { id: string; name: string; birthDate: string; mrn: string | undefined; resources: number }[];
  readonly staff: { readonly email: string; readonly password: string; readonly totpSecret: string; readonly practitioner: string };
}

export async function loadDemoData(deps: { db: Db; fhir: FhirClient }, log: (line: string) => void): Promise<DemoSummary> {
  const patients: Patient[] = [];
  const summaries: DemoSummary['patients'][number][] = [];
  for (const file of demoPatientFiles) {
    const bundle = readBundle(file);
    const patient = patientOf(bundle);
    const started = Date.now();
    await deps.fhir.transaction(toIdempotentTransaction(bundle));
    const name = `${patient.name?.[0]?.given?.[0] ?? ''} ${patient.name?.[0]?.family ?? ''}`.trim();
    log(`  loaded ${name} (${bundle.entry?.length} resources) in ${((Date.now() - started) / 1000).toFixed(1)} s`);
    patients.push(patient);
    summaries.push({
      id: patient.id!,
      name,
      birthDate: patient.birthDate!,
      mrn: patient.identifier?.find((i) => i.type?.coding?.some((c) => c.code === 'MR'))?.value,
      resources: bundle.entry?.length ?? 0,
    });
  }
  await deps.fhir.transaction(practiceBundle(patients));
  log('  loaded the practice: organization, clinicians, care teams, appointments, visit notes');

  const existing = await findStaffAccount(deps.db, demoStaff.email);
  const staff =
    existing !== undefined
      ? { totpSecret: existing.totp_secret, practitioner: existing.fhir_user }
      : await createStaffAccount(deps, { ...demoStaff, roles: ['admin', 'staff'], practitionerId: frontDeskPractitioner.id!, locale: 'es' });
  log(existing ? '  staff account already present' : '  created the first staff account (admin)');
  return { patients: summaries, staff: { email: demoStaff.email, password: demoStaff.password, totpSecret: staff.totpSecret, practitioner: staff.practitioner } };
}
