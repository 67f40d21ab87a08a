import { expect } from 'chai';
import { migratedMemoryStore } from '../../support/memory-store.ts';
import type { Db, Queryable } from '../../../src/store/db.ts';
import { createGrantUsage } from '../../../src/store/grant-usage.ts';

describe('grant usage: an app’s last use, written at most once a minute per grant and recorder', function () {
  this.timeout(20_000);
  let db: Db;
  let writes: string[];
  const counting = (): Queryable => ({ query: (sql, params) => (writes.push(String(params?.[0])), db.query(sql, params)), exec: (sql) => db.exec(sql) });
  const t0 = new Date('2026-12-02T12:00:00Z');
  const at = (seconds: number) => new Date(t0.getTime() + seconds * 1000);
  const lastUsed = async (grantId: string) =>
    (await db.query<{ last_used_at: Date }>('SELECT last_used_at FROM grant_usage WHERE grant_id = $1', [grantId])).rows[0]?.last_used_at.toISOString();

  before(async () => {
    db = await migratedMemoryStore();
  });
  beforeEach(() => {
    writes = [];
  });
  after(() => db.close());

  it('writes the first use, skips uses within the minute, and writes again after it', async () => {
    const usage = createGrantUsage(counting());
    await usage.touch('g-a', at(0));
    await usage.touch('g-a', at(30));
    await usage.touch('g-a', at(59));
    expect(writes).to.deep.equal(['g-a']);
    expect(await lastUsed('g-a')).to.equal(at(0).toISOString());
    await usage.touch('g-a', at(61));
    expect(writes).to.deep.equal(['g-a', 'g-a']);
    expect(await lastUsed('g-a')).to.equal(at(61).toISOString());
  });

  it('throttles each grant on its own', async () => {
    const usage = createGrantUsage(counting());
    await usage.touch('g-b', at(0));
    await usage.touch('g-c', at(1));
    await usage.touch('g-b', at(2));
    expect(writes).to.deep.equal(['g-b', 'g-c']);
  });

  it('keeps the throttle per recorder: a second portal in the same process writes its own first use', async () => {
    // With the throttle in module state, the second recorder would skip this write.
    await createGrantUsage(counting()).touch('g-d', at(0));
    await createGrantUsage(counting()).touch('g-d', at(5));
    expect(writes).to.deep.equal(['g-d', 'g-d']);
    // The store keeps the row's time unless a minute has passed, so replicas do not rewrite it on every use.
    expect(await lastUsed('g-d')).to.equal(at(0).toISOString());
    await createGrantUsage(counting()).touch('g-d', at(65));
    expect(await lastUsed('g-d')).to.equal(at(65).toISOString());
  });

  it('stays bounded: past maxTracked grants it forgets and writes again rather than grow', async () => {
    const usage = createGrantUsage(counting(), { maxTracked: 2 });
    await usage.touch('g-e1', at(0));
    await usage.touch('g-e2', at(0));
    await usage.touch('g-e3', at(0));
    await usage.touch('g-e1', at(1));
    expect(writes).to.deep.equal(['g-e1', 'g-e2', 'g-e3', 'g-e1']);
  });
});
