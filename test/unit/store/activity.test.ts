import { expect } from 'chai';
import type { AuditEvent } from '@medplum/fhirtypes';
import { migratedMemoryStore } from '../../support/memory-store.ts';
import type { Db } from '../../../src/store/db.ts';
import { recordAuditEvents } from '../../../src/store/audit-trail.ts';
import { patientActivity } from '../../../src/store/activity.ts';
import { accountAuditEvent, exportAuditEvent, fhirAccessAuditEvent, tokenAuditEvent } from '../../../src/core/fhir/audit-event.ts';

const at = (event: AuditEvent & { id: string }, minute: number) => ({ ...event, recorded: new Date(Date.UTC(2026, 11, 2, 18, minute)).toISOString() });
const read = (patient: string, minute: number, outcome: '0' | '4' = '0') =>
  at(
    fhirAccessAuditEvent({
      interaction: 'read',
      outcome,
      actor: patient,
      clientId: 'puente-web',
      patient,
      request: 'GET /fhir/Patient/x',
      clientAddress: '10.0.0.1',
      portalName: 'Clinic',
    }),
    minute,
  );

describe('patient activity from the audit copy (patientActivity)', function () {
  this.timeout(20_000);
  let db: Db;
  const mine: (AuditEvent & { id: string })[] = [];
  before(async () => {
    db = await migratedMemoryStore();
    mine.push(
      read('Patient/p1', 1),
      at(accountAuditEvent({ event: 'login', success: true, actor: 'Patient/p1', accountId: 'a1', patient: 'Patient/p1', portalName: 'Clinic' }), 2),
      at(
        exportAuditEvent({ actor: 'Patient/p1', patient: 'Patient/p1', format: 'C-CDA R2.1 CCD', mimeType: 'application/xml', clientAddress: '10.0.0.1', portalName: 'Clinic' }),
        3,
      ),
      read('Patient/p1', 4),
      at(
        tokenAuditEvent({
          event: 'token-refreshed',
          outcome: '0',
          grantType: 'refresh_token',
          actor: 'Patient/p1',
          clientId: 'puente-web',
          patient: 'Patient/p1',
          portalName: 'Clinic',
        }),
        5,
      ),
      read('Patient/p1', 6, '4'),
      at(tokenAuditEvent({ event: 'app-disconnected', outcome: '0', actor: 'Patient/p1', clientId: 'app', patient: 'Patient/p1', portalName: 'Clinic' }), 7),
    );
    await recordAuditEvents(db, [...mine, read('Patient/p2', 8), read('Patient/p10', 9)]);
  });
  after(() => db.close());

  it('reads one patient’s successful events of the shown kinds, newest first', async () => {
    const rows = await patientActivity(db, { patient: 'p1', kind: 'all', limit: 50 });
    expect(rows.map((r) => r.id)).to.deep.equal([mine[6]!.id, mine[3]!.id, mine[2]!.id, mine[1]!.id, mine[0]!.id]);
    expect(rows[0]!.recordedAt.toISOString()).to.equal('2026-12-02T18:07:00.000Z');
    expect(rows[0]!.resource.resourceType).to.equal('AuditEvent');
  });

  it('filters by kind', async () => {
    const ids = async (kind: 'views' | 'downloads' | 'signins') => (await patientActivity(db, { patient: 'p1', kind, limit: 50 })).map((r) => r.id);
    expect(await ids('views')).to.deep.equal([mine[3]!.id, mine[0]!.id]);
    expect(await ids('downloads')).to.deep.equal([mine[2]!.id]);
    expect(await ids('signins')).to.deep.equal([mine[1]!.id]);
  });

  it('pages by a keyset cursor, with no row twice and none missed', async () => {
    const first = await patientActivity(db, { patient: 'p1', kind: 'all', limit: 2 });
    const last = first.at(-1)!;
    const second = await patientActivity(db, { patient: 'p1', kind: 'all', limit: 2, before: { recordedAt: last.recordedAt.toISOString(), id: last.id } });
    const third = await patientActivity(db, { patient: 'p1', kind: 'all', limit: 2, before: { recordedAt: second.at(-1)!.recordedAt.toISOString(), id: second.at(-1)!.id } });
    expect([...first, ...second, ...third].map((r) => r.id)).to.deep.equal([mine[6]!.id, mine[3]!.id, mine[2]!.id, mine[1]!.id, mine[0]!.id]);
  });

  it('reads the patient index (no sequential scan over every patient’s events)', async () => {
    await db.exec('SET enable_seqscan = off');
    const plan = await db.query<Record<string, string>>("EXPLAIN SELECT id FROM audit_events WHERE patient = 'Patient/p1' ORDER BY recorded_at DESC, id DESC LIMIT 50");
    await db.exec('SET enable_seqscan = on');
    expect(plan.rows.map((r) => Object.values(r)[0]).join('\n')).to.contain('audit_events_patient');
  });
});
