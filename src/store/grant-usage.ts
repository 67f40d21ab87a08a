/**
 * "Last used" of each app grant, for the patient's connected-apps page. The facade records a use on
 * every request with a user token, but writes at most once a minute per grant and replica, to keep
 * writes off the hot path. The throttle's memory belongs to one recorder made by the composition
 * root (src/context.ts), not to the module (DESIGN.md: no module-level singletons), so two portals in
 * one process — tests, the benchmark — never share it. It decides only when to write, never who may
 * act: authorization is re-checked in the store on every request.
 */
import type { Queryable } from './db.ts';

export interface GrantUsage {
  /** Records that the grant was just used (skipped if this recorder wrote it less than a minute ago). */
  touch(grantId: string, now: Date): Promise<void>;
}

export function createGrantUsage(db: Queryable, options: { intervalMs?: number; maxTracked?: number } = {}): GrantUsage {
  const intervalMs = options.intervalMs ?? 60_000;
  const maxTracked = options.maxTracked ?? 10_000;
  // When this recorder last wrote each grant; bounded, so a flood of grants cannot grow it without end.
  const lastWritten = new Map<string, number>();
  return {
    async touch(grantId, now) {
      if ((lastWritten.get(grantId) ?? Number.NEGATIVE_INFINITY) > now.getTime() - intervalMs) return;
      if (lastWritten.size >= maxTracked) lastWritten.clear();
      lastWritten.set(grantId, now.getTime());
      // Other replicas write too: the row keeps the newest time and is rewritten at most once an interval.
      await db.query(
        `INSERT INTO grant_usage (grant_id, last_used_at) VALUES ($1, $2)
         ON CONFLICT (grant_id) DO UPDATE SET last_used_at = $2 WHERE grant_usage.last_used_at < $2 - make_interval(secs => $3)`,
        [grantId, now, intervalMs / 1000],
      );
    },
  };
}
