import { expect } from 'chai';
import type { AuditEvent } from '@medplum/fhirtypes';
import { migratedMemoryStore } from '../../support/memory-store.ts';
import type { Db } from '../../../src/store/db.ts';
import type { FhirClient } from '../../../src/store/fhir-client.ts';
import { recordAuditEvents } from '../../../src/store/audit-trail.ts';
import { accountActivity, activityPageSize, decodeCursor } from '../../../src/accounts/activity-log.ts';
import { accountAuditEvent, fhirAccessAuditEvent } from '../../../src/core/fhir/audit-event.ts';
import type { Practice } from '../../../src/config/config.ts';

const practice = { name: 'Clinic', phone: '555-0100', timeZone: 'America/Chicago' } as Practice;
const at = (event: AuditEvent & { id: string }, ms: number) => ({ ...event, recorded: new Date(Date.UTC(2026, 11, 2, 12) + ms).toISOString() });
const login = (n: number, patient = 'Patient/p1') =>
  at(accountAuditEvent({ event: 'login', success: true, actor: patient, accountId: 'a', patient, portalName: 'Clinic' }), n * 3_600_000);
const read = (ms: number) =>
  at(
    fhirAccessAuditEvent({
      interaction: 'read',
      outcome: '0',
      actor: 'Patient/p1',
      clientId: 'puente-web',
      patient: 'Patient/p1',
      request: 'GET /fhir/Patient/p1',
      clientAddress: '10.0.0.1',
      portalName: 'Clinic',
    }),
    ms,
  );

describe('one page of an account’s activity (accountActivity)', function () {
  this.timeout(30_000);
  let db: Db;
  let account: string;
  let fhirReads = 0;
  const fhir = {
    read: async (type: string, id: string) => {
      fhirReads++;
      if (type === 'Patient' && id === 'p1') return { resourceType: 'Patient', id, name: [{ given: ['Luigi'], family: 'Wiegand' }] };
      throw new Error('not found');
    },
  } as unknown as FhirClient;

  before(async () => {
    db = await migratedMemoryStore();
    const row = await db.query<{ id: string }>(
      "INSERT INTO accounts (kind, email, status, fhir_user) VALUES ('patient', 'luigi@example.org', 'active', 'Patient/p1') RETURNING id",
    );
    account = row.rows[0]!.id;
    // 60 sign-ins an hour apart, with a burst of 700 reads (more than one store chunk) just after the oldest.
    const events = [...Array.from({ length: 60 }, (_, n) => login(n)), ...Array.from({ length: 700 }, (_, n) => read(60_000 - n * 50)), login(100, 'Patient/p2')];
    await recordAuditEvents(db, events);
  });
  after(() => db.close());

  it('pages 50 rows with an older cursor, collapses a burst across store chunks, and names each person once', async () => {
    const request = { accountId: account, patient: 'p1', kind: 'all' as const, locale: 'en' as const, firstPartyClientId: 'puente-web' };
    const first = await accountActivity({ db, fhir, practice }, request);
    expect(first.rows.length).to.equal(activityPageSize);
    expect(first.rows.every((r) => r.action === 'Signed in' && r.who === 'Luigi Wiegand')).to.equal(true);
    expect(first.rows[0]!.when).to.equal('Dec 4, 2026, 5:00 PM CST');
    expect(fhirReads).to.equal(1);
    const before = decodeCursor(first.older);
    expect(before).to.not.equal(undefined);
    const second = await accountActivity({ db, fhir, practice }, { ...request, ...(before ? { before } : {}) });
    expect(second.rows.map((r) => r.action)).to.deep.equal([...Array.from({ length: 9 }, () => 'Signed in'), 'Viewed the record (700 times)', 'Signed in']);
    expect(second.older).to.equal(undefined);
  });

  it('shows nothing of a patient the account does not reach', async () => {
    const page = await accountActivity({ db, fhir, practice }, { accountId: account, patient: 'p2', kind: 'all', locale: 'en', firstPartyClientId: 'puente-web' });
    expect(page).to.deep.equal({ rows: [] });
  });
});
