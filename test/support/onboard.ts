/**
 * Puts a patient through the getting-started services directly (authorization recorded, invitation
 * captured from real SMTP, optionally registered), for suites that test what comes after.
 */
import type { Context } from '../../src/context.ts';
import { recordAuthorization, type StaffMember } from '../../src/accounts/record-authorization.ts';
import { completeRegistration } from '../../src/accounts/registration.ts';
import { findStaffByEmail } from '../../src/store/accounts.ts';
import type { CaptureSmtp, CapturedMail } from './capture-smtp.ts';
import { seedPatient, seedPhysician, seedStaff, type SeededPatient } from './seed.ts';

export interface Onboarded {
  readonly patient: SeededPatient;
  readonly email: string;
  readonly password: string;
  readonly accountId: string;
  readonly invitation: CapturedMail;
  readonly token: string;
  readonly staff: StaffMember;
}

export async function staffMember(ctx: Context): Promise<StaffMember> {
  const seeded = await seedStaff(ctx);
  const account = (await findStaffByEmail(ctx.db, seeded.email))!;
  return { accountId: account.id, practitioner: account.fhir_user!, name: 'Rosa Díaz' };
}

export const tokenOf = (mail: CapturedMail, path: string): string => {
  const match = new RegExp(`${path}\\?t=([A-Za-z0-9_-]+)`).exec(mail.parsed.text ?? '');
  if (!match) throw new Error(`no ${path} link in the email`);
  return match[1]!;
};

export async function onboard(ctx: Context, smtp: CaptureSmtp, options: { register?: boolean; locale?: 'es' | 'en' } = {}): Promise<Onboarded> {
  const staff = await staffMember(ctx);
  const patient = await seedPatient(ctx);
  const physicianId = await seedPhysician(ctx);
  const email = `p-${patient.mrn.toLowerCase()}@example.org`;
  const before = smtp.messages.length;
  const { accountId } = await recordAuthorization(
    ctx.accounts,
    staff,
    { patientId: patient.id, signer: { kind: 'patient' }, patientEmail: email, physicianId, identityConfirmed: true, locale: options.locale ?? 'es' },
    '127.0.0.1',
  );
  await ctx.outbox.runOnce();
  const invitation = (await smtp.waitForMessages(before + 1)).find((m, i) => i >= before && m.envelopeTo.includes(email))!;
  const token = tokenOf(invitation, '/register');
  const password = 'caminar junto al río cada mañana';
  if (options.register !== false) {
    const outcome = await completeRegistration(ctx.accounts, { token, birthDate: patient.birthDate, password, clientAddress: '127.0.0.1' });
    if (outcome.status !== 'registered') throw new Error(`registration failed: ${outcome.status}`);
  }
  return { patient, email, password, accountId, invitation, token, staff };
}
