import { expect } from 'chai';
import { migratedMemoryStore } from '../../support/memory-store.ts';
import type { Db } from '../../../src/store/db.ts';
import { endFamilyLink, familyLinkStateOf, insertFamilyLink, type NewFamilyLink } from '../../../src/store/family.ts';
import { setThreadHidden, threadSharingOf } from '../../../src/store/thread-sharing.ts';

/** The proxy link's cache row when the same account is given access again after it ended (issue #14 point 4). */
describe('family link: accepted again after access ended', () => {
  let db: Db;
  const patient = 'Patient/p1';
  const thread = 'Communication/t1';
  const now = new Date('2026-06-01T10:00:00Z');
  let accountId: string;
  const linkOf = (relatedPerson: string, consent: string): NewFamilyLink => ({
    accountId,
    patient,
    relatedPerson,
    consent,
    parts: null,
    endsAt: null,
    name: 'Ana',
    relationship: 'MTH',
    now,
  });

  before(async () => {
    db = await migratedMemoryStore();
    accountId = (await db.query<{ id: string }>(`INSERT INTO accounts (kind, email, status) VALUES ('proxy', 'ana@example.org', 'active') RETURNING id`)).rows[0]!.id;
  });
  after(() => db.close());

  it('starts with every conversation shared, as the new Consent (no deny provisions) says', async () => {
    await insertFamilyLink(db, linkOf('RelatedPerson/r1', 'Consent/c1'));
    expect(await setThreadHidden(db, patient, 'RelatedPerson/r1', thread, true)).to.deep.include({ hiddenThreads: [thread] });
    expect(await endFamilyLink(db, patient, 'RelatedPerson/r1', 'Patient/p1', now)).to.not.equal(undefined);

    await insertFamilyLink(db, linkOf('RelatedPerson/r2', 'Consent/c2'));
    expect(await familyLinkStateOf(db, 'RelatedPerson/r2')).to.deep.equal({ parts: null, hidden_threads: [], revoked_at: null });
    expect(await threadSharingOf(db, patient, thread)).to.deep.equal([{ relatedPerson: 'RelatedPerson/r2', name: 'Ana', hidden: false }]);
  });
});
