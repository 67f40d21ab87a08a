import { expect } from 'chai';
import type { AuditEvent } from '@medplum/fhirtypes';
import { accountAuditEvent, exportAuditEvent, fhirAccessAuditEvent, tokenAuditEvent, transmitAuditEvent } from '../../../src/core/fhir/audit-event.ts';
import { activityRows, decodeCursor, encodeCursor, type ActivityNames } from '../../../src/accounts/activity-log.ts';
import type { StoredActivity } from '../../../src/store/activity.ts';

const zone = 'America/Chicago';
const names: ActivityNames = {
  people: new Map([
    ['Patient/p1', 'Luigi Wiegand'],
    ['RelatedPerson/rp1', 'Ana Wiegand'],
    ['Practitioner/dr1', 'Dr. Rosa Díaz'],
  ]),
  apps: new Map([['diabetes-app', 'Sugar Tracker']]),
  firstPartyClientId: 'puente-web',
};

let n = 0;
const stored = (event: AuditEvent & { id: string }, at: string): StoredActivity => ({ id: event.id, recordedAt: new Date(at), resource: { ...event, recorded: at } });
const read = (at: string, actor = 'Patient/p1', clientId: string | undefined = 'puente-web') =>
  stored(
    fhirAccessAuditEvent({
      interaction: 'read',
      outcome: '0',
      actor,
      ...(clientId ? { clientId } : {}),
      patient: 'Patient/p1',
      request: `GET /fhir/Observation/o${n++}`,
      clientAddress: '10.0.0.1',
      portalName: 'Clinic',
    }),
    at,
  );
const download = (at: string, range?: { from?: string; to?: string }, format = 'C-CDA R2.1 CCD', mimeType = 'application/xml') =>
  stored(exportAuditEvent({ actor: 'Patient/p1', patient: 'Patient/p1', format, mimeType, ...(range ? { range } : {}), clientAddress: '10.0.0.1', portalName: 'Clinic' }), at);
const account = (event: 'login' | 'logout', at: string, actor = 'Patient/p1') =>
  stored(accountAuditEvent({ event, success: true, actor, accountId: 'a1', patient: 'Patient/p1', portalName: 'Clinic' }), at);

