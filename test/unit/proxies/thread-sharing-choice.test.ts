import { expect } from 'chai';
import { migratedMemoryStore } from '../../support/memory-store.ts';
import type { Db } from '../../../src/store/db.ts';
import { insertFamilyLink } from '../../../src/store/family.ts';
import type { ProxiesDeps } from '../../../src/proxies/deps.ts';
import { threadSharing } from '../../../src/proxies/thread-sharing.ts';

/**
 * Whether a conversation page shows the "not shared with" choice (src/proxies/thread-sharing.ts threadSharing) is
 * decided by the service from the store's reach, by the same rule as the save: the patient's own account gets the
 * family members to choose from; a family member's account, acting for the same patient, gets nothing to show.
 */
describe('thread sharing: who is shown the choice', () => {
  let db: Db;
  let deps: ProxiesDeps;
  let patientAccount: string;
  let memberAccount: string;
  const now = new Date('2026-06-01T10:00:00Z');
  const account = async (kind: string, email: string, patient: string | null) =>
    (await db.query<{ id: string }>("INSERT INTO accounts (kind, email, status, patient, fhir_user) VALUES ($1, $2, 'active', $3, $3) RETURNING id", [kind, email, patient]))
      .rows[0]!.id;

  before(async () => {
    db = await migratedMemoryStore();
    patientAccount = await account('patient', 'ana@example.org', 'Patient/p1');
    memberAccount = await account('proxy', 'beto@example.org', null);
    await insertFamilyLink(db, {
      accountId: memberAccount,
      patient: 'Patient/p1',
      relatedPerson: 'RelatedPerson/r1',
      consent: 'Consent/c1',
      parts: null,
      endsAt: null,
      name: 'Beto',
      relationship: 'SPS',
      now,
    });
    deps = { db, now: () => now } as unknown as ProxiesDeps;
  });
  after(() => db.close());

  it('gives the patient’s own account the family members to choose from', async () => {
    expect(await threadSharing(deps, { accountId: patientAccount, patientId: 'p1', thread: 't1' })).to.deep.equal([
      { relatedPerson: 'RelatedPerson/r1', name: 'Beto', hidden: false },
    ]);
  });

  it('gives a family member acting for the patient nothing to show', async () => {
    expect(await threadSharing(deps, { accountId: memberAccount, patientId: 'p1', thread: 't1' })).to.deep.equal([]);
  });
});
