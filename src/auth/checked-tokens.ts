/**
 * Access tokens the FHIR facade has checked in the store (live_access_token), kept while nothing that
 * could end them has been written: DESIGN.md security model 8, "caches are invalidated on those writes".
 *
 * An answer is used again only while the access epoch it was read at (migration 0006) is the newest
 * this replica has seen, and until the token or its grant expires. That alone would leave a gap for a
 * revocation on another replica, so it is not the last word: each request's AuditEvent is written
 * only if the store's epoch is still the one the token was checked at, in the same statement, and if
 * it moved the token is checked again before anything is released (src/fhir/router.ts). What this
 * saves is the second store statement per request while access is unchanged.
 *
 * It never decides who may act. The memory belongs to the one instance the composition root makes
 * (DESIGN.md: no module-level singletons); it is bounded, dropping the oldest entries first.
 */
import type { LiveAccessToken } from '../store/live-access-token.ts';

export interface CheckedTokens {
  /** The stored answer for this token, if it is still usable at `now` (epoch milliseconds). */
  get(token: string, now: number): LiveAccessToken | undefined;
  remember(token: string, answer: LiveAccessToken): void;
  forget(token: string): void;
  /** The store's access epoch as a statement just read it: answers read at an older epoch are dropped. */
  observeEpoch(epoch: string): void;
}

export function createCheckedTokens(options: { maxEntries?: number } = {}): CheckedTokens {
  const maxEntries = options.maxEntries ?? 10_000;
  const answers = new Map<string, LiveAccessToken>();
  let newest: bigint | undefined;
  const current = (answer: LiveAccessToken) => newest === undefined || BigInt(answer.epoch) >= newest;
  return {
    get(token, now) {
      const answer = answers.get(token);
      if (!answer) return undefined;
      if (current(answer) && answer.liveUntil > now) return answer;
      answers.delete(token);
      return undefined;
    },
    remember(token, answer) {
      this.observeEpoch(answer.epoch);
      if (!current(answer)) return;
      answers.delete(token);
      if (answers.size >= maxEntries) answers.delete(answers.keys().next().value!);
      answers.set(token, answer);
    },
    forget(token) {
      answers.delete(token);
    },
    observeEpoch(epoch) {
      const seen = BigInt(epoch);
      if (newest !== undefined && seen <= newest) return;
      newest = seen;
      // Something that can end access was written: every answer read before it is checked again.
      answers.clear();
    },
  };
}
