import { expect } from 'chai';
import { isPastHorizon, retryDelayMs } from '../../../src/store/outbox-backoff.ts';

describe('outbox backoff', () => {
  const policy = { baseMs: 1000, maxMs: 60_000 };

  it('doubles the delay with each attempt, between half and all of the ceiling', () => {
    expect([1, 2, 3, 4].map((n) => retryDelayMs(policy, n, 0))).to.deep.equal([500, 1000, 2000, 4000]);
    expect([1, 2, 3, 4].map((n) => retryDelayMs(policy, n, 0.999999))).to.deep.equal([1000, 2000, 4000, 8000]);
  });

  it('never exceeds the maximum delay, however many attempts', () => {
    expect(retryDelayMs(policy, 10, 0.999999)).to.equal(60_000);
    expect(retryDelayMs(policy, 5000, 0.5)).to.equal(45_000);
  });

  it('spreads retries with jitter', () => {
    const delays = new Set([0, 0.25, 0.5, 0.75].map((r) => retryDelayMs(policy, 3, r)));
    expect(delays.size).to.equal(4);
  });

  it('declares a message dead once the horizon has passed', () => {
    const created = new Date('2026-01-01T00:00:00Z');
    expect(isPastHorizon(created, new Date('2026-01-03T23:59:59Z'), 72 * 3600_000)).to.equal(false);
    expect(isPastHorizon(created, new Date('2026-01-04T00:00:00Z'), 72 * 3600_000)).to.equal(true);
  });
});
