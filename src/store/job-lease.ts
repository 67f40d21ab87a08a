/**
 * One replica at a time (migration 0012): a job runs only while its caller holds the job's lease row. Taking
 * it is one statement, so of two callers asking together exactly one gets it, on PostgreSQL and on PGlite
 * alike; the times are the database's clock, never a replica's (or a test's moved clock).
 */
import { randomUUID } from 'node:crypto';
import type { Queryable } from './db.ts';

export interface LeaseTimes {
  /** How long the holder may run before another caller may take the job over (a crashed holder's lease runs out). */
  readonly holdMs: number;
  /** After a run that succeeded, how long the lease is kept so no one runs the job again (0: released at once). */
  readonly restMs: number;
}

/**
 * Runs `work` if this caller gets the lease of `name`; `undefined` (without running it) when someone else holds
 * it. After success the lease rests for `restMs`; after a failure it is released, so the next try may run.
 */
export async function withJobLease<T>(db: Queryable, name: string, times: LeaseTimes, work: () => Promise<T>): Promise<T | undefined> {
  const holder = randomUUID();
  const taken = await db.query(
    `INSERT INTO job_leases (name, holder, expires_at) VALUES ($1, $2, clock_timestamp() + $3 * interval '1 millisecond')
     ON CONFLICT (name) DO UPDATE SET holder = EXCLUDED.holder, expires_at = EXCLUDED.expires_at WHERE job_leases.expires_at <= clock_timestamp()
     RETURNING holder`,
    [name, holder, times.holdMs],
  );
  if (taken.rows.length !== 1) return undefined;
  let result: T;
  try {
    result = await work();
  } catch (error) {
    await db.query('DELETE FROM job_leases WHERE name = $1 AND holder = $2', [name, holder]);
    throw error;
  }
  await db.query(`UPDATE job_leases SET expires_at = clock_timestamp() + $3 * interval '1 millisecond' WHERE name = $1 AND holder = $2`, [name, holder, times.restMs]);
  return result;
}
