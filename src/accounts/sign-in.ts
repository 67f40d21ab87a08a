/**
 * Patient sign-in: email, password and date of birth, all three required (promise 5). Every wrong
 * factor gives the same answer after the same work (one scrypt verification, one date comparison),
 * so the answer reveals nothing about which factor was wrong or whether the account exists
 * (NIST SP 800-63B §5.2.2; DESIGN.md security model 9). Failures are throttled per account and per
 * client address with counters in the store; a lockout is emailed to the account's owner.
 */
import { accountAuditEvent } from '../core/fhir/audit-event.ts';
import { dummyPasswordHash, verifyPassword } from '../core/password-hash.ts';
import { findPortalAccountByEmail, normalizeEmail, rememberTotpStep } from '../store/accounts.ts';
import { recordAuditEvent } from '../store/audit-trail.ts';
import { enqueue } from '../store/outbox.ts';
import { clearThrottle, failureDelayMs, recordSignInFailure, throttleState } from '../store/rate-limits.ts';
import { lockoutEmail } from './emails.ts';
import type { AccountsDeps } from './deps.ts';
import { acceptedStep } from './totp.ts';

export interface SignInAttempt {
  readonly email: string;
  readonly password: string;
  readonly birthDate: string;
  /** The authenticator code; required only for accounts that turned two-step verification on. */
  readonly code?: string;
  readonly clientAddress: string;
}

export type SignInResult = { readonly ok: true; readonly accountId: string } | { readonly ok: false; readonly delayMs: number };

export async function signIn(deps: AccountsDeps, attempt: SignInAttempt): Promise<SignInResult> {
  const now = deps.now();
  const email = normalizeEmail(attempt.email);
  const accountKey = `account:${email}`;
  const addressKey = `address:${attempt.clientAddress}`;
  const [accountThrottle, addressThrottle, account] = await Promise.all([
    throttleState(deps.db, accountKey, now),
    throttleState(deps.db, addressKey, now),
    findPortalAccountByEmail(deps.db, email),
  ]);

  const passwordOk = await verifyPassword(attempt.password, account?.password_hash ?? (await dummyPasswordHash()));
  const birthDateOk = !!account?.birth_date && account.birth_date === attempt.birthDate.trim();
  const step = account?.totp_secret ? acceptedStep(account.totp_secret, attempt.code ?? '', now) : undefined;
  const secondFactorOk = !account?.totp_secret || (step !== undefined && (account.totp_last_step === null || Number(account.totp_last_step) < step));
  const blocked = accountThrottle.blocked || addressThrottle.blocked;
  const ok = !!account && account.status === 'active' && passwordOk && birthDateOk && secondFactorOk && !blocked;

  if (ok) {
    await deps.db.transaction(async (tx) => {
      if (step !== undefined) await rememberTotpStep(tx, account.id, step);
      await clearThrottle(tx, accountKey);
      await recordAuditEvent(
        tx,
        accountAuditEvent({
          event: 'login',
          success: true,
          actor: account.fhir_user ?? undefined,
          accountId: account.id,
          patient: account.patient ?? undefined,
          clientAddress: attempt.clientAddress,
          portalName: deps.practice.name,
        }),
      );
    });
    return { ok: true, accountId: account.id };
  }

  const policy = { maxFailures: deps.signIn.maxFailures, lockoutMs: deps.signIn.lockoutMs };
  const failures = await deps.db.transaction(async (tx) => {
    const counted = await recordSignInFailure(tx, { account: accountKey, address: addressKey }, policy, now);
    await recordAuditEvent(
      tx,
      accountAuditEvent({
        event: 'login',
        success: false,
        actor: account?.fhir_user ?? undefined,
        accountId: account?.id,
        patient: account?.patient ?? undefined,
        clientAddress: attempt.clientAddress,
        portalName: deps.practice.name,
      }),
    );
    if (counted.accountLockedNow && account && account.status === 'active') {
      await enqueue(tx, { kind: 'email', payload: lockoutEmail(account.locale, deps.practice, account.email, Math.round(policy.lockoutMs / 60_000)) });
      await recordAuditEvent(
        tx,
        accountAuditEvent({
          event: 'lockout',
          success: true,
          actor: account.fhir_user ?? undefined,
          accountId: account.id,
          patient: account.patient ?? undefined,
          clientAddress: attempt.clientAddress,
          portalName: deps.practice.name,
        }),
      );
    }
    return counted.failures;
  });
  return { ok: false, delayMs: failureDelayMs(failures) };
}
