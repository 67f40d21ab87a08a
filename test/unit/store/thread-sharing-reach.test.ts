import { expect } from 'chai';
import { migratedMemoryStore } from '../../support/memory-store.ts';
import type { Db } from '../../../src/store/db.ts';
import { insertFamilyLink } from '../../../src/store/family.ts';
import { setThreadHidden, threadSharingOf } from '../../../src/store/thread-sharing.ts';

/**
 * "Not shared with" offers, and writes to, only the family links that reach the record by account_reach (the one
 * definition of reach): a deactivated account's link, or a link held by an account that is not patient-side, is
 * neither listed nor changed.
 */
describe('thread sharing: the links account_reach says reach', () => {
  let db: Db;
  const patient = 'Patient/p1';
  const thread = 'Communication/t1';
  const now = new Date('2026-06-01T10:00:00Z');

  const accountWithLink = async (email: string, kind: string, status: string, relatedPerson: string, endsAt: Date | null = null) => {
    const accountId = (await db.query<{ id: string }>('INSERT INTO accounts (kind, email, status) VALUES ($1, $2, $3) RETURNING id', [kind, email, status])).rows[0]!.id;
    await insertFamilyLink(db, { accountId, patient, relatedPerson, consent: `Consent/${email}`, parts: null, endsAt, name: email, relationship: 'MTH', now });
  };

  before(async () => {
    db = await migratedMemoryStore();
    await accountWithLink('live@example.org', 'proxy', 'active', 'RelatedPerson/live');
    await accountWithLink('gone@example.org', 'proxy', 'deactivated', 'RelatedPerson/gone');
    await accountWithLink('staff@example.org', 'staff', 'active', 'RelatedPerson/staff');
    await accountWithLink('past@example.org', 'proxy', 'active', 'RelatedPerson/past', new Date('2020-01-01T00:00:00Z'));
  });
  after(() => db.close());

  it('lists only the live family member', async () => {
    expect(await threadSharingOf(db, patient, thread)).to.deep.equal([{ relatedPerson: 'RelatedPerson/live', name: 'live@example.org', hidden: false }]);
  });

  it('keeps a conversation from the live family member', async () => {
    expect(await setThreadHidden(db, patient, 'RelatedPerson/live', thread, true)).to.deep.equal({ consent: 'Consent/live@example.org', parts: null, hiddenThreads: [thread] });
  });

  it('writes nothing for a deactivated account, a staff account or a link past its end date', async () => {
    for (const relatedPerson of ['RelatedPerson/gone', 'RelatedPerson/staff', 'RelatedPerson/past']) {
      expect(await setThreadHidden(db, patient, relatedPerson, thread, true), relatedPerson).to.equal(undefined);
    }
    const written = await db.query<{ related_person: string }>("SELECT related_person FROM account_patients WHERE hidden_threads <> '{}' ORDER BY related_person");
    expect(written.rows.map((row) => row.related_person)).to.deep.equal(['RelatedPerson/live']);
  });
});
