/**
 * Staff sign-in: email, password and a TOTP code (RFC 6238), all required. A code is accepted once
 * (the last used time step is remembered) and within one step of clock drift. Same throttling and
 * uniform failure as patient sign-in.
 */
import type { Practitioner } from '@medplum/fhirtypes';
import { accountAuditEvent } from '../core/fhir/audit-event.ts';
import { displayName } from '../core/fhir/names.ts';
import { dummyPasswordHash, verifyPassword } from '../core/password-hash.ts';
import { findStaffByEmail, normalizeEmail, rememberTotpStep } from '../store/accounts.ts';
import { recordAuditEvent } from '../store/audit-trail.ts';
import { clearThrottle, failureDelayMs, recordSignInFailure, throttleState } from '../store/rate-limits.ts';
import type { AccountsDeps } from './deps.ts';
import { acceptedStep } from './totp.ts';

export async function staffSignIn(
  deps: AccountsDeps,
  attempt: { email: string; password: string; code: string; clientAddress: string; onlyAccountId?: string | null },
): Promise<{ ok: true; accountId: string; practitioner: string; admin: boolean } | { ok: false; delayMs: number }> {
  const now = deps.now();
  const accountKey = `staff:${normalizeEmail(attempt.email)}`;
  const addressKey = `address:${attempt.clientAddress}`;
  const [accountThrottle, addressThrottle, staff] = await Promise.all([
    throttleState(deps.db, accountKey, now),
    throttleState(deps.db, addressKey, now),
    findStaffByEmail(deps.db, attempt.email),
  ]);
  const passwordOk = await verifyPassword(attempt.password, staff?.password_hash ?? (await dummyPasswordHash()));
  const step = staff?.totp_secret ? acceptedStep(staff.totp_secret, attempt.code, now) : undefined;
  const fresh = step !== undefined && (staff?.totp_last_step === null || Number(staff?.totp_last_step) < step);
  // When only one account may sign in here (an EHR launch's staff member), anyone else fails like a wrong password.
  const allowed = attempt.onlyAccountId === undefined || (!!attempt.onlyAccountId && staff?.id === attempt.onlyAccountId);
  const ok = !!staff && staff.status === 'active' && passwordOk && fresh && allowed && !accountThrottle.blocked && !addressThrottle.blocked;

  if (ok) {
    await deps.db.transaction(async (tx) => {
      await rememberTotpStep(tx, staff.id, step!);
      await clearThrottle(tx, accountKey);
      await recordAuditEvent(
        tx,
        accountAuditEvent({
          event: 'login',
          success: true,
          actor: staff.fhir_user ?? undefined,
          accountId: staff.id,
          clientAddress: attempt.clientAddress,
          portalName: deps.practice.name,
        }),
      );
    });
    return { ok: true, accountId: staff.id, practitioner: staff.fhir_user ?? '', admin: staff.roles.includes('admin') };
  }
  const policy = { maxFailures: deps.signIn.maxFailures, lockoutMs: deps.signIn.lockoutMs };
  const failures = await deps.db.transaction(async (tx) => {
    const counted = await recordSignInFailure(tx, { account: accountKey, address: addressKey }, policy, now);
    await recordAuditEvent(
      tx,
      accountAuditEvent({
        event: 'login',
        success: false,
        actor: staff?.fhir_user ?? undefined,
        accountId: staff?.id,
        clientAddress: attempt.clientAddress,
        portalName: deps.practice.name,
      }),
    );
    return counted.failures;
  });
  return { ok: false, delayMs: failureDelayMs(failures) };
}

/** The staff member's name as the console greets them (their Practitioner's). */
export async function staffDisplayName(deps: Pick<AccountsDeps, 'fhir'>, practitioner: string): Promise<string> {
  const id = practitioner.split('/')[1];
  return id ? displayName((await deps.fhir.read<Practitioner>('Practitioner', id)).name) : '';
}
