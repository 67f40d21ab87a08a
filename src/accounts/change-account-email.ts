import { AppError } from '../core/errors.ts';
import { accountAuditEvent } from '../core/fhir/audit-event.ts';
import { findAccount, findPortalAccountByEmail, normalizeEmail, setAccountEmail } from '../store/accounts.ts';
import { recordAuditEvent } from '../store/audit-trail.ts';
import { voidOpenLinks } from '../store/invitations.ts';
import { enqueue } from '../store/outbox.ts';
import { emailChangedNewAddress, emailChangedOldAddress } from './emails.ts';
import type { AccountsDeps } from './deps.ts';
import { AuthorizationFormError, type StaffMember } from './record-authorization.ts';

/**
 * Promise 12: the patient asks the practice to update the account's email. Both addresses are told,
 * and every open link (sent to the old address) stops working.
 */
export async function changeAccountEmail(deps: AccountsDeps, staff: StaffMember, accountId: string, newEmail: string, clientAddress: string): Promise<void> {
  const now = deps.now();
  const email = normalizeEmail(newEmail);
  if (!/^[^\s@]+@[^\s@]+\.[^\s@]+$/.test(email)) throw new AuthorizationFormError('missing_fields');
  await deps.db.transaction(async (tx) => {
    const account = await findAccount(tx, accountId);
    if (!account || account.kind === 'staff') throw new AppError('not_found', 404);
    if (account.email === email) return;
    const holder = await findPortalAccountByEmail(tx, email);
    if (holder) throw new AuthorizationFormError('email_in_use');
    await setAccountEmail(tx, account.id, email, now);
    await voidOpenLinks(tx, account.id, now);
    await enqueue(tx, { kind: 'email', payload: emailChangedOldAddress(account.locale, deps.practice, account.email) });
    await enqueue(tx, { kind: 'email', payload: emailChangedNewAddress(account.locale, deps.practice, email) });
    await recordAuditEvent(
      tx,
      accountAuditEvent({
        event: 'email-changed',
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
}
