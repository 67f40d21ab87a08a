import { expect } from 'chai';
import { createLogger } from '../../../src/core/log.ts';
import { migratedMemoryStore } from '../../support/memory-store.ts';
import type { Db } from '../../../src/store/db.ts';
import { enqueue, getOutboxRow, listDeadLetters } from '../../../src/store/outbox.ts';
import { createOutboxWorker, PermanentDeliveryError, type DeliveryHandler } from '../../../src/store/outbox-worker.ts';

const email = { to: 'patient@example.org', subject: 'Hello', text: 'Body' };
const hour = 3600_000;

describe('outbox worker', () => {
  let db: Db;
  let clock: Date;

  // One in-memory store for the suite (PGlite takes a second or two to boot); emptied before each test.
  before(async () => {
    db = await migratedMemoryStore();
  });
  after(() => db.close());

  beforeEach(async () => {
    await db.query('TRUNCATE outbox RESTART IDENTITY CASCADE');
    // Rows are stamped with the database's now(); the test clock starts just after it.
    clock = new Date(Date.now() + 1000);
  });

  const worker = (handler: DeliveryHandler, overrides: { leaseMs?: number } = {}) =>
    createOutboxWorker({
      db,
      handlers: { email: handler },
      log: createLogger('silent'),
      pollMs: 1000,
      baseMs: 1000,
      maxMs: 8000,
      deadAfterMs: 24 * hour,
      now: () => clock,
      random: () => 0.5,
      ...overrides,
    });

  const advance = (ms: number) => {
    clock = new Date(clock.getTime() + ms);
  };

  it('writes the message only if the transaction that causes it commits', async () => {
    await db.transaction((tx) => enqueue(tx, { kind: 'email', payload: email }));
    await db
      .transaction(async (tx) => {
        await enqueue(tx, { kind: 'email', payload: { ...email, subject: 'rolled back' } });
        throw new Error('change failed');
      })
      .catch(() => {});
    const rows = await db.query<{ subject: string }>("SELECT payload->>'subject' AS subject FROM outbox");
    expect(rows.rows).to.deep.equal([{ subject: 'Hello' }]);
  });

  it('delivers a due message once and records the delivery id', async () => {
    const id = await db.transaction((tx) => enqueue(tx, { kind: 'email', payload: email }));
    const delivered: unknown[] = [];
    const w = worker(async (payload) => {
      delivered.push(payload);
      return { deliveryId: '<abc@example.org>' };
    });
    expect(await w.runOnce()).to.equal(1);
    expect(await w.runOnce()).to.equal(0);
    expect(delivered).to.deep.equal([email]);
    const row = await getOutboxRow(db, id);
    expect(row).to.include({ status: 'sent', attempts: 1, delivery_id: '<abc@example.org>', last_error: null });
  });

  it('retries with exponential backoff and jitter, then delivers', async () => {
    const id = await db.transaction((tx) => enqueue(tx, { kind: 'email', payload: email }));
    let failuresLeft = 3;
    const w = worker(async () => {
      if (failuresLeft-- > 0) throw Object.assign(new Error('connect ECONNREFUSED'), { code: 'ECONNREFUSED' });
      return { deliveryId: 'ok' };
    });
    const scheduled: number[] = [];
    for (let i = 0; i < 3; i++) {
      await w.runOnce();
      const row = (await getOutboxRow(db, id))!;
      expect(row.status).to.equal('pending');
      expect(row.last_error).to.equal('Error: ECONNREFUSED');
      scheduled.push(new Date(row.next_attempt_at).getTime() - clock.getTime());
      expect(await w.runOnce(), 'not due before its retry time').to.equal(0);
      clock = new Date(row.next_attempt_at);
    }
    // random = 0.5 → three quarters of 1 s, 2 s, 4 s.
    expect(scheduled).to.deep.equal([750, 1500, 3000]);
    await w.runOnce();
    expect(await getOutboxRow(db, id)).to.include({ status: 'sent', attempts: 4, last_error: null });
  });

  it('moves a message that keeps failing past the horizon to dead-letter with its last error', async () => {
    const id = await db.transaction((tx) => enqueue(tx, { kind: 'email', payload: email }));
    const w = worker(async () => {
      throw Object.assign(new Error('greeting never received'), { code: 'ETIMEDOUT' });
    });
    let attempts = 0;
    while ((await getOutboxRow(db, id))!.status === 'pending' && attempts < 100) {
      await w.runOnce();
      attempts++;
      advance(8000);
      if (attempts === 5) advance(24 * hour);
    }
    const row = (await getOutboxRow(db, id))!;
    expect(row).to.include({ status: 'dead', last_error: 'Error: ETIMEDOUT', attempts: 6 });
    expect((await listDeadLetters(db)).map((r) => r.id)).to.deep.equal([id]);
  });

  it('dead-letters at once a failure that retrying cannot fix', async () => {
    const id = await db.transaction((tx) => enqueue(tx, { kind: 'email', payload: email }));
    await worker(async () => {
      throw new PermanentDeliveryError('recipient refused (smtp 550)');
    }).runOnce();
    expect(await getOutboxRow(db, id)).to.include({
      status: 'dead',
      attempts: 1,
      last_error: 'PermanentDeliveryError: recipient refused (smtp 550)',
    });
  });

  it('picks up a message whose worker died mid-delivery once the lease expires, and delivers it once', async () => {
    const id = await db.transaction((tx) => enqueue(tx, { kind: 'email', payload: email }));
    // The first worker claims the row and never finishes (the process crashed).
    const crashed = worker(() => new Promise(() => {}), { leaseMs: 60_000 });
    void crashed.runOnce();
    await new Promise((resolve) => setTimeout(resolve, 50));
    expect((await getOutboxRow(db, id))!.status).to.equal('sending');

    let deliveries = 0;
    const survivor = worker(async () => {
      deliveries++;
      return { deliveryId: 'x' };
    });
    expect(await survivor.runOnce(), 'still leased').to.equal(0);
    advance(60_000);
    expect(await survivor.runOnce()).to.equal(1);
    expect(await survivor.runOnce()).to.equal(0);
    expect(deliveries).to.equal(1);
    expect(await getOutboxRow(db, id)).to.include({ status: 'sent', attempts: 2 });
  });

  it('dead-letters a kind that has no handler instead of dropping it', async () => {
    const id = await db.transaction((tx) => enqueue(tx, { kind: 'audit', payload: { resourceType: 'AuditEvent', id: 'a1' } as never }));
    await worker(async () => ({})).runOnce();
    expect(await getOutboxRow(db, id)).to.include({ status: 'dead', last_error: 'PermanentDeliveryError: no handler for outbox kind audit' });
  });
  it('on stop (graceful shutdown) finishes the delivery in hand, claims nothing more and hands back the rows it claimed but had not begun', async () => {
    const ids: string[] = [];
    for (let i = 0; i < 3; i++) ids.push(await db.transaction((tx) => enqueue(tx, { kind: 'email', payload: { ...email, subject: `m${i}` } })));
    let release!: () => void;
    const firstStarted = new Promise<void>((started) => {
      let calls = 0;
      const w = worker(async () => {
        calls++;
        if (calls === 1) {
          started();
          await new Promise<void>((r) => {
            release = r;
          });
        }
        return { deliveryId: `d${calls}` };
      });
      (globalThis as { pendingWorker?: typeof w }).pendingWorker = w;
      void w.runOnce();
    });
    await firstStarted;
    const w = (globalThis as { pendingWorker?: ReturnType<typeof worker> }).pendingWorker!;
    delete (globalThis as { pendingWorker?: unknown }).pendingWorker;
    // All three are claimed ('sending'); the first is being delivered when the stop arrives.
    expect((await Promise.all(ids.map((id) => getOutboxRow(db, id)))).map((r) => r!.status)).to.deep.equal(['sending', 'sending', 'sending']);
    const stopped = w.stop();
    release();
    await stopped;
    await new Promise((r) => setTimeout(r, 50));
    const rows = await Promise.all(ids.map((id) => getOutboxRow(db, id)));
    expect(rows.map((r) => [r!.status, r!.attempts])).to.deep.equal([
      ['sent', 1],
      ['pending', 0],
      ['pending', 0],
    ]);
    // Another replica takes the released rows at once, not after the lease.
    const other = worker(async () => ({ deliveryId: 'other' }));
    expect(await other.runOnce()).to.equal(2);
  });

  it('tells onAttempt of each result (the metrics: deliveries, audit write lag)', async () => {
    await db.transaction((tx) => enqueue(tx, { kind: 'email', payload: email }));
    await db.transaction((tx) => enqueue(tx, { kind: 'email', payload: { ...email, to: 'refused@example.org' } }));
    const seen: string[] = [];
    const w = createOutboxWorker({
      db,
      handlers: {
        email: async (payload) => {
          if ((payload as { to: string }).to.startsWith('refused')) throw new PermanentDeliveryError('550');
          return {};
        },
      },
      log: createLogger('silent'),
      pollMs: 1000,
      baseMs: 1000,
      maxMs: 8000,
      deadAfterMs: 24 * hour,
      now: () => clock,
      onAttempt: ({ kind, result, createdAt, at }) => seen.push(`${kind} ${result} ${at.getTime() >= createdAt.getTime()}`),
    });
    await w.runOnce();
    expect(seen).to.deep.equal(['email delivered true', 'email dead true']);
  });
  describe('batch delivery (AuditEvents as one FHIR transaction)', () => {
    const audit = (n: number) => ({ resourceType: 'AuditEvent', id: `a${n}` });
    const batchWorker = (batch: (payloads: readonly unknown[]) => Promise<readonly (string | undefined)[]>, single: DeliveryHandler) =>
      createOutboxWorker({
        db,
        handlers: { audit: single, email: async () => ({ deliveryId: 'mail' }) },
        batchHandlers: { audit: batch },
        log: createLogger('silent'),
        pollMs: 1000,
        baseMs: 1000,
        maxMs: 8000,
        deadAfterMs: 24 * hour,
        now: () => clock,
        random: () => 0.5,
      });

    it('delivers the claimed rows of a batchable kind in one call and records each delivery id; other kinds one at a time', async () => {
      const ids: string[] = [];
      for (let n = 1; n <= 3; n++) ids.push(await db.transaction((tx) => enqueue(tx, { kind: 'audit', payload: audit(n) as never })));
      const mail = await db.transaction((tx) => enqueue(tx, { kind: 'email', payload: email }));
      const calls: unknown[][] = [];
      const w = batchWorker(
        async (payloads) => {
          calls.push([...payloads]);
          return payloads.map((p) => `AuditEvent/${(p as { id: string }).id}`);
        },
        async () => {
          throw new Error('the single handler must not be used when the batch succeeds');
        },
      );
      expect(await w.runOnce()).to.equal(4);
      expect(calls).to.deep.equal([[audit(1), audit(2), audit(3)]]);
      for (const [index, id] of ids.entries()) expect(await getOutboxRow(db, id)).to.include({ status: 'sent', attempts: 1, delivery_id: `AuditEvent/a${index + 1}` });
      expect(await getOutboxRow(db, mail)).to.include({ status: 'sent', delivery_id: 'mail' });
    });

    it('when the batch fails, tries each row alone, so one refused row does not take the others with it', async () => {
      const ids: string[] = [];
      for (let n = 1; n <= 3; n++) ids.push(await db.transaction((tx) => enqueue(tx, { kind: 'audit', payload: audit(n) as never })));
      const w = batchWorker(
        async () => {
          throw Object.assign(new Error('transaction refused'), { upstreamStatus: 400 });
        },
        async (payload) => {
          if ((payload as { id: string }).id === 'a2') throw new PermanentDeliveryError('invalid AuditEvent');
          return { deliveryId: `AuditEvent/${(payload as { id: string }).id}` };
        },
      );
      await w.runOnce();
      expect(await getOutboxRow(db, ids[0]!)).to.include({ status: 'sent', delivery_id: 'AuditEvent/a1' });
      expect(await getOutboxRow(db, ids[1]!)).to.include({ status: 'dead' });
      expect(await getOutboxRow(db, ids[2]!)).to.include({ status: 'sent', delivery_id: 'AuditEvent/a3' });
    });

    it('takes up to 100 rows a claim, so a backlog of AuditEvents reaches HAPI in large transactions (cheaper per event)', async () => {
      for (let n = 1; n <= 150; n++) await db.transaction((tx) => enqueue(tx, { kind: 'audit', payload: audit(n) as never }));
      const sizes: number[] = [];
      const w = batchWorker(
        async (payloads) => {
          sizes.push(payloads.length);
          return payloads.map((p) => `AuditEvent/${(p as { id: string }).id}`);
        },
        async () => ({ deliveryId: 'single' }),
      );
      expect(await w.runOnce()).to.equal(150);
      expect(sizes).to.deep.equal([100, 50]);
    });

    it('a lone row goes to the single handler', async () => {
      const id = await db.transaction((tx) => enqueue(tx, { kind: 'audit', payload: audit(1) as never }));
      let batched = 0;
      const w = batchWorker(
        async (payloads) => {
          batched++;
          return payloads.map(() => 'x');
        },
        async () => ({ deliveryId: 'single' }),
      );
      await w.runOnce();
      expect(batched).to.equal(0);
      expect(await getOutboxRow(db, id)).to.include({ status: 'sent', delivery_id: 'single' });
    });
  });
});
