import { expect } from 'chai';
import { migratedMemoryStore } from '../../support/memory-store.ts';
import type { Db } from '../../../src/store/db.ts';
import { saveGrantContext } from '../../../src/store/launch-context.ts';
import { createRequestReads } from '../../../src/auth/request-reads.ts';

/** The token endpoint's steps share one request's reads of the account and the grant's launch context (src/auth/request-reads.ts). */
describe('request reads: each account and launch context read once per token request, never kept past it', function () {
  this.timeout(20_000);
  let db: Db;
  let accountId: string;
  const statements: string[] = [];
  let counting: Db;
  before(async () => {
    db = await migratedMemoryStore();
    accountId = (
      await db.query<{ id: string }>(
        "INSERT INTO accounts (kind, email, status, patient, fhir_user) VALUES ('patient', 'p@example.org', 'active', 'Patient/p1', 'Patient/p1') RETURNING id",
      )
    ).rows[0]!.id;
    await saveGrantContext(db, 'g1', { patient: 'p1', needPatientBanner: true, smartStyle: false });
    counting = { ...db, query: (sql, params) => (statements.push(sql), db.query(sql, params)) };
  });
  after(() => db.close());
  beforeEach(() => {
    statements.length = 0;
  });
  const accountReads = () => statements.filter((sql) => sql.includes('FROM accounts WHERE id')).length;
  const contextReads = () => statements.filter((sql) => sql.includes('FROM grant_contexts')).length;

  it('reads once for all the steps of one request, and again for the next request', async () => {
    const reads = createRequestReads(counting);
    const request = {};
    const [first, second] = await Promise.all([reads.account(request, accountId), reads.account(request, accountId)]);
    expect(first).to.include({ id: accountId, status: 'active', patient: 'Patient/p1' });
    expect(second).to.equal(first);
    expect(await reads.grantContext(request, 'g1')).to.deep.equal({ patient: 'p1', needPatientBanner: true, smartStyle: false });
    expect(await reads.grantContext(request, 'g1')).to.deep.equal({ patient: 'p1', needPatientBanner: true, smartStyle: false });
    expect([accountReads(), contextReads()]).to.deep.equal([1, 1]);
    // The next request sees the store as it is now.
    await db.query("UPDATE accounts SET status = 'deactivated' WHERE id = $1", [accountId]);
    const next = {};
    expect(await reads.account(next, accountId)).to.include({ status: 'deactivated' });
    expect(await reads.grantContext(next, 'missing')).to.equal(undefined);
    expect([accountReads(), contextReads()]).to.deep.equal([2, 2]);
  });

  it('does not keep a failed read', async () => {
    let fail = true;
    const flaky: Db = { ...db, query: (sql, params) => (fail ? Promise.reject(new Error('store down')) : counting.query(sql, params)) };
    const reads = createRequestReads(flaky);
    const request = {};
    const error = await reads.account(request, accountId).then(
      () => undefined,
      (caught: Error) => caught,
    );
    expect(error?.message).to.equal('store down');
    fail = false;
    expect(await reads.account(request, accountId)).to.include({ id: accountId });
  });
});
