/**
 * A patient disconnects an app on the connected-apps page (the SMART management endpoint): the grant and
 * every token issued under it end, and the revocation is audited (DESIGN.md security model 10; BALP /
 * IHE IUA shape, like token revocation at the OAuth endpoint). Both happen in one transaction, so an app
 * is never disconnected without a record of it, nor recorded as disconnected while it still has access.
 */
import { tokenAuditEvent } from '../core/fhir/audit-event.ts';
import { findAccount } from '../store/accounts.ts';
import { recordAuditEvent } from '../store/audit-trail.ts';
import { findGrantContext } from '../store/launch-context.ts';
import { revokeAppGrant } from '../store/oauth-clients.ts';
import type { AccountsDeps } from './deps.ts';

export interface Disconnection {
  readonly accountId: string;
  readonly grantId: string;
  readonly clientAddress?: string;
}

/** Ends the account's grant and records it; returns the app's client id, or undefined when there was no such grant. */
export async function disconnectApp(deps: Pick<AccountsDeps, 'db' | 'practice'>, input: Disconnection): Promise<string | undefined> {
  return deps.db.transaction(async (tx) => {
    // The patient whose record the app had: the grant's launch context (picker or launch), else the account's own.
    const context = await findGrantContext(tx, input.grantId);
    const revoked = await revokeAppGrant(tx, input.accountId, input.grantId);
    if (!revoked) return undefined;
    const account = await findAccount(tx, input.accountId);
    const patient = context ? `Patient/${context.patient}` : (account?.patient ?? undefined);
    await recordAuditEvent(
      tx,
      tokenAuditEvent({
        event: 'app-disconnected',
        outcome: '0',
        ...(account?.fhir_user ? { actor: account.fhir_user } : {}),
        accountId: input.accountId,
        clientId: revoked.clientId,
        ...(patient ? { patient } : {}),
        ...(revoked.scope ? { scope: revoked.scope } : {}),
        ...(input.clientAddress ? { clientAddress: input.clientAddress } : {}),
        portalName: deps.practice.name,
      }),
    );
    return revoked.clientId;
  });
}
