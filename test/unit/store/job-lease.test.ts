import { expect } from 'chai';
import type { Db } from '../../../src/store/db.ts';
import { withJobLease } from '../../../src/store/job-lease.ts';
import { migratedMemoryStore } from '../../support/memory-store.ts';

describe('job lease (one replica at a time, migration 0012)', function () {
  this.timeout(30_000);
  let db: Db;
  before(async () => {
    db = await migratedMemoryStore();
  });
  after(() => db.close());

  it('of two callers asking together, exactly one runs the job; the other gets undefined', async () => {
    let runs = 0;
    let release!: () => void;
    const held = new Promise<void>((resolve) => (release = resolve));
    const first = withJobLease(db, 'together', { holdMs: 60_000, restMs: 0 }, async () => {
      runs += 1;
      await held;
      return 'first';
    });
    const second = withJobLease(db, 'together', { holdMs: 60_000, restMs: 0 }, async () => {
      runs += 1;
      return 'second';
    });
    expect(await second).to.equal(undefined);
    release();
    expect(await first).to.equal('first');
    expect(runs).to.equal(1);
    // Released with no rest: the next caller runs.
    expect(await withJobLease(db, 'together', { holdMs: 60_000, restMs: 0 }, async () => 'next')).to.equal('next');
  });

  it('rests after a success (nobody runs it again until then), and is released after a failure', async () => {
    expect(await withJobLease(db, 'daily', { holdMs: 60_000, restMs: 3_600_000 }, async () => 1)).to.equal(1);
    expect(await withJobLease(db, 'daily', { holdMs: 60_000, restMs: 0 }, async () => 2)).to.equal(undefined);
    const failed = await withJobLease(db, 'failing', { holdMs: 60_000, restMs: 3_600_000 }, async () => {
      throw new Error('HAPI down');
    }).then(
      () => 'ran',
      (error: Error) => error.message,
    );
    expect(failed).to.equal('HAPI down');
    expect(await withJobLease(db, 'failing', { holdMs: 60_000, restMs: 0 }, async () => 'retried')).to.equal('retried');
  });

  it('a holder that died is taken over once its lease has run out', async () => {
    await db.query("INSERT INTO job_leases (name, holder, expires_at) VALUES ('crashed', gen_random_uuid(), clock_timestamp() - interval '1 second')");
    expect(await withJobLease(db, 'crashed', { holdMs: 60_000, restMs: 0 }, async () => 'taken over')).to.equal('taken over');
  });
});
