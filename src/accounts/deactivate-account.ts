import type { Consent } from '@medplum/fhirtypes';
import { AppError } from '../core/errors.ts';
import { accountAuditEvent } from '../core/fhir/audit-event.ts';
import { findAccount, markAccountDeactivated } from '../store/accounts.ts';
import { recordAuditEvent } from '../store/audit-trail.ts';
import { voidOpenLinks } from '../store/invitations.ts';
import { revokeAccountAuthorizations } from '../store/oidc-adapter.ts';
import { enqueue } from '../store/outbox.ts';
import { deleteAccountWebSessions } from '../store/web-sessions.ts';
import { deactivatedEmail } from './emails.ts';
import type { AccountsDeps } from './deps.ts';
import type { StaffMember } from './record-authorization.ts';

/**
 * Promise 11: the patient stops using the portal and the practice deactivates the account. The
 * Consent becomes inactive with an end date; every session, grant and token of the account is
 * revoked in the same store transaction, so the next request with any of them fails; the patient
 * gets a confirmation. A new signed authorization reactivates the account.
 */
export async function deactivateAccount(deps: AccountsDeps, staff: StaffMember, accountId: string, clientAddress: string): Promise<void> {
  const now = deps.now();
  const account = await findAccount(deps.db, accountId);
  if (!account || account.kind === 'staff') throw new AppError('not_found', 404);
  if (account.status === 'deactivated') return;

  await deps.db.transaction(async (tx) => {
    await markAccountDeactivated(tx, account.id, now);
    await voidOpenLinks(tx, account.id, now);
    await deleteAccountWebSessions(tx, account.id);
    await revokeAccountAuthorizations(tx, account.id);
    await enqueue(tx, { kind: 'email', payload: deactivatedEmail(account.locale, deps.practice, account.email) });
    await recordAuditEvent(
      tx,
      accountAuditEvent({
        event: 'deactivation',
        success: true,
        actor: staff.practitioner,
        accountId: staff.accountId,
        patient: account.patient ?? undefined,
        clientAddress,
        portalName: deps.practice.name,
        recorded: now,
      }),
    );
  });

  // Access is already gone (the store is what every request checks); now the record says so too.
  if (account.consent) {
    const [, consentId] = account.consent.split('/');
    const consent = await deps.fhir.read<Consent>('Consent', consentId!);
    await deps.fhir.update({
      ...consent,
      id: consentId!,
      status: 'inactive',
      provision: { ...consent.provision, period: { ...consent.provision?.period, end: now.toISOString() } },
    });
  }
}
