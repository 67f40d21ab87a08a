import { expect } from 'chai';
import type { Db, Queryable } from '../../../src/store/db.ts';
import { createAuditBatcher } from '../../../src/store/audit-batch.ts';
import { fhirAccessAuditEvent } from '../../../src/core/fhir/audit-event.ts';
import { migratedMemoryStore } from '../../support/memory-store.ts';

const event = (n: number) =>
  fhirAccessAuditEvent({
    interaction: 'read',
    outcome: '0',
    actor: 'Patient/p1',
    clientId: 'app',
    patient: 'Patient/p1',
    request: `GET /Observation/o${n}`,
    clientAddress: '127.0.0.1',
    portalName: 'Clinic',
  });

describe('audit group commit: durable before release, fewer statements', function () {
  this.timeout(20_000);
  let db: Db;
  before(async () => {
    db = await migratedMemoryStore();
  });
  after(() => db.close());

  it('stores every concurrent event with its outbox row, in fewer statements than events, each caller settling after its commit', async () => {
    let statements = 0;
    const counting: Queryable = { query: (sql, params) => (statements++, db.query(sql, params)), exec: (sql) => db.exec(sql) };
    const audit = createAuditBatcher(counting);
    const events = Array.from({ length: 10 }, (_, n) => event(n));
    await Promise.all(
      events.map(async (e) => {
        await audit.record(e);
        // When a caller is released, its own event is already in the store.
        const stored = await db.query('SELECT 1 FROM audit_events WHERE id = $1', [e.id]);
        expect(stored.rows.length, e.id).to.equal(1);
      }),
    );
    const ids = events.map((e) => e.id);
    const copies = await db.query<{ n: string }>('SELECT count(*) AS n FROM audit_events WHERE id = ANY($1::uuid[])', [ids]);
    const queued = await db.query<{ n: string }>("SELECT count(*) AS n FROM outbox WHERE kind = 'audit' AND payload->>'id' = ANY($1::text[])", [ids]);
    expect([Number(copies.rows[0]!.n), Number(queued.rows[0]!.n)]).to.deep.equal([10, 10]);
    // The first event goes alone; the nine that arrived meanwhile share the next statement.
    expect(statements).to.equal(2);
  });

  it('fails every caller of a batch that could not be written (the facade then answers 503)', async () => {
    const broken: Queryable = { query: () => Promise.reject(new Error('store down')), exec: () => Promise.reject(new Error('store down')) };
    const audit = createAuditBatcher(broken);
    const outcomes = await Promise.allSettled([audit.record(event(1)), audit.record(event(2)), audit.record(event(3))]);
    expect(outcomes.map((o) => o.status)).to.deep.equal(['rejected', 'rejected', 'rejected']);
    // A later write after the failure is attempted again rather than lost or silently accepted.
    const healthy = createAuditBatcher(db);
    await healthy.record(event(4));
  });
});
