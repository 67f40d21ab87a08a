import { expect } from 'chai';
import nock from 'nock';
import type { Communication } from '@medplum/fhirtypes';
import type { Db } from '../../../src/store/db.ts';
import { createFhirClient } from '../../../src/store/fhir-client.ts';
import { messagesConfig } from '../../../src/config/messages-config.ts';
import { messageCategorySystem } from '../../../src/core/fhir/messages.ts';
import type { MessagingDeps } from '../../../src/messaging/deps.ts';
import { staffAttachment } from '../../../src/messaging/message-attachments.ts';
import type { StaffRequest } from '../../../src/messaging/staff-messages.ts';
import { migratedMemoryStore } from '../../support/memory-store.ts';

const hapi = 'http://hapi.test/fhir';

/**
 * A message's file opened from the console (src/messaging/message-attachments.ts): the message naming it is found
 * with ONE search of the conversation's messages on the project's `attachment-url` parameter (every url form), so
 * a file of a long conversation opens like any other; no routing Task is read; the read is audited. Every request
 * HAPI gets is mocked, so any other (a page of all the messages, a Task search) fails the test.
 */
describe('secure messages: a staff member opens an attachment', function () {
  this.timeout(30_000);
  let db: Db;
  let deps: MessagingDeps;
  const request: StaffRequest = {
    staff: { accountId: 'a1', practitioner: 'Practitioner/s1', name: 'Dra. Vega' },
    request: '/staff/messages/t1/attachments/b1',
    clientAddress: '127.0.0.1',
  };
  const category = (code: string) => [{ coding: [{ system: messageCategorySystem, code }] }];
  const header: Communication = { resourceType: 'Communication', id: 't1', status: 'in-progress', category: category('thread'), subject: { reference: 'Patient/p1' } };
  const message: Communication = {
    resourceType: 'Communication',
    id: 'm9',
    status: 'completed',
    category: category('message'),
    partOf: [{ reference: 'Communication/t1' }],
    payload: [{ contentString: 'x' }, { contentAttachment: { contentType: 'application/pdf', url: 'Binary/b1', title: 'informe.pdf' } }],
  };

  before(async () => {
    db = await migratedMemoryStore();
    deps = {
      db,
      fhir: createFhirClient({ baseUrl: hapi, timeoutMs: 2000 }),
      practice: { name: 'Clínica Puente', phone: '555-0100', timeZone: 'America/New_York' },
      messages: messagesConfig(() => undefined, []),
      publicUrl: new URL('https://portal.test'),
      fhirBase: 'https://portal.test/fhir',
      now: () => new Date('2026-05-04T15:00:00Z'),
    } as MessagingDeps;
  });
  after(() => db.close());

  it('finds the message naming the file with one attachment-url search of the conversation, reads no Task, and audits the read', async () => {
    let asked: URLSearchParams | undefined;
    nock(hapi).get('/Communication/t1').reply(200, header);
    nock(hapi)
      .get('/Communication')
      .query((query) => {
        asked = new URLSearchParams(query as Record<string, string>);
        return true;
      })
      .reply(200, { resourceType: 'Bundle', type: 'searchset', entry: [{ resource: message, search: { mode: 'match' } }] });
    nock(hapi)
      .get('/Binary/b1')
      .reply(200, {
        resourceType: 'Binary',
        id: 'b1',
        contentType: 'application/pdf',
        securityContext: { reference: 'Patient/p1' },
        data: Buffer.from('%PDF-1.4').toString('base64'),
      });
    const before = Number((await db.query<{ n: string }>('SELECT count(*)::text AS n FROM audit_events')).rows[0]!.n);

    const file = await staffAttachment(deps, request, 't1', 'b1');

    expect(file.disposition).to.include('informe.pdf');
    expect(file.bytes.toString()).to.equal('%PDF-1.4');
    expect(asked?.get('part-of')).to.equal('Communication/t1');
    expect(asked?.get('attachment-url')?.split(',')).to.deep.equal(['Binary/b1', 'https://portal.test/fhir/Binary/b1', `${hapi}/Binary/b1`]);
    expect(nock.isDone(), 'every mocked request made, none other').to.equal(true);
    const after = Number((await db.query<{ n: string }>('SELECT count(*)::text AS n FROM audit_events')).rows[0]!.n);
    expect(after - before).to.equal(1);
  });

  it('answers 404 when no message of the conversation names the file, before the Binary is read', async () => {
    nock(hapi).get('/Communication/t1').reply(200, header);
    nock(hapi).get('/Communication').query(true).reply(200, { resourceType: 'Bundle', type: 'searchset', entry: [] });
    const refused = await staffAttachment(deps, request, 't1', 'b2').catch((error: unknown) => error);
    expect((refused as { status?: number }).status).to.equal(404);
  });
});
