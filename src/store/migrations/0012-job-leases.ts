/**
 * Jobs that must run on one replica at a time (the daily family-access sweep, src/proxies/family-sweep.ts):
 * a lease row per job name, taken with one INSERT … ON CONFLICT … WHERE the lease has run out, so of two
 * replicas (or two calls in one process) asking together exactly one gets it. A row rather than a PostgreSQL
 * advisory lock: PGlite, the embedded default, has one session, where a session lock is re-entrant and so
 * would let two calls of the same process through; and a transaction-scoped lock would have to hold one
 * transaction open across the job's HAPI reads.
 *
 * `expires_at` is read against the database's own clock (clock_timestamp()), never a replica's: a crashed
 * holder's lease simply runs out. After a run the holder either drops the row or keeps it until the job is
 * next due (a rest), which is how "daily" holds across replicas that each try every hour.
 */
export const id = '0012-job-leases';

export const sql = /* sql */ `
CREATE TABLE job_leases (
  name        text PRIMARY KEY,
  holder      uuid NOT NULL,
  expires_at  timestamptz NOT NULL
);
`;
