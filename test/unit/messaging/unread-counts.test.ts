import { expect } from 'chai';
import nock from 'nock';
import type { Communication, Resource } from '@medplum/fhirtypes';
import { createFhirClient } from '../../../src/store/fhir-client.ts';
import { messageCategorySystem, messageReadBySystem } from '../../../src/core/fhir/messages.ts';
import { listConversations } from '../../../src/messaging/patient-messages.ts';
import type { RecordClient, SearchResult } from '../../../src/record/record-client.ts';

const hapi = 'http://hapi.test/fhir';

/**
 * Unread counts on the patient's list (src/messaging/patient-messages.ts), asked the way the staff inbox asks them
 * (one helper, read-state.ts unreadCounts): ONE search for the reader's unread messages since the page's oldest
 * conversation started; when it does not fit one answer of 500, HAPI counts per conversation instead of the portal
 * reading page after page. Every request HAPI gets is mocked: any other fails the test.
 */
describe('secure messages: unread counts on the patient’s list', () => {
  const fhir = createFhirClient({ baseUrl: hapi, timeoutMs: 2000 });
  const category = (code: string) => [{ coding: [{ system: messageCategorySystem, code }] }];
  const header = (id: string, sent: string): Communication => ({
    resourceType: 'Communication',
    id,
    status: 'in-progress',
    category: category('thread'),
    sent,
    subject: { reference: 'Patient/p1' },
  });
  const headers = [header('t2', '2026-05-02T10:00:00Z'), header('t1', '2026-05-01T10:00:00Z')];
  const facade: RecordClient = {
    patient: 'p1',
    proxy: undefined,
    read: async <T extends Resource>() => undefined as unknown as T,
    search: async <T extends Resource>() => ({ matches: headers as unknown as T[], included: [], complete: true }) satisfies SearchResult<T>,
  };
  const inThread = (thread: string): Communication => ({ resourceType: 'Communication', status: 'completed', partOf: [{ reference: `Communication/${thread}` }] });
  const unreadQuery = {
    subject: 'Patient/p1',
    category: `${messageCategorySystem}|message,${messageCategorySystem}|auto-reply`,
    status: 'completed',
    '_tag:not': `${messageReadBySystem}|Patient/p1`,
  };

  /** HAPI's answer to the one search of the reader's unread messages since the oldest conversation listed. */
  const unreadMessages = (bundle: object) =>
    nock(hapi)
      .get('/Communication')
      .query({ ...unreadQuery, sent: 'ge2026-05-01T10:00:00Z', _elements: 'partOf', _count: '500' })
      .reply(200, { resourceType: 'Bundle', type: 'searchset', ...bundle });

  it('counts from one search of the reader’s unread messages since the oldest conversation listed', async () => {
    unreadMessages({ entry: [{ resource: inThread('t1') }, { resource: inThread('t1') }, { resource: inThread('t2') }, { resource: inThread('t9') }] });
    const { threads } = await listConversations({ fhir }, facade, 'Patient/p1');
    expect(threads.map((t) => [t.id, t.unread])).to.deep.equal([
      ['t2', 1],
      ['t1', 2],
    ]);
    expect(nock.isDone()).to.equal(true);
  });

  it('past one answer of 500, asks HAPI to count per conversation instead of reading page after page', async () => {
    unreadMessages({ link: [{ relation: 'next', url: `${hapi}?_getpages=abc&_getpagesoffset=500&_count=500` }], entry: [{ resource: inThread('t1') }] });
    for (const [thread, total] of [
      ['t1', 700],
      ['t2', 3],
    ] as const)
      nock(hapi)
        .get('/Communication')
        .query({ 'part-of': `Communication/${thread}`, ...unreadQuery, _summary: 'count' })
        .reply(200, { resourceType: 'Bundle', type: 'searchset', total });
    const { threads } = await listConversations({ fhir }, facade, 'Patient/p1');
    expect(threads.map((t) => [t.id, t.unread])).to.deep.equal([
      ['t2', 3],
      ['t1', 700],
    ]);
    expect(nock.isDone()).to.equal(true);
  });
});
