/**
 * Loads the demo record into HAPI and the demo accounts into the store, idempotently: a second run
 * updates what is there and never duplicates a patient, a resource or an account.
 */
import { readdirSync } from 'node:fs';
import { join } from 'node:path';
import type { Patient } from '@medplum/fhirtypes';
import type { Db } from '../../src/store/db.ts';
import type { FhirClient } from '../../src/store/fhir-client.ts';
import { createStaffAccount } from '../../src/accounts/create-staff-account.ts';
import type { AccountsDeps } from '../../src/accounts/deps.ts';
import { recordAuthorization, type AuthorizationForm, type StaffMember } from '../../src/accounts/record-authorization.ts';
import { completeRegistration } from '../../src/accounts/registration.ts';
import { findAccountsForPatient, findStaffByEmail } from '../../src/store/accounts.ts';
import { fromRoot } from '../lib/paths.ts';
import { patientOf, readBundle, toIdempotentTransaction } from '../lib/synthea.ts';
import { demoPractitioners, frontDeskPractitioner, practiceBundle } from './practice-resources.ts';

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

/** Ready-made portal sign-ins: a patient, and a mother who is the designee for her toddler. */
const demoPortalUsers = [
  { patientPrefix: 'Reyna_Ziemann', email: 'reyna.ziemann@example.org', password: 'paseo por el parque central', signer: { kind: 'patient' }, locale: 'es' },
  {
    patientPrefix: 'Alexis_Toy',
    email: 'ana.toy@example.org',
    password: 'mi hijo alexis juega en el jardin',
    signer: { kind: 'designee', name: 'Ana Toy', relationship: 'Mother / Madre', email: 'ana.toy@example.org' },
    locale: 'en',
  },
] as const;

export interface DemoSummary {
  readonly patients: readonly { id: string; name: string; birthDate: string; mrn: string | undefined; resources: number }[];
  readonly staff: { readonly email: string; readonly password: string; readonly totpSecret: string; readonly practitioner: string };
  readonly portalUsers: readonly { email: string; password: string; birthDate: string; actsFor: string; role: 'patient' | 'designee' }[];
}

export async function loadDemoData(deps: { db: Db; fhir: FhirClient; publicUrl: URL; practice: AccountsDeps['practice'] }, log: (line: string) => void): Promise<DemoSummary> {
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

  const existing = await findStaffByEmail(deps.db, demoStaff.email);
  const staff =
    existing !== undefined
      ? { totpSecret: existing.totp_secret!, practitioner: existing.fhir_user! }
      : await createStaffAccount(deps, { ...demoStaff, roles: ['admin', 'staff'], practitionerId: frontDeskPractitioner.id!, locale: 'es' });
  log(existing ? '  staff account already present' : '  created the first staff account (admin)');

  const accounts: AccountsDeps = {
    db: deps.db,
    fhir: deps.fhir,
    publicUrl: deps.publicUrl,
    practice: deps.practice,
    signIn: { invitationTtlMs: 96 * 3600_000, resetTtlMs: 3600_000, maxFailures: 5, lockoutMs: 900_000 },
    now: () => new Date(),
  };
  const staffAccount = (await findStaffByEmail(deps.db, demoStaff.email))!;
  const staffMember: StaffMember = { accountId: staffAccount.id, practitioner: staffAccount.fhir_user!, name: `${demoStaff.givenName} ${demoStaff.familyName}` };
  const portalUsers: DemoSummary['portalUsers'][number][] = [];
  for (const user of demoPortalUsers) {
    const patient = summaries[demoPatientFiles.findIndex((file) => file.includes(`/${user.patientPrefix}_`))]!;
    await ensurePortalUser(accounts, staffMember, { ...user, patientId: patient.id }, log);
    portalUsers.push({ email: user.email, password: user.password, birthDate: patient.birthDate, actsFor: patient.name, role: user.signer.kind });
  }
  return {
    patients: summaries,
    staff: { email: demoStaff.email, password: demoStaff.password, totpSecret: staff.totpSecret, practitioner: staff.practitioner },
    portalUsers,
  };
}

/**
 * Goes through getting started as the practice and the person would: the signed form is recorded,
 * the invitation is queued (MailDev shows it once the portal runs), and the link in it is used to
 * register — so the demo accounts are real accounts, made the real way.
 */
async function ensurePortalUser(
  accounts: AccountsDeps,
  staff: StaffMember,
  user: { patientId: string; email: string; password: string; signer: AuthorizationForm['signer']; locale: 'es' | 'en' },
  log: (line: string) => void,
): Promise<void> {
  const existing = (await findAccountsForPatient(accounts.db, `Patient/${user.patientId}`)).find((a) => a.email === user.email);
  if (existing) return;
  const { accountId } = await recordAuthorization(
    accounts,
    staff,
    {
      patientId: user.patientId,
      signer: user.signer,
      patientEmail: user.signer.kind === 'patient' ? user.email : `patient.${user.email}`,
      physicianId: demoPractitioners[0]!.id!,
      identityConfirmed: true,
      locale: user.locale,
    },
    '127.0.0.1',
  );
  const email = await accounts.db.query<{ text: string }>(
    `SELECT o.payload->>'text' AS text FROM invitations i JOIN outbox o ON o.id = i.outbox_id WHERE i.account_id = $1 ORDER BY i.created_at DESC LIMIT 1`,
    [accountId],
  );
  const token = /\/register\?t=([A-Za-z0-9_-]+)/.exec(email.rows[0]?.text ?? '')?.[1] ?? '';
  const patient = (await accounts.db.query<{ birth_date: string }>("SELECT to_char(birth_date, 'YYYY-MM-DD') AS birth_date FROM accounts WHERE id = $1", [accountId])).rows[0]!;
  const outcome = await completeRegistration(accounts, { token, birthDate: patient.birth_date, password: user.password, clientAddress: '127.0.0.1' });
  if (outcome.status !== 'registered') throw new Error(`demo registration failed: ${outcome.status}`);
  log(`  registered the demo portal user ${user.email}`);
}
