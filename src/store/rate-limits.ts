/**
 * Sign-in throttling counters (NIST SP 800-63B §5.2.2), kept in the store so every replica shares
 * them and a restart does not reset them. Keys name what is limited: `account:<email>` or
 * `address:<ip>`; they hold no password or other secret.
 */
import type { Queryable } from './db.ts';

export interface ThrottlePolicy {
  readonly maxFailures: number;
  readonly lockoutMs: number;
}

export interface ThrottleState {
  readonly failures: number;
  readonly blocked: boolean;
}

export async function throttleState(db: Queryable, key: string, now: Date): Promise<ThrottleState> {
  const result = await db.query<{ failures: number; blocked_until: Date | null }>('SELECT failures, blocked_until FROM rate_limits WHERE key = $1', [key]);
  const row = result.rows[0];
  return { failures: row?.failures ?? 0, blocked: !!row?.blocked_until && row.blocked_until > now };
}

/** Counts one failure; returns the new count and whether this failure started a lockout. */
export async function recordThrottledFailure(db: Queryable, key: string, policy: ThrottlePolicy, now: Date): Promise<{ failures: number; lockedNow: boolean }> {
  const result = await db.query<{ failures: number; blocked_until: Date | null }>(
    `INSERT INTO rate_limits (key, failures, window_started_at) VALUES ($1, 1, $2)
     ON CONFLICT (key) DO UPDATE SET
       -- a lockout that has run out starts a fresh count
       failures = CASE WHEN rate_limits.blocked_until IS NOT NULL AND rate_limits.blocked_until <= $2 THEN 1 ELSE rate_limits.failures + 1 END,
       blocked_until = CASE WHEN rate_limits.blocked_until IS NOT NULL AND rate_limits.blocked_until <= $2 THEN NULL ELSE rate_limits.blocked_until END
     RETURNING failures, blocked_until`,
    [key, now],
  );
  const { failures } = result.rows[0]!;
  if (failures >= policy.maxFailures && failures % policy.maxFailures === 0) {
    await db.query('UPDATE rate_limits SET blocked_until = $2 WHERE key = $1', [key, new Date(now.getTime() + policy.lockoutMs)]);
    return { failures, lockedNow: true };
  }
  return { failures, lockedNow: false };
}

export async function clearThrottle(db: Queryable, key: string): Promise<void> {
  await db.query('DELETE FROM rate_limits WHERE key = $1', [key]);
}

/** Growing delay before answering a failed attempt: 0.25 s doubling per failure, at most 4 s. */
export const failureDelayMs = (failures: number): number => Math.min(4000, 250 * 2 ** Math.max(0, failures - 1));

/**
 * Counts one failed sign-in against the account and the client address (which gets ten times the
 * allowance: one address can be many people behind a clinic's or a family's shared connection).
 */
export async function recordSignInFailure(
  tx: Queryable,
  keys: { account: string; address: string },
  policy: ThrottlePolicy,
  now: Date,
): Promise<{ failures: number; accountLockedNow: boolean }> {
  const byAccount = await recordThrottledFailure(tx, keys.account, policy, now);
  const byAddress = await recordThrottledFailure(tx, keys.address, { ...policy, maxFailures: policy.maxFailures * 10 }, now);
  return { failures: Math.max(byAccount.failures, byAddress.failures), accountLockedNow: byAccount.lockedNow };
}

/**
 * Counts one request against `key` in a fixed window of `windowMs` (a new window starts with the first
 * request after the last one ran out) and answers the count in the current window, this request
 * included. One statement, so replicas counting the same key at once never lose a request.
 */
export async function countRequest(db: Queryable, key: string, windowMs: number, now: Date): Promise<number> {
  const result = await db.query<{ failures: number }>(
    `INSERT INTO rate_limits (key, failures, window_started_at) VALUES ($1, 1, $2)
     ON CONFLICT (key) DO UPDATE SET
       failures = CASE WHEN rate_limits.window_started_at <= $2::timestamptz - $3::int * interval '1 millisecond' THEN 1 ELSE rate_limits.failures + 1 END,
       window_started_at = CASE WHEN rate_limits.window_started_at <= $2::timestamptz - $3::int * interval '1 millisecond' THEN $2 ELSE rate_limits.window_started_at END
     RETURNING failures`,
    [key, now, windowMs],
  );
  return result.rows[0]!.failures;
}
