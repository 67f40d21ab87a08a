/**
 * Forgot password (promise 7): the request answers the same whether or not an account matches; the
 * emailed link lives one hour; completing it changes the password, ends every session and token of
 * the account, and tells the owner by email.
 */
import { accountAuditEvent } from '../core/fhir/audit-event.ts';
import { hashPassword } from '../core/password-hash.ts';
import { findAccount, findPortalAccountByEmail, setPasswordHash } from '../store/accounts.ts';
import { recordAuditEvent } from '../store/audit-trail.ts';
import { consumeLink, findLink, issueLink, linkState, type LinkState } from '../store/invitations.ts';
import { revokeAccountAuthorizations } from '../store/oidc-adapter.ts';
import { enqueue } from '../store/outbox.ts';
import { deleteAccountWebSessions } from '../store/web-sessions.ts';
import { passwordChangedEmail, resetEmail } from './emails.ts';
import { checkPassword, type PasswordProblem } from './password-policy.ts';
import type { AccountsDeps } from './deps.ts';

export async function requestPasswordReset(deps: AccountsDeps, input: { email: string; birthDate: string; clientAddress: string }): Promise<void> {
  const now = deps.now();
  const account = await findPortalAccountByEmail(deps.db, input.email);
  const matches = !!account && account.status === 'active' && account.birth_date === input.birthDate.trim();
  await deps.db.transaction(async (tx) => {
    if (matches) {
      const { token } = await issueLink(tx, { accountId: account.id, purpose: 'password_reset', email: account.email, ttlMs: deps.signIn.resetTtlMs, now });
      const link = new URL(`/password/reset?t=${token}`, deps.publicUrl).toString();
      await enqueue(tx, { kind: 'email', payload: resetEmail(account.locale, deps.practice, account.email, link) });
    }
    await recordAuditEvent(
      tx,
      accountAuditEvent({
        event: 'password-reset-requested',
        success: matches,
        actor: account?.fhir_user ?? undefined,
        accountId: account?.id,
        patient: account?.patient ?? undefined,
        clientAddress: input.clientAddress,
        portalName: deps.practice.name,
        recorded: now,
      }),
    );
  });
}

export async function inspectResetLink(deps: AccountsDeps, token: string): Promise<LinkState> {
  return linkState(await findLink(deps.db, token, 'password_reset'), deps.now());
}

export type ResetOutcome =
  | { readonly status: 'reset' }
  | { readonly status: 'link'; readonly state: Exclude<LinkState, 'valid'> }
  | { readonly status: 'weak_password'; readonly problem: PasswordProblem };

export async function completePasswordReset(deps: AccountsDeps, input: { token: string; password: string; clientAddress: string }): Promise<ResetOutcome> {
  const now = deps.now();
  return deps.db.transaction(async (tx): Promise<ResetOutcome> => {
    const link = await findLink(tx, input.token, 'password_reset', true);
    const state = linkState(link, now);
    if (state !== 'valid') return { status: 'link', state };
    const account = await findAccount(tx, link!.account_id);
    if (account?.status !== 'active') return { status: 'link', state: 'voided' };
    const verdict = checkPassword(input.password, { email: account.email, practiceName: deps.practice.name });
    if (!verdict.ok) return { status: 'weak_password', problem: verdict.code };
    await setPasswordHash(tx, account.id, await hashPassword(input.password), now);
    await consumeLink(tx, link!.id, now);
    await deleteAccountWebSessions(tx, account.id);
    await revokeAccountAuthorizations(tx, account.id);
    await enqueue(tx, { kind: 'email', payload: passwordChangedEmail(account.locale, deps.practice, account.email) });
    await recordAuditEvent(
      tx,
      accountAuditEvent({
        event: 'password-reset',
        success: true,
        actor: account.fhir_user ?? undefined,
        accountId: account.id,
        patient: account.patient ?? undefined,
        clientAddress: input.clientAddress,
        portalName: deps.practice.name,
        recorded: now,
      }),
    );
    return { status: 'reset' };
  });
}
