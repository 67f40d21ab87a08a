import { expect } from 'chai';
import type { Communication, Task } from '@medplum/fhirtypes';
import { categoryCoding, messagePoolSystem, messageReadBySystem, messageTopicSystem } from '../../../src/core/fhir/messages.ts';
import { isOverdue, routingOf, summarize, threadMessages } from '../../../src/messaging/thread-model.ts';

const header = (id: string, sent: string, status: Communication['status'] = 'in-progress'): Communication => ({
  resourceType: 'Communication',
  id,
  status,
  category: [{ coding: [categoryCoding('thread')] }],
  subject: { reference: 'Patient/p1' },
  sent,
  topic: { coding: [{ system: messageTopicSystem, code: 'refill' }], text: `Asunto ${id}` },
});
const message = (id: string, thread: string, sender: string, sent: string, readBy: string[] = [], kind: 'message' | 'internal-note' | 'auto-reply' = 'message'): Communication => ({
  resourceType: 'Communication',
  id,
  status: 'completed',
  category: [{ coding: [categoryCoding(kind)] }],
  partOf: [{ reference: `Communication/${thread}` }],
  ...(kind === 'auto-reply' ? {} : { sender: { reference: sender } }),
  sent,
  payload: [{ contentString: `texto ${id}` }, { contentAttachment: { url: 'Binary/b1', contentType: 'application/pdf', title: 'A.PDF' } }],
  meta: { tag: readBy.map((code) => ({ system: messageReadBySystem, code })) },
});

describe('secure messages: conversations from the FHIR thread model', () => {
  const headers = [header('h1', '2026-12-01T10:00:00Z'), header('h2', '2026-12-01T11:00:00Z', 'completed')];
  const messages = [
    message('m1', 'h1', 'Patient/p1', '2026-12-01T10:00:01Z'),
    message('m2', 'h1', 'Practitioner/s1', '2026-12-01T12:00:00Z'),
    message('m3', 'h1', 'Practitioner/s1', '2026-12-01T13:00:00Z', ['Patient/p1']),
    message('n1', 'h1', 'Practitioner/s1', '2026-12-01T14:00:00Z', [], 'internal-note'),
    message('a1', 'h2', '', '2026-12-01T11:00:02Z', [], 'auto-reply'),
  ];

  it('counts unread per reader: someone else’s messages without the reader’s tag; a reader’s own never', () => {
    const patient = summarize(headers, messages, 'Patient/p1');
    expect(patient.map((s) => [s.id, s.unread, s.messages, s.open, s.subject, s.topic])).to.deep.equal([
      ['h1', 1, 3, true, 'Asunto h1', 'refill'],
      ['h2', 1, 1, false, 'Asunto h2', 'refill'],
    ]);
    // The same messages for a family member: nothing of theirs is read yet, and the patient's message is someone else's.
    expect(summarize(headers, messages, 'RelatedPerson/r1').map((s) => s.unread)).to.deep.equal([3, 1]);
    // Staff count the internal note too (it is theirs to read), never for a patient-side reader.
    expect(summarize(headers, messages, 'Practitioner/s2').map((s) => s.unread)).to.deep.equal([4, 1]);
  });

  it('a withdrawn message (entered-in-error) is unread for no one, hidden from the patient side, marked withdrawn for staff', () => {
    const withdrawn: Communication = { ...message('w1', 'h1', 'Practitioner/s1', '2026-12-01T15:00:00Z'), status: 'entered-in-error' };
    const all = [...messages, withdrawn];
    expect(summarize(headers, all, 'Patient/p1')[0]!.unread).to.equal(summarize(headers, messages, 'Patient/p1')[0]!.unread);
    expect(summarize(headers, all, 'Practitioner/s2')[0]!.unread).to.equal(summarize(headers, messages, 'Practitioner/s2')[0]!.unread);
    expect(threadMessages(all, 'Patient/p1', { includeNotes: false }).map((m) => m.id)).not.to.include('w1');
    const staff = threadMessages(all, 'Practitioner/s2', { includeNotes: true }).find((m) => m.id === 'w1')!;
    expect([staff.withdrawn, staff.unread]).to.deep.equal([true, false]);
  });

  it('orders conversations by their latest message and messages by time; notes only when asked for', () => {
    expect(summarize(headers, messages, 'Patient/p1').map((s) => s.lastActivity)).to.deep.equal(['2026-12-01T13:00:00Z', '2026-12-01T11:00:02Z']);
    const forPatient = threadMessages(
      messages.filter((m) => m.partOf?.[0]?.reference === 'Communication/h1'),
      'Patient/p1',
      { includeNotes: false },
    );
    expect(forPatient.map((m) => [m.id, m.author, m.unread])).to.deep.equal([
      ['m1', 'patient', false],
      ['m2', 'staff', true],
      ['m3', 'staff', false],
    ]);
    expect(forPatient[0]!.attachments).to.deep.equal([{ url: 'Binary/b1', binaryId: 'b1', contentType: 'application/pdf', title: 'A.PDF' }]);
    const forStaff = threadMessages(messages, 'Practitioner/s1', { includeNotes: true });
    expect(forStaff.find((m) => m.id === 'n1')?.kind).to.equal('internal-note');
    expect(forStaff.find((m) => m.id === 'a1')?.author).to.equal('automatic');
  });

  it('reads the routing Task: pool, owner, due time; overdue only while the patient waits past it', () => {
    const task: Task = {
      resourceType: 'Task',
      id: 't1',
      status: 'requested',
      intent: 'order',
      businessStatus: { text: 'waiting-for-practice' },
      performerType: [{ coding: [{ system: messagePoolSystem, code: 'care-team' }] }],
      owner: { reference: 'Practitioner/s1' },
      restriction: { period: { end: '2026-12-03T10:00:00Z' } },
    };
    const routing = routingOf(task)!;
    expect(routing).to.deep.include({ taskId: 't1', pool: 'care-team', owner: 'Practitioner/s1', due: '2026-12-03T10:00:00Z', waiting: true });
    expect(isOverdue(routing, new Date('2026-12-03T09:59:59Z'))).to.equal(false);
    expect(isOverdue(routing, new Date('2026-12-03T10:00:01Z'))).to.equal(true);
    expect(isOverdue({ ...routing, waiting: false }, new Date('2026-12-09T00:00:00Z'))).to.equal(false);
    expect(routingOf(undefined)).to.equal(undefined);
  });
});
