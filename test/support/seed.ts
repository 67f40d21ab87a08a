/** Each suite seeds its own people with unique identifiers, so suites never depend on each other. */
import { randomUUID } from 'node:crypto';
import type { Patient, Practitioner } from '@medplum/fhirtypes';
import type { Context } from '../../src/context.ts';
import { createStaffAccount } from '../../src/accounts/create-staff-account.ts';
import { totpFor } from '../../src/accounts/totp.ts';

export interface SeededPatient {
  readonly id: string;
  readonly mrn: string;
  readonly given: string;
  readonly family: string;
  readonly birthDate: string;
}

export async function seedPatient(ctx: Context, overrides: Partial<Pick<SeededPatient, 'given' | 'family' | 'birthDate'>> = {}): Promise<SeededPatient> {
  const mrn = `MRN-${randomUUID().slice(0, 8)}`;
  const given = overrides.given ?? 'María José';
  const family = overrides.family ?? `Núñez-${mrn.slice(4)}`;
  const birthDate = overrides.birthDate ?? '1984-07-09';
  const patient = await ctx.fhir.create<Patient>({
    resourceType: 'Patient',
    identifier: [{ type: { coding: [{ system: 'http://terminology.hl7.org/CodeSystem/v2-0203', code: 'MR' }] }, system: 'urn:puente:test:mrn', value: mrn }],
    name: [{ use: 'official', given: given.split(' '), family }],
    birthDate,
    gender: 'female',
  });
  return { id: patient.id!, mrn, given, family, birthDate };
}

export async function seedPhysician(ctx: Context): Promise<string> {
  const practitioner = await ctx.fhir.create<Practitioner>({ resourceType: 'Practitioner', active: true, name: [{ family: 'Ortega', given: ['Elena'], prefix: ['Dra.'] }] });
  return practitioner.id!;
}

export async function seedStaff(ctx: Context, options: { admin?: boolean } = {}): Promise<{ email: string; password: string; code: () => string }> {
  const email = `staff-${randomUUID().slice(0, 8)}@clinic.example`;
  const password = 'front desk long passphrase';
  const { totpSecret } = await createStaffAccount(
    { db: ctx.db, fhir: ctx.fhir },
    { email, password, givenName: 'Rosa', familyName: 'Díaz', roles: options.admin ? ['admin', 'staff'] : ['staff'] },
  );
  return { email, password, code: totpCodes(totpSecret) };
}

/**
 * Codes for a TOTP secret, one time step apart: the server accepts each step once, and within one
 * step of drift, so consecutive sign-ins use the current step and then the following ones.
 */
export function totpCodes(secret: string): () => string {
  let lastStep = 0;
  return () => {
    const step = Math.max(Math.floor(Date.now() / 30_000), lastStep + 1);
    lastStep = step;
    return totpFor(secret).generate({ timestamp: step * 30_000 });
  };
}
