/**
 * The daily family-access sweep (issue 13): links whose end date has passed are ended in the store and in FHIR
 * (end-expired-family.ts), then the minors policy's notices and ends at 18 (minors-sweep.ts). It runs under
 * the store's lease 'family-sweep' (src/store/job-lease.ts), so one replica at a time: a call that finds the
 * lease held returns undefined and does nothing. The composition root tries every hour on every replica with
 * a rest of a day after a run that succeeded, so the sweep runs about once a day whatever the number of
 * replicas, soon after a start, and a failed run is tried again within the hour.
 */
import type { MinorsPolicy } from '../access/minors.ts';
import { withJobLease } from '../store/job-lease.ts';
import { endExpiredFamilyAccess } from './end-expired-family.ts';
import { sweepMinorsAccess } from './minors-sweep.ts';
import type { ProxiesDeps } from './deps.ts';

export interface FamilySweepResult {
  readonly expired: number;
  readonly noticed: number;
  readonly ended: number;
}

/** Longer than a sweep takes: if a holder dies mid-run, another replica may take over after this. */
const holdMs = 30 * 60_000;

/**
 * One sweep, if no one else is sweeping. `restMs`: how long after a successful run no replica sweeps again
 * (the composition root's "daily"; 0 for a call that should not hold back the next one).
 */
export async function sweepFamilyAccess(deps: ProxiesDeps, policy: MinorsPolicy, options: { restMs?: number } = {}): Promise<FamilySweepResult | undefined> {
  return withJobLease(deps.db, 'family-sweep', { holdMs, restMs: options.restMs ?? 0 }, async () => {
    const expired = await endExpiredFamilyAccess(deps);
    return { expired, ...(await sweepMinorsAccess(deps, policy)) };
  });
}
