/**
 * The patient's invitations not yet accepted (issue 13, at /account/family): cancel one, or send it again.
 *
 * Cancel: the invitation is closed and its link voided, so the emailed link answers "no longer valid" (a pending
 * account made for it stays pending, and its registration link is voided unless another patient's invitation
 * still waits for that registration). Send again: a new single-use 4-day link and email through the same
 * machinery as the invitation (family-invitation-link.ts); the old link is voided in the same transaction. Each
 * is one store transaction with its AuditEvent, decided from the session's own record (never from the form):
 * another patient's invitation, or one accepted or cancelled meanwhile, is "not found".
 */
import type { Patient } from '@medplum/fhirtypes';
import { accountAuditEvent, type AccountEvent } from '../core/fhir/audit-event.ts';
import { displayName } from '../core/fhir/names.ts';
import { findAccount } from '../store/accounts.ts';
import { recordAuditEvent } from '../store/audit-trail.ts';
import type { Queryable } from '../store/db.ts';
import { cancelFamilyInvitation, lockOpenFamilyInvitation, otherInvitationAwaitsRegistration, setFamilyInvitationLink, type FamilyInvitationRow } from '../store/family.ts';
import { voidLink, voidOpenLinks } from '../store/invitations.ts';
import { emailInvitationLink } from './family-invitation-link.ts';
import { FamilyError, type ProxiesDeps } from './deps.ts';

export interface PendingInvitationRequest {
  /** Patient/<id>: the session's own record. */
  readonly patient: string;
  readonly invitationId: string;
  /** The patient's account, and where the request came from (the AuditEvent). */
  readonly accountId: string;
  readonly clientAddress: string;
}

/**
 * Closes an open invitation in the caller's transaction: cancelled, and its link dead. Also used when the patient
 * invites the same email again after the old link expired (invite-family-member.ts).
 */
export async function closeInvitationIn(tx: Queryable, invitation: FamilyInvitationRow, now: Date): Promise<void> {
  await cancelFamilyInvitation(tx, invitation.id, invitation.patient, now);
  if (invitation.link) return voidLink(tx, invitation.link, now);
  if (!(await otherInvitationAwaitsRegistration(tx, invitation.account_id, invitation.id))) {
    const account = await findAccount(tx, invitation.account_id);
    if (account?.status === 'pending') await voidOpenLinks(tx, account.id, now, 'registration');
  }
}

/** The patient cancels an invitation; its email address, for the page's message. */
export async function cancelPendingInvitation(deps: ProxiesDeps, request: PendingInvitationRequest): Promise<string> {
  const now = deps.now();
  return deps.db.transaction(async (tx) => {
    const invitation = await lockOpenFamilyInvitation(tx, request.invitationId, request.patient);
    if (!invitation) throw new FamilyError('invitation_not_found');
    await closeInvitationIn(tx, invitation, now);
    await audit(tx, deps, request, 'family-invitation-cancelled', now);
    return invitation.email;
  });
}

/**
 * The patient sends an invitation again: a new link, the old one dead. A registration link while the invited
 * account is still pending and the invitation waits for its registration; otherwise a link to accept signed in
 * (the account registered meanwhile, or it held the email before).
 */
export async function resendPendingInvitation(deps: ProxiesDeps, request: PendingInvitationRequest): Promise<string> {
  const now = deps.now();
  const record = await deps.fhir.read<Patient>('Patient', request.patient.split('/')[1]!);
  return deps.db.transaction(async (tx) => {
    const invitation = await lockOpenFamilyInvitation(tx, request.invitationId, request.patient);
    if (!invitation) throw new FamilyError('invitation_not_found');
    const holder = await findAccount(tx, invitation.account_id);
    if (!holder) throw new FamilyError('invitation_not_found');
    const registration = !invitation.link && holder.status === 'pending';
    // A registration link voids the account's earlier ones itself; a 'proxy' link is voided here.
    if (invitation.link) await voidLink(tx, invitation.link, now);
    const link = await emailInvitationLink(tx, deps, {
      accountId: holder.id,
      email: invitation.email,
      registration,
      locale: registration ? invitation.locale : holder.locale,
      patientName: displayName(record.name),
      now,
    });
    await setFamilyInvitationLink(tx, invitation.id, link);
    await audit(tx, deps, request, 'family-invitation-resent', now);
    return invitation.email;
  });
}

async function audit(tx: Queryable, deps: ProxiesDeps, request: PendingInvitationRequest, event: AccountEvent, now: Date): Promise<void> {
  await recordAuditEvent(
    tx,
    accountAuditEvent({
      event,
      success: true,
      actor: request.patient,
      accountId: request.accountId,
      patient: request.patient,
      clientAddress: request.clientAddress,
      portalName: deps.practice.name,
      recorded: now,
    }),
  );
}
