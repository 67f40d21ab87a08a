import { expect } from 'chai';
import { randomUUID } from 'node:crypto';
import type { AuditEvent, Patient, Practitioner } from '@medplum/fhirtypes';
import { createLogger } from '../../src/core/log.ts';
import type { Db } from '../../src/store/db.ts';
import { openDb } from '../../src/store/open-db.ts';
import { migrate } from '../../src/store/migrate.ts';
import { enqueue, getOutboxRow } from '../../src/store/outbox.ts';
import { createOutboxWorker, type OutboxWorker } from '../../src/store/outbox-worker.ts';
import { createMailer, outboxMessageId, type Mailer } from '../../src/store/mailer.ts';
import { auditBatchDeliveryHandler, auditDeliveryHandler, recordAuditEvent } from '../../src/store/audit-trail.ts';
import { createFhirClient } from '../../src/store/fhir-client.ts';
import { createCaptureSmtp, type CaptureSmtp } from '../support/capture-smtp.ts';
import { testEnvironment } from '../support/environment.ts';

describe('outbox delivery to real servers (PostgreSQL store, SMTP, HAPI)', function () {
  this.timeout(60_000);
  let db: Db;
  let smtp: CaptureSmtp;
  let mailer: Mailer;
  let worker: OutboxWorker;

  before(async () => {
    db = await openDb({ kind: 'postgres', url: await testEnvironment().postgres.createDatabase('outbox_test') });
    await migrate(db);
    smtp = await createCaptureSmtp();
    await smtp.start();
    mailer = createMailer({ smtpUrl: smtp.url, from: 'Clinic <portal@clinic.example>', messageIdDomain: 'portal.clinic.example', timeoutMs: 3000 });
    const fhir = createFhirClient({ baseUrl: testEnvironment().hapi.baseUrl, timeoutMs: 10_000 });
    worker = createOutboxWorker({
      db,
      handlers: { email: mailer.deliver, audit: auditDeliveryHandler(fhir) },
      log: createLogger('silent'),
      pollMs: 100,
      baseMs: 200,
      maxMs: 1000,
      deadAfterMs: 3600_000,
    });
  });
  after(async () => {
    await worker.stop();
    mailer.close();
    await smtp.stop();
    await db.close();
  });

  it('delivers an email with its attachment and records the SMTP message id', async () => {
    const id = await db.transaction((tx) =>
      enqueue(tx, {
        kind: 'email',
        payload: {
          to: 'maria@example.org',
          subject: 'Su enlace de registro',
          text: 'Hola María',
          locale: 'es',
          attachments: [{ filename: 'form.txt', contentType: 'text/plain', contentBase64: Buffer.from('copia').toString('base64') }],
        },
      }),
    );
    await worker.runOnce();
    const [mail] = await smtp.waitForMessages(1);
    expect(mail!.envelopeTo).to.deep.equal(['maria@example.org']);
    expect(mail!.parsed.subject).to.equal('Su enlace de registro');
    expect(mail!.parsed.text?.trim()).to.equal('Hola María');
    expect(mail!.parsed.headers.get('content-language')).to.equal('es');
    expect(mail!.parsed.attachments.map((a) => a.content.toString())).to.deep.equal(['copia']);
    expect(mail!.parsed.messageId).to.equal(outboxMessageId(id, 'portal.clinic.example'));
    expect(await getOutboxRow(db, id)).to.include({ status: 'sent', delivery_id: mail!.parsed.messageId });
  });

  it('keeps mail waiting while the relay is down and delivers it exactly once when it is back', async () => {
    smtp.messages.length = 0;
    await smtp.stop();
    worker.start();
    const id = await db.transaction((tx) => enqueue(tx, { kind: 'email', payload: { to: 'luis@example.org', subject: 'Waiting', text: 'Hi' } }));
    // Let the worker fail a few times against the dead relay.
    for (let i = 0; i < 50 && ((await getOutboxRow(db, id))?.attempts ?? 0) < 2; i++) await new Promise((r) => setTimeout(r, 200));
    const waiting = await getOutboxRow(db, id);
    expect(waiting).to.include({ status: 'pending' });
    expect(waiting!.attempts).to.be.at.least(2);
    expect(waiting!.last_error).to.match(/ECONNREFUSED|ESOCKET|ECONNECTION/);
    expect(smtp.messages).to.have.length(0);

    await smtp.start();
    await smtp.waitForMessages(1);
    await new Promise((r) => setTimeout(r, 2500)); // time for any duplicate to show up
    await worker.stop();
    expect(smtp.messages.map((m) => m.parsed.subject)).to.deep.equal(['Waiting']);
    expect(await getOutboxRow(db, id)).to.include({ status: 'sent' });
  });

  it('writes an AuditEvent to the store and to HAPI, idempotently', async () => {
    const fhir = createFhirClient({ baseUrl: testEnvironment().hapi.baseUrl, timeoutMs: 10_000 });
    // HAPI enforces referential integrity: the agent and the patient must exist.
    const staff = await fhir.create<Practitioner>({ resourceType: 'Practitioner', name: [{ family: 'Desk', given: ['Front'] }] });
    const patient = await fhir.create<Patient>({ resourceType: 'Patient', name: [{ family: 'Audit', given: ['Test'] }] });
    const event: AuditEvent & { id: string } = {
      resourceType: 'AuditEvent',
      id: randomUUID(),
      type: { system: 'http://terminology.hl7.org/CodeSystem/audit-event-type', code: 'rest', display: 'RESTful Operation' },
      action: 'R',
      recorded: new Date().toISOString(),
      outcome: '0',
      agent: [{ requestor: true, who: { reference: `Practitioner/${staff.id}` } }],
      source: { observer: { display: 'Puente portal' } },
      entity: [{ what: { reference: `Patient/${patient.id}` } }],
    };
    await db.transaction((tx) => recordAuditEvent(tx, event));
    const copy = await db.query<{ patient: string; agent: string }>('SELECT patient, agent FROM audit_events WHERE id = $1', [event.id]);
    expect(copy.rows).to.deep.equal([{ patient: `Patient/${patient.id}`, agent: `Practitioner/${staff.id}` }]);
    await worker.runOnce();
    // A redelivery (as after a crash) must not create a second AuditEvent.
    await auditDeliveryHandler(fhir)(event, { id: 'x', attempts: 2 });
    const stored = await fhir.search('AuditEvent', { _id: event.id, _total: 'accurate' });
    expect(stored.total).to.equal(1);
    expect((stored.entry?.[0]?.resource as AuditEvent | undefined)?.entity?.[0]?.what?.reference).to.equal(`Patient/${patient.id}`);
  });
  it('writes a batch of AuditEvents to HAPI as one transaction, idempotently', async () => {
    const fhir = createFhirClient({ baseUrl: testEnvironment().hapi.baseUrl, timeoutMs: 10_000 });
    const patient = await fhir.create<Patient>({ resourceType: 'Patient', name: [{ family: 'Batch', given: ['Audit'] }] });
    const events = [1, 2, 3].map((n): AuditEvent & { id: string } => ({
      resourceType: 'AuditEvent',
      id: randomUUID(),
      type: { system: 'http://terminology.hl7.org/CodeSystem/audit-event-type', code: 'rest', display: 'RESTful Operation' },
      action: 'R',
      recorded: new Date(Date.now() + n).toISOString(),
      outcome: '0',
      agent: [{ requestor: true, who: { reference: `Patient/${patient.id}` } }],
      source: { observer: { display: 'Puente portal' } },
      entity: [{ what: { reference: `Patient/${patient.id}` } }],
    }));
    const batch = createOutboxWorker({
      db,
      handlers: { audit: auditDeliveryHandler(fhir) },
      batchHandlers: { audit: auditBatchDeliveryHandler(fhir) },
      log: createLogger('silent'),
      pollMs: 100,
      baseMs: 200,
      maxMs: 1000,
      deadAfterMs: 3600_000,
    });
    await db.transaction(async (tx) => {
      for (const event of events) await recordAuditEvent(tx, event);
    });
    await batch.runOnce();
    const rows = await db.query<{ status: string; delivery_id: string }>(
      `SELECT status, delivery_id FROM outbox WHERE kind = 'audit' AND payload->>'id' = ANY($1::text[]) ORDER BY id`,
      [events.map((event) => event.id)],
    );
    expect(rows.rows).to.deep.equal(events.map((event) => ({ status: 'sent', delivery_id: `AuditEvent/${event.id}` })));
    // Delivered again (a crash before 'sent' was committed): the same three, not six.
    await auditBatchDeliveryHandler(fhir)(events);
    const stored = await fhir.search('AuditEvent', { entity: `Patient/${patient.id}`, _total: 'accurate' });
    expect(stored.total).to.equal(3);
  });
});
