/**
 * What the staff console shows of one patient: the record's Patient, the practice's clinicians (for the
 * authorization form), the patient's portal accounts with their invitations, and the apps staff may
 * open for them. Reading it is audited before anything is returned.
 */
import type { Consent, Patient, Practitioner } from '@medplum/fhirtypes';
import { AppError } from '../core/errors.ts';
import { isFhirId } from '../core/fhir/ids.ts';
import { findAccount, findAccountsForPatient, listStaffAccounts, type AccountRow } from '../store/accounts.ts';
import { listInvitations } from '../store/invitations.ts';
import { listLaunchableClients } from '../store/oauth-clients.ts';
import type { AccountsDeps } from './deps.ts';
import { invitationState, type InvitationView } from './invitation-state.ts';
import { auditStaffRead, type StaffRead } from './staff-access-audit.ts';

export interface PatientOverview {
  readonly patient: Patient;
  /** Clinicians only: Practitioners that back a staff account (front desk, admins) are not physicians. */
  readonly physicians: Practitioner[];
  readonly accounts: { readonly account: AccountRow; readonly invitations: InvitationView[] }[];
  readonly launchable: { clientId: string; name: string; launchUrl: string }[];
}

export async function patientOverview(deps: AccountsDeps, patientId: string, read: Omit<StaffRead, 'interaction'>): Promise<PatientOverview> {
  if (!isFhirId(patientId)) throw new AppError('not_found', 404);
  const [patient, physicians, accounts, launchable, staff] = await Promise.all([
    deps.fhir.read<Patient>('Patient', patientId),
    // Most recently updated first: new clinicians appear at the top of the list.
    deps.fhir.search<Practitioner>('Practitioner', { active: 'true', _count: 100, _sort: '-_lastUpdated' }),
    findAccountsForPatient(deps.db, `Patient/${patientId}`),
    listLaunchableClients(deps.db),
    listStaffAccounts(deps.db),
  ]);
  const staffPractitioners = new Set(staff.map((s) => s.fhir_user));
  const now = deps.now();
  const withInvitations = await Promise.all(
    accounts.map(async (account) => ({
      account,
      invitations: (await listInvitations(deps.db, account.id)).map((row) => ({ state: invitationState(row, now), createdAt: row.created_at })),
    })),
  );
  await auditStaffRead(deps, { ...read, interaction: 'read' }, [`Patient/${patientId}`]);
  return {
    patient,
    physicians: (physicians.entry ?? []).map((e) => e.resource!).filter((p) => !staffPractitioners.has(`Practitioner/${p.id}`)),
    accounts: withInvitations,
    launchable,
  };
}

/** The signed portal and email authorization form (the Consent's PDF); reading it is audited. */
export async function signedAuthorizationForm(deps: AccountsDeps, consentId: string, read: Omit<StaffRead, 'interaction'>): Promise<Buffer> {
  if (!isFhirId(consentId)) throw new AppError('not_found', 404);
  const consent = await deps.fhir.read<Consent>('Consent', consentId);
  const data = consent.sourceAttachment?.data;
  if (!data) throw new AppError('not_found', 404);
  await auditStaffRead(deps, { ...read, interaction: 'read' }, consent.patient?.reference ? [consent.patient.reference] : []);
  return Buffer.from(data, 'base64');
}

/** The patient (Patient/<id>) a patient-side account acts for; 404 for staff accounts and unknown ids. */
export async function patientOfPortalAccount(deps: Pick<AccountsDeps, 'db'>, accountId: string): Promise<string> {
  const account = await findAccount(deps.db, accountId);
  if (!account?.patient) throw new AppError('not_found', 404);
  return account.patient;
}
