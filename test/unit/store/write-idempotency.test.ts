import { expect } from 'chai';
import type { Db } from '../../../src/store/db.ts';
import {
  claimIdempotencyKey,
  completeIdempotencyKey,
  releaseIdempotencyKey,
  restampIdempotencyKey,
  takeOverStaleIdempotencyKey,
  type HeldIdempotencyKey,
} from '../../../src/store/write-idempotency.ts';
import { migratedMemoryStore } from '../../support/memory-store.ts';

describe('write idempotency keys: a claim is held by its stamp (migration 0010)', function () {
  this.timeout(30_000);
  let db: Db;
  before(async () => {
    db = await migratedMemoryStore();
  });
  after(() => db.close());

  const rowOf = async (key: string) =>
    (await db.query<{ status: string; location: string | null }>('SELECT status, location FROM write_idempotency WHERE key = $1', [key])).rows[0];

  /** A first attempt that claimed the key ten minutes ago and is still busy with its checks (slow, not dead). */
  async function slowFirstAttempt(key: string): Promise<HeldIdempotencyKey> {
    const owner = { accountId: 'account-1', clientId: 'client-1', key };
    const claim = await claimIdempotencyKey(db, owner, 'hash');
    expect(claim.state).to.equal('claimed');
    const aged = await db.query<{ stamp: string }>(
      "UPDATE write_idempotency SET created_at = created_at - interval '10 minutes' WHERE key = $1 RETURNING created_at::text AS stamp",
      [key],
    );
    return { ...owner, stamp: aged.rows[0]!.stamp };
  }

  it('a claim still ours is re-stamped before the write, then completed', async () => {
    const first = await slowFirstAttempt('kept-key-1');
    const kept = await restampIdempotencyKey(db, first);
    expect(kept).to.not.equal(undefined);
    // Re-stamped: fresh again, so a retry now finds it pending, not stale.
    expect(await takeOverStaleIdempotencyKey(db, first, 'hash', 60_000)).to.equal(undefined);
    await completeIdempotencyKey(db, kept!, 'Communication/1/_history/1');
    expect(await rowOf('kept-key-1')).to.deep.equal({ status: 'done', location: 'Communication/1/_history/1' });
  });

  it('a retry takes a stale claim over: the slow first attempt can no longer re-stamp, complete or release it', async () => {
    const first = await slowFirstAttempt('taken-key-1');
    const stamp = await takeOverStaleIdempotencyKey(db, first, 'hash', 60_000);
    expect(stamp).to.be.a('string').and.not.equal(first.stamp);
    const retry = { ...first, stamp: stamp! };
    // The first attempt, reaching its write: not ours any more, so it must write nothing.
    expect(await restampIdempotencyKey(db, first)).to.equal(undefined);
    await releaseIdempotencyKey(db, first);
    expect(await rowOf('taken-key-1')).to.deep.equal({ status: 'pending', location: null });
    await completeIdempotencyKey(db, first, 'Communication/first/_history/1');
    expect(await rowOf('taken-key-1')).to.deep.equal({ status: 'pending', location: null });
    // The retry holds it: it re-stamps, and its failure releases the key.
    const kept = await restampIdempotencyKey(db, retry);
    expect(kept).to.not.equal(undefined);
    await releaseIdempotencyKey(db, kept!);
    expect(await rowOf('taken-key-1')).to.equal(undefined);
  });

  it('a completed key is never released, even by its holder', async () => {
    const owner = { accountId: 'account-1', clientId: 'client-1', key: 'done-key-1' };
    const claim = await claimIdempotencyKey(db, owner, 'hash');
    const held = { ...owner, stamp: (claim as { stamp: string }).stamp };
    await completeIdempotencyKey(db, held, 'Binary/2/_history/1');
    await releaseIdempotencyKey(db, held);
    expect(await claimIdempotencyKey(db, owner, 'hash')).to.deep.equal({ state: 'done', location: 'Binary/2/_history/1' });
  });
});
