import { expect } from 'chai';
import { migratedMemoryStore } from '../../support/memory-store.ts';
import type { Db } from '../../../src/store/db.ts';
import { claimNotificationSlot, claimPoolNoticeSlot, messageNoticeChoice, messageNoticeRecipients, setMessageNoticeChoice } from '../../../src/store/message-notifications.ts';

/** Who is told of a new message (migration 0013 over the one definition of reach), and the hourly limits. */
describe('message notices: who is told, and how often', () => {
  let db: Db;
  const patient = 'Patient/p1';
  const thread = 'Communication/t1';
  const now = new Date('2026-06-01T10:00:00Z');

  const account = async (email: string, kind: 'patient' | 'proxy', status = 'active', own: string | null = null): Promise<string> =>
    (await db.query<{ id: string }>(`INSERT INTO accounts (kind, email, status, patient, fhir_user) VALUES ($1, $2, $3, $4, $5) RETURNING id`, [kind, email, status, own, own]))
      .rows[0]!.id;
  const link = async (accountId: string, related: string, extra: { parts?: string[]; endsAt?: Date; revoked?: boolean } = {}) =>
    db.query(`INSERT INTO account_patients (account_id, patient, related_person, parts, ends_at, revoked_at) VALUES ($1, $2, $3, $4, $5, $6)`, [
      accountId,
      patient,
      related,
      extra.parts ?? null,
      extra.endsAt ?? null,
      extra.revoked ? now : null,
    ]);

  let self: string;
  let optedIn: string;
  let notOptedIn: string;
  let ended: string;
  let expired: string;
  let limited: string;
  let hidden: string;

  before(async () => {
    db = await migratedMemoryStore();
    self = await account('patient@example.org', 'patient', 'active', patient);
    optedIn = await account('told@example.org', 'proxy');
    notOptedIn = await account('quiet@example.org', 'proxy');
    ended = await account('ended@example.org', 'proxy');
    expired = await account('expired@example.org', 'proxy');
    limited = await account('limited@example.org', 'proxy');
    hidden = await account('hidden@example.org', 'proxy');
    await link(optedIn, 'RelatedPerson/r1');
    await link(notOptedIn, 'RelatedPerson/r2');
    await link(ended, 'RelatedPerson/r3', { revoked: true });
    await link(expired, 'RelatedPerson/r4', { endsAt: new Date('2020-01-01T00:00:00Z') });
    await link(limited, 'RelatedPerson/r5', { parts: ['results'] });
    await link(hidden, 'RelatedPerson/r6');
    await db.query(`UPDATE account_patients SET hidden_threads = ARRAY[$2] WHERE account_id = $1`, [hidden, thread]);
    for (const id of [optedIn, limited, hidden]) expect(await setMessageNoticeChoice(db, id, patient, true, now)).to.equal(true);
  });
  after(() => db.close());

  it('tells the patient by default and family members only when they chose to, with live access to every message', async () => {
    // Who is told, in any order (accounts made in the same instant have no order of their own).
    const emails = (await messageNoticeRecipients(db, patient, thread)).map((r) => r.email).sort();
    expect(emails).to.deep.equal(['patient@example.org', 'told@example.org']);
    // The conversation kept from a family member is the only one they are not told of.
    expect((await messageNoticeRecipients(db, patient, 'Communication/t2')).map((r) => r.email).sort()).to.deep.equal([
      'hidden@example.org',
      'patient@example.org',
      'told@example.org',
    ]);
  });

  it('tells no family member of a confidential conversation, whatever they chose: the patient only', async () => {
    expect((await messageNoticeRecipients(db, patient, thread, true)).map((r) => r.email)).to.deep.equal(['patient@example.org']);
    // A parent whose own account is a proxy account for the patient (a designee, account_reach rank 0) is family too.
    const designee = await account('designee@example.org', 'proxy', 'active', patient);
    expect((await messageNoticeRecipients(db, patient, 'Communication/t3', false)).map((r) => r.email)).to.include('designee@example.org');
    expect((await messageNoticeRecipients(db, patient, 'Communication/t3', true)).map((r) => r.email)).to.deep.equal(['patient@example.org']);
    await db.query('DELETE FROM accounts WHERE id = $1', [designee]);
  });

  it('shows each person their choice, or the default of their way in; an ended link cannot choose', async () => {
    expect(await messageNoticeChoice(db, self, patient)).to.equal(true);
    expect(await messageNoticeChoice(db, notOptedIn, patient)).to.equal(false);
    expect(await messageNoticeChoice(db, optedIn, patient)).to.equal(true);
    expect(await messageNoticeChoice(db, ended, patient)).to.equal(undefined);
    expect(await setMessageNoticeChoice(db, ended, patient, true, now)).to.equal(false);
    expect(await setMessageNoticeChoice(db, expired, patient, true, now)).to.equal(false);
    expect(await setMessageNoticeChoice(db, self, patient, false, now)).to.equal(true);
    expect((await messageNoticeRecipients(db, patient, thread)).map((r) => r.email)).to.deep.equal(['told@example.org']);
    await setMessageNoticeChoice(db, self, patient, true, now);
  });

  it('sends at most one per conversation and recipient, and one per pool and address, each hour', async () => {
    const later = (minutes: number) => new Date(now.getTime() + minutes * 60_000);
    expect(await claimNotificationSlot(db, 't1', self, now)).to.equal(true);
    expect(await claimNotificationSlot(db, 't1', self, later(59))).to.equal(false);
    expect(await claimNotificationSlot(db, 't2', self, later(1))).to.equal(true);
    expect(await claimNotificationSlot(db, 't1', self, later(60))).to.equal(true);
    expect(await claimPoolNoticeSlot(db, 'care-team', 'nurse@clinic.example', now)).to.equal(true);
    expect(await claimPoolNoticeSlot(db, 'care-team', 'nurse@clinic.example', later(30))).to.equal(false);
    expect(await claimPoolNoticeSlot(db, 'front-desk', 'nurse@clinic.example', later(30))).to.equal(true);
    expect(await claimPoolNoticeSlot(db, 'care-team', 'nurse@clinic.example', later(61))).to.equal(true);
  });
});
