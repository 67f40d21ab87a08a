import { expect } from 'chai';
import nock from 'nock';
import type { Logger } from '../../../src/core/log.ts';
import { migratedMemoryStore } from '../../support/memory-store.ts';
import type { Db, Queryable } from '../../../src/store/db.ts';
import { createFhirClient } from '../../../src/store/fhir-client.ts';
import { messagesConfig } from '../../../src/config/messages-config.ts';
import { messageCategorySystem, messagePoolSystem } from '../../../src/core/fhir/messages.ts';
import type { MessagingDeps } from '../../../src/messaging/deps.ts';
import { afterPatientMessage } from '../../../src/messaging/after-patient-message.ts';
import { notifyPool } from '../../../src/messaging/pool-notices.ts';

const hapi = 'http://hapi.test/fhir';

/**
 * What follows a patient-side message (src/messaging/after-patient-message.ts, pool-notices.ts): a pool notice that
 * cannot be queued leaves the message sent but is logged — its error class and code, nothing of the patient — and a
 * staff address's language is looked up only for a notice that goes out (after the hour's slot is claimed).
 */
describe('secure messages: the pool notice after a patient’s message', function () {
  this.timeout(30_000);
  let db: Db;
  let deps: MessagingDeps;
  const logged: { level: string; fields: Record<string, unknown>; message: string }[] = [];
  const accountQueries: string[] = [];
  const log = { error: (fields: Record<string, unknown>, message: string) => logged.push({ level: 'error', fields, message }) } as unknown as Logger;
  // The store as the services see it, noting every query that reads the accounts table.
  const spied = (q: Queryable): Queryable => ({
    query: ((sql: string, params?: unknown[]) => {
      if (/FROM accounts/.test(sql)) accountQueries.push(sql);
      return q.query(sql, params as never);
    }) as Queryable['query'],
    exec: (sql) => q.exec(sql),
  });
  const task = {
    resourceType: 'Task',
    id: 'k1',
    status: 'requested',
    intent: 'order',
    code: { coding: [{ system: messageCategorySystem, code: 'thread' }] },
    focus: { reference: 'Communication/t1' },
    performerType: [{ coding: [{ system: messagePoolSystem, code: 'care-team' }] }],
  };

  before(async () => {
    db = await migratedMemoryStore();
    await db.query("INSERT INTO accounts (kind, email, status, locale) VALUES ('staff', 'desk@example.org', 'active', 'en')");
    const store = spied(db);
    deps = {
      db: { ...store, kind: db.kind, close: () => db.close(), transaction: (work) => db.transaction((tx) => work(spied(tx))) } as Db,
      fhir: createFhirClient({ baseUrl: hapi, timeoutMs: 2000 }),
      practice: { name: 'Clínica Puente', phone: '555-0100', timeZone: 'America/New_York' },
      // Open every day, all day: no automatic reply to write.
      messages: messagesConfig(<T>(name: string) => ({ MESSAGE_POOL_EMAILS: 'care-team:desk@example.org', PRACTICE_HOURS: 'mon-sun 00:00-23:59' })[name] as T, []),
      publicUrl: new URL('https://portal.test'),
      fhirBase: 'https://portal.test/fhir',
      now: () => new Date('2026-05-04T15:00:00Z'),
      log,
    };
  });
  after(() => db.close());

  it('looks the staff member’s language up only for a notice that goes out', async () => {
    nock(hapi)
      .get('/Task')
      .query(true)
      .times(2)
      .reply(200, { resourceType: 'Bundle', type: 'searchset', entry: [{ resource: task }] });
    expect(await notifyPool(deps, 't1')).to.equal(1);
    expect(accountQueries).to.have.length(1);
    const email = (await db.query<{ payload: { subject: string } }>("SELECT payload FROM outbox WHERE kind = 'email'")).rows[0]!.payload;
    expect(email.subject, 'in the staff member’s language').to.equal('New patient message at Clínica Puente');
    // The same hour: the slot is taken, no notice, and no one's language is read.
    expect(await notifyPool(deps, 't1')).to.equal(0);
    expect(accountQueries).to.have.length(1);
  });

  it('logs a notice that could not be queued, by error class and code only, and the message stands', async () => {
    nock(hapi)
      .get('/Task')
      .query(true)
      .reply(503, { resourceType: 'OperationOutcome', issue: [{ severity: 'error', code: 'transient', diagnostics: 'Patient/p1 Ana' }] });
    await afterPatientMessage(deps, 't1', 'Patient/p1', 'es');
    expect(logged).to.have.length(1);
    expect(logged[0]!.message).to.equal('pool notice could not be queued');
    expect(Object.keys(logged[0]!.fields).sort()).to.deep.equal(['code', 'errorClass']);
    expect(JSON.stringify(logged[0])).not.to.match(/p1|Ana|t1/);
  });
});
