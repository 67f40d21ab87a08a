import { expect } from 'chai';
import { migratedMemoryStore } from '../../support/memory-store.ts';
import type { Db } from '../../../src/store/db.ts';
import { clearThrottle, failureDelayMs, recordThrottledFailure, throttleState } from '../../../src/store/rate-limits.ts';

describe('sign-in throttling counters', () => {
  let db: Db;
  const policy = { maxFailures: 3, lockoutMs: 15 * 60_000 };
  const t0 = new Date('2026-06-01T10:00:00Z');
  const at = (minutes: number) => new Date(t0.getTime() + minutes * 60_000);

  before(async () => {
    db = await migratedMemoryStore();
  });
  after(() => db.close());

  it('locks after the threshold, for the lockout period, then starts counting afresh', async () => {
    const key = 'account:a@example.org';
    expect(await recordThrottledFailure(db, key, policy, at(0))).to.deep.equal({ failures: 1, lockedNow: false });
    expect(await recordThrottledFailure(db, key, policy, at(1))).to.deep.equal({ failures: 2, lockedNow: false });
    expect(await recordThrottledFailure(db, key, policy, at(2))).to.deep.equal({ failures: 3, lockedNow: true });
    expect(await throttleState(db, key, at(16))).to.deep.equal({ failures: 3, blocked: true });
    expect(await throttleState(db, key, at(18))).to.deep.equal({ failures: 3, blocked: false });
    expect(await recordThrottledFailure(db, key, policy, at(18))).to.deep.equal({ failures: 1, lockedNow: false });
  });

  it('forgets an account’s failures after a successful sign-in', async () => {
    const key = 'account:b@example.org';
    await recordThrottledFailure(db, key, policy, at(0));
    await clearThrottle(db, key);
    expect(await throttleState(db, key, at(0))).to.deep.equal({ failures: 0, blocked: false });
  });

  it('waits longer after each failure, up to 4 s', () => {
    expect([1, 2, 3, 4, 5, 6, 10].map(failureDelayMs)).to.deep.equal([250, 500, 1000, 2000, 4000, 4000, 4000]);
  });
});
