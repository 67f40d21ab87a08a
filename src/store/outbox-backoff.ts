/**
 * Retry timing for outbox deliveries: exponential backoff with "equal jitter" (half the delay
 * fixed, half random), so a relay that comes back is not hit by every replica at the same instant.
 */
export interface BackoffPolicy {
  readonly baseMs: number;
  readonly maxMs: number;
}

/** Delay before retry number `attempt` (1 = the first retry), in milliseconds. `random` is in [0, 1). */
export function retryDelayMs(policy: BackoffPolicy, attempt: number, random: number = Math.random()): number {
  const exponent = Math.max(0, attempt - 1);
  const ceiling = Math.min(policy.maxMs, policy.baseMs * 2 ** Math.min(exponent, 40));
  return Math.round(ceiling / 2 + random * (ceiling / 2));
}

/** A message that has been failing for longer than the horizon goes to dead-letter. */
export const isPastHorizon = (createdAt: Date, now: Date, deadAfterMs: number): boolean => now.getTime() - createdAt.getTime() >= deadAfterMs;
