/**
 * Signing out of the web app, here or everywhere. Everywhere ends every session and every app's grant
 * and token of the account in one transaction, so the next request with any of them fails. Both are
 * audited (DCM 110123 Logout).
 */
import { accountAuditEvent } from '../core/fhir/audit-event.ts';
import { findAccount } from '../store/accounts.ts';
import { recordAuditEvent } from '../store/audit-trail.ts';
import { revokeAccountAuthorizations } from '../store/oidc-adapter.ts';
import { deleteAccountWebSessions } from '../store/web-sessions.ts';
import type { AccountsDeps } from './deps.ts';

/** Records a sign-out (the caller has already ended the session and revoked the web app's tokens). */
export async function recordSignOut(deps: Pick<AccountsDeps, 'db' | 'practice'>, accountId: string, clientAddress: string): Promise<void> {
  const account = await findAccount(deps.db, accountId);
  await recordAuditEvent(
    deps.db,
    accountAuditEvent({
      event: 'logout',
      success: true,
      actor: account?.fhir_user ?? undefined,
      accountId,
      patient: account?.patient ?? undefined,
      clientAddress,
      portalName: deps.practice.name,
    }),
  );
}

/** Ends every session, grant and token of the account, then records the sign-out. */
export async function signOutEverywhere(deps: Pick<AccountsDeps, 'db' | 'practice'>, accountId: string, clientAddress: string): Promise<void> {
  await deps.db.transaction(async (tx) => {
    await deleteAccountWebSessions(tx, accountId);
    await revokeAccountAuthorizations(tx, accountId);
  });
  await recordSignOut(deps, accountId, clientAddress);
}
