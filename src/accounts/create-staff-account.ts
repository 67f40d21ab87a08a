/**
 * Creates a staff account linked to a Practitioner in the FHIR server (issue #3 point 1).
 * Staff must use a TOTP second factor; the secret is generated here and shown once for enrollment.
 */
import type { Practitioner } from '@medplum/fhirtypes';
import { Secret } from 'otpauth';
import type { Db } from '../store/db.ts';
import type { FhirClient } from '../store/fhir-client.ts';
import { hashPassword } from '../core/password-hash.ts';
import { insertStaffAccount, normalizeEmail } from '../store/accounts.ts';

export interface NewStaffAccount {
  readonly email: string;
  readonly password: string;
  readonly givenName: string;
  readonly familyName: string;
  readonly roles: readonly ('admin' | 'staff')[];
  /** Link to an existing Practitioner instead of creating one. */
  readonly practitionerId?: string;
  readonly locale?: 'es' | 'en';
}

export interface CreatedStaffAccount {
  readonly accountId: string;
  readonly practitioner: string;
  readonly totpSecret: string;
}

export async function createStaffAccount(deps: { db: Db; fhir: FhirClient }, input: NewStaffAccount): Promise<CreatedStaffAccount> {
  const email = normalizeEmail(input.email);
  const practitionerId =
    input.practitionerId ??
    (
      await deps.fhir.create<Practitioner>({
        resourceType: 'Practitioner',
        active: true,
        name: [{ family: input.familyName, given: [input.givenName] }],
        telecom: [{ system: 'email', value: email, use: 'work' }],
      } satisfies Practitioner)
    ).id!;
  const totpSecret = new Secret({ size: 20 }).base32;
  const practitioner = `Practitioner/${practitionerId}`;
  const accountId = await insertStaffAccount(deps.db, {
    email,
    passwordHash: await hashPassword(input.password),
    practitioner,
    roles: input.roles,
    locale: input.locale ?? 'es',
    totpSecret,
  });
  return { accountId, practitioner, totpSecret };
}