describe('account activity rows (activityRows)', () => {
  it('collapses a burst of record-page reads by the same person within a minute into one row with a count', () => {
    const events = [read('2026-12-02T18:00:50Z'), read('2026-12-02T18:00:30Z'), read('2026-12-02T18:00:00Z'), read('2026-12-02T17:59:30Z')];
    const { rows, oldest } = activityRows(events, 'en', zone, names);
    expect(rows.map((r) => [r.action, r.who])).to.deep.equal([
      ['Viewed the record (3 times)', 'Luigi Wiegand'],
      ['Viewed the record', 'Luigi Wiegand'],
    ]);
    expect(rows[0]!.when).to.equal('Dec 2, 2026, 12:00 PM CST');
    // The next page starts before the oldest read the first row covers.
    expect(oldest[0]).to.deep.equal({ recordedAt: '2026-12-02T18:00:00.000Z', id: events[2]!.id });
  });

  it('does not collapse reads by different people, through an app, or across another event', () => {
    const events = [
      read('2026-12-02T18:00:50Z'),
      read('2026-12-02T18:00:40Z', 'RelatedPerson/rp1'),
      read('2026-12-02T18:00:30Z', 'Patient/p1', 'diabetes-app'),
      read('2026-12-02T18:00:29Z', 'Patient/p1', 'diabetes-app'),
      account('login', '2026-12-02T18:00:20Z'),
      read('2026-12-02T18:00:10Z'),
    ];
    expect(activityRows(events, 'en', zone, names).rows.map((r) => [r.action, r.who])).to.deep.equal([
      ['Viewed the record', 'Luigi Wiegand'],
      ['Viewed the record', 'Ana Wiegand'],
      ['Viewed the record with Sugar Tracker (2 times)', 'Luigi Wiegand'],
      ['Signed in', 'Luigi Wiegand'],
      ['Viewed the record', 'Luigi Wiegand'],
    ]);
  });

  it('says downloads with their format and range in words, in English and Spanish', () => {
    const events = [
      download('2026-12-02T18:00:00Z', { from: '2024-01-01', to: '2024-12-31' }),
      download('2026-12-02T17:00:00Z', { from: '2024-01-01' }, 'FHIR R4 Bundle (collection)', 'application/fhir+json'),
      download('2026-12-02T16:00:00Z'),
    ];
    expect(activityRows(events, 'en', zone, names).rows.map((r) => r.action)).to.deep.equal([
      'Downloaded a C-CDA document, from January 1, 2024 to December 31, 2024',
      'Downloaded the FHIR data, from January 1, 2024 on',
      'Downloaded a C-CDA document, the whole record',
    ]);
    const es = activityRows(events, 'es', zone, names).rows;
    expect(es.map((r) => r.action)).to.deep.equal([
      'Descargó un documento C-CDA, del 1 de enero de 2024 al 31 de diciembre de 2024',
      'Descargó los datos FHIR, desde el 1 de enero de 2024',
      'Descargó un documento C-CDA, todo el expediente',
    ]);
    expect(es[0]!.when).to.match(/^2 dic 2026, 12:00/);
    expect(es[0]!.when).to.match(/CST$/);
  });

  it('says each transmission with its addressee, and who opened a share link by the name they gave', () => {
    const formats = ['Health summary (PDF)', 'C-CDA R2.1 Continuity of Care Document'];
    const base = { patient: 'Patient/p1', formats, clientAddress: '10.0.0.1', portalName: 'Clinic' };
    const events = [
      stored(transmitAuditEvent({ ...base, method: 'share-link-opened', addressee: 'Dra. Rivera', shareLink: 'abc' }), '2026-12-02T19:00:00Z'),
      stored(transmitAuditEvent({ ...base, actor: 'RelatedPerson/rp1', method: 'share-link', addressee: 'Dra. Rivera', shareLink: 'abc' }), '2026-12-02T18:30:00Z'),
      stored(
        transmitAuditEvent({ ...base, actor: 'Patient/p1', method: 'email', addressee: 'doctor@example.org', range: { from: '2024-01-01', to: '2024-12-31' } }),
        '2026-12-02T18:00:00Z',
      ),
      stored(transmitAuditEvent({ ...base, actor: 'Patient/p1', method: 'direct', addressee: 'dra.rivera@direct.demo-hisp.example' }), '2026-12-02T17:00:00Z'),
      download('2026-12-02T16:00:00Z'),
    ];
    const rows = activityRows(events, 'en', zone, names).rows;
    expect(rows.map((r) => [r.action, r.who])).to.deep.equal([
      ['Opened a secure link to a summary and a C-CDA document', '“Dra. Rivera”, outside the practice'],
      ['Created a secure link to a summary and a C-CDA document for “Dra. Rivera”, the whole record', 'Ana Wiegand'],
      ['Sent a summary and a C-CDA document by email to doctor@example.org, from January 1, 2024 to December 31, 2024', 'Luigi Wiegand'],
      ['Sent a summary and a C-CDA document by Direct secure message to dra.rivera@direct.demo-hisp.example, the whole record', 'Luigi Wiegand'],
      ['Downloaded a C-CDA document, the whole record', 'Luigi Wiegand'],
    ]);
    expect(activityRows(events, 'es', zone, names).rows[3]!.action).to.equal(
      'Envió un resumen y un documento C-CDA por mensaje seguro Direct a dra.rivera@direct.demo-hisp.example, todo el expediente',
    );
  });

  it('names staff as the practice, unknown people as someone, and says app connections and sign-outs', () => {
    const events = [
      // The staff console's reads (src/accounts/staff-access-audit.ts) name no app.
      read('2026-12-02T18:00:00Z', 'Practitioner/dr1', undefined),
      read('2026-12-02T17:50:00Z', 'Practitioner/unknown', undefined),
      account('logout', '2026-12-02T17:40:00Z', 'RelatedPerson/rp9'),
      stored(
        tokenAuditEvent({ event: 'app-disconnected', outcome: '0', actor: 'Patient/p1', accountId: 'a1', clientId: 'diabetes-app', patient: 'Patient/p1', portalName: 'Clinic' }),
        '2026-12-02T17:30:00Z',
      ),
      stored(
        tokenAuditEvent({
          event: 'token-issued',
          outcome: '0',
          grantType: 'authorization_code',
          actor: 'Patient/p1',
          accountId: 'a1',
          clientId: 'diabetes-app',
          patient: 'Patient/p1',
          portalName: 'Clinic',
        }),
        '2026-12-02T17:20:00Z',
      ),
      // The portal's own sign-in token, refreshes and refusals are not activity the log shows.
      stored(
        tokenAuditEvent({
          event: 'token-issued',
          outcome: '0',
          grantType: 'authorization_code',
          actor: 'Patient/p1',
          accountId: 'a1',
          clientId: 'puente-web',
          patient: 'Patient/p1',
          portalName: 'Clinic',
        }),
        '2026-12-02T17:10:00Z',
      ),
      stored(
        tokenAuditEvent({
          event: 'token-refreshed',
          outcome: '0',
          grantType: 'refresh_token',
          actor: 'Patient/p1',
          clientId: 'diabetes-app',
          patient: 'Patient/p1',
          portalName: 'Clinic',
        }),
        '2026-12-02T17:05:00Z',
      ),
      stored(accountAuditEvent({ event: 'login', success: false, actor: 'Patient/p1', patient: 'Patient/p1', portalName: 'Clinic' }), '2026-12-02T17:00:00Z'),
    ];
    expect(activityRows(events, 'en', zone, names).rows.map((r) => [r.action, r.who])).to.deep.equal([
      ['Viewed the record', 'the practice (Dr. Rosa Díaz)'],
      ['Viewed the record', 'the practice'],
      ['Signed out', 'someone with access'],
      ['Disconnected the app Sugar Tracker', 'Luigi Wiegand'],
      ['Connected the app Sugar Tracker', 'Luigi Wiegand'],
    ]);
    expect(activityRows(events.slice(0, 1), 'es', zone, names).rows[0]!.who).to.equal('el consultorio (Dr. Rosa Díaz)');
  });

  it('round-trips a cursor and refuses a tampered one', () => {
    const cursor = { recordedAt: '2026-12-02T18:00:00.000Z', id: '6f1c1c0e-8a4e-4a39-9a63-0e3b6f6a7f10' };
    expect(decodeCursor(encodeCursor(cursor))).to.deep.equal(cursor);
    expect(decodeCursor('not-a-cursor')).to.equal(undefined);
    expect(decodeCursor(Buffer.from("2026-12-02T18:00:00.000Z|1' OR 1=1").toString('base64url'))).to.equal(undefined);
    expect(decodeCursor(['a', 'b'])).to.equal(undefined);
  });
});
