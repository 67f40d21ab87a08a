import { randomUUID } from 'node:crypto';
import { expect } from 'chai';
import type { Communication } from '@medplum/fhirtypes';
import { HttpClient, formAction, type PageResponse } from '../support/http-client.ts';
import { startPortal, type RunningPortal } from '../support/portal.ts';
import { onboard, type Onboarded } from '../support/onboard.ts';
import { seedStaff } from '../support/seed.ts';
import { findStaffByEmail } from '../../src/store/accounts.ts';
import { categoryCoding, messageReadBySystem, messageTopicSystem } from '../../src/core/fhir/messages.ts';
import type { FhirClient } from '../../src/store/fhir-client.ts';

/**
 * Unread counts against the real HAPI (issue #14, docs/messages.md "Read state"): per reader, for the patient
 * and for each staff member; right after reading (one HAPI transaction tags every message shown), after a
 * staff member withdraws a message (entered-in-error: gone for the patient, "withdrawn" for staff, counted by
 * no one), and after reassignment (the tags belong to the readers, not to the Task); and the patient's list
 * paged 20 conversations at a time, counts included.
 */
describe('secure messages: unread counts, withdrawal, the paged list', function () {
  this.timeout(240_000);
  let portal: RunningPortal;
  let a: Onboarded;
  let patient: HttpClient;
  let first: HttpClient;
  let second: HttpClient;
  let firstRef: string;
  let secondRef: string;
  let thread: string;
  let patientMessage: string;

  const textOf = (body: string) => body.replace(/<[^>]+>/g, ' ').replace(/\s+/g, ' ');
  /** The inbox row of one conversation (the shared HAPI holds other suites' conversations too). */
  const rowOf = (body: string, id: string) =>
    /<tr[^>]*>(?:(?!<\/tr>)[\s\S])*?\/staff\/messages\/ID"(?:(?!<\/tr>)[\s\S])*<\/tr>/.exec(body.replace(`/staff/messages/${id}"`, '/staff/messages/ID"'))?.[0] ?? '';
  /** The patient list's entry of one conversation. */
  const entryOf = (body: string, id: string) =>
    /<li class="card">(?:(?!<\/li>)[\s\S])*?\/messages\/ID"(?:(?!<\/li>)[\s\S])*<\/li>/.exec(body.replace(`/messages/${id}"`, '/messages/ID"'))?.[0] ?? '';
  const staffUnread = async (client: HttpClient) => textOf(rowOf((await client.get('/staff/messages')).body, thread));
  const patientUnread = async () => textOf(entryOf((await patient.get('/messages')).body, thread));
  const messagesOf = async (id: string) =>
    ((await portal.ctx.fhir.search<Communication>('Communication', { 'part-of': `Communication/${id}`, _count: '100' })).entry ?? []).map((e) => e.resource!);

  async function signInStaff(): Promise<{ client: HttpClient; practitioner: string }> {
    const seeded = await seedStaff(portal.ctx);
    const client = new HttpClient(portal.url, 'es');
    await client.get('/staff/login');
    await client.submit('/staff/login', { email: seeded.email, password: seeded.password, code: seeded.code() });
    return { client, practitioner: (await findStaffByEmail(portal.ctx.db, seeded.email))!.fhir_user! };
  }

  async function postForm(client: HttpClient, page: PageResponse, action: string, fields: Record<string, string>): Promise<PageResponse> {
    const form = new FormData();
    form.set('_csrf', /name="_csrf" value="([^"]+)"/.exec(page.body)![1]!);
    form.set('key', /name="key" value="([^"]+)"/.exec(page.body)![1]!);
    for (const [name, value] of Object.entries(fields)) form.set(name, value);
    const response = await fetch(new URL(action, portal.url), {
      method: 'POST',
      redirect: 'manual',
      headers: { cookie: [...client.cookies].map(([k, v]) => `${k}=${v}`).join('; '), 'accept-language': client.acceptLanguage },
      body: form,
    });
    return { status: response.status, url: action, location: response.headers.get('location') ?? undefined, body: await response.text(), headers: response.headers };
  }

  before(async () => {
    // Open all day: no automatic reply in these conversations.
    portal = await startPortal({ PRACTICE_HOURS: 'mon-sun 00:00-23:59' });
    a = await onboard(portal.ctx, portal.smtp);
    patient = new HttpClient(portal.url, 'es');
    const form = await patient.get('/auth/login');
    await patient.submit(formAction(form.body, /^\/interaction\//), { email: a.email, password: a.password, birthDate: a.patient.birthDate });
    ({ client: first, practitioner: firstRef } = await signInStaff());
    ({ client: second, practitioner: secondRef } = await signInStaff());
  });
  after(() => portal.stop());

  it('counts per staff member: the patient’s message is unread for both until each opens the conversation', async () => {
    const started = await postForm(patient, await patient.get('/messages/new'), '/messages/new', {
      topic: 'doctor',
      subject: 'Cuenta de no leídos',
      text: 'Primer mensaje UNREAD-1',
    });
    expect(started.status).to.equal(303);
    thread = /\/messages\/([^?]+)\?sent=1$/.exec(started.location!)![1]!;
    expect(await staffUnread(first)).to.include('1 sin leer');
    expect(await staffUnread(second)).to.include('1 sin leer');
    await first.get(`/staff/messages/${thread}`);
    expect(await staffUnread(first)).not.to.include('sin leer');
    expect(await staffUnread(second)).to.include('1 sin leer');
    // The patient's own message is never unread for them.
    expect(await patientUnread()).not.to.include('sin leer');
  });

  it('marks every message shown read in ONE request to HAPI, and the patient’s count clears', async () => {
    await first.get(`/staff/messages/${thread}`);
    for (const [n, key] of [
      [1, 'reply-key-unread-0001a'],
      [2, 'reply-key-unread-0002a'],
      [3, 'reply-key-unread-0003a'],
    ] as const) {
      await first.get(`/staff/messages/${thread}`);
      await first.submit(`/staff/messages/${thread}/reply`, { text: `Respuesta ${n} REPLY-${n}`, key });
    }
    expect(await patientUnread()).to.include('3 sin leer');
    // Count the portal's calls to HAPI while the patient opens the conversation.
    const fhir = portal.ctx.messaging.fhir as { -readonly [K in keyof FhirClient]: FhirClient[K] };
    const calls = { transaction: 0, operation: 0 };
    const { transaction, operation } = fhir;
    fhir.transaction = (bundle) => {
      calls.transaction++;
      return transaction(bundle);
    };
    fhir.operation = (request) => {
      calls.operation++;
      return operation(request);
    };
    try {
      const page = await patient.get(`/messages/${thread}`);
      expect(page.status).to.equal(200);
    } finally {
      fhir.transaction = transaction;
      fhir.operation = operation;
    }
    expect(calls).to.deep.equal({ transaction: 1, operation: 0 });
    const all = await messagesOf(thread);
    patientMessage = all.find((m) => m.sender?.reference === `Patient/${a.patient.id}`)!.id!;
    const replies = all.filter((m) => m.sender?.reference === firstRef);
    expect(replies).to.have.length(3);
    for (const reply of replies) expect(reply.meta?.tag?.some((t) => t.system === messageReadBySystem && t.code === `Patient/${a.patient.id}`)).to.equal(true);
    expect(await patientUnread()).not.to.include('sin leer');
  });

  it('a withdrawn message is gone for the patient, "withdrawn" for staff, and counted as unread by no one', async () => {
    await first.get(`/staff/messages/${thread}`);
    await first.submit(`/staff/messages/${thread}/reply`, { text: 'Respuesta equivocada WITHDRAW-ME', key: 'reply-key-unread-0004a' });
    await first.submit(`/staff/messages/${thread}/reply`, { text: 'Respuesta buena KEEP-ME', key: 'reply-key-unread-0005a' });
    expect(await patientUnread()).to.include('2 sin leer');
    // The second staff member withdraws a colleague's reply, found on their page by its text.
    const page = await second.get(`/staff/messages/${thread}`);
    const item = /<li class="card">(?:(?!<\/li>)[\s\S])*?WITHDRAW-ME(?:(?!<\/li>)[\s\S])*?<\/li>/.exec(page.body)?.[0] ?? '';
    const wrong = { id: /name="message" value="([^"]+)"/.exec(item)?.[1] };
    expect(wrong.id).to.be.a('string');
    const done = await second.submit(`/staff/messages/${thread}/withdraw`, { message: wrong.id! });
    expect(textOf(done.body)).to.include('Mensaje retirado: el paciente ya no lo ve.');
    expect(textOf(done.body)).to.include('Se retiró un mensaje (ingresado por error); el paciente no lo ve.');
    expect(done.body).not.to.include('WITHDRAW-ME');
    expect((await portal.ctx.fhir.read<Communication>('Communication', wrong.id!)).status).to.equal('entered-in-error');
    expect(await patientUnread()).to.include('1 sin leer');
    const shown = await patient.get(`/messages/${thread}`);
    expect(shown.body).to.include('KEEP-ME');
    expect(shown.body).not.to.include('WITHDRAW-ME');
    // Only staff-written messages of this conversation can be withdrawn; the patient's is not found.
    const own = { id: patientMessage };
    await second.get(`/staff/messages/${thread}`);
    expect((await second.submit(`/staff/messages/${thread}/withdraw`, { message: own.id! })).status).to.equal(404);
    expect((await portal.ctx.fhir.read<Communication>('Communication', own.id!)).status).to.equal('completed');
  });

  it('reassignment changes no one’s unread counts', async () => {
    const reply = await patient.get(`/messages/${thread}`);
    expect((await postForm(patient, reply, `/messages/${thread}`, { text: 'Gracias UNREAD-2' })).status).to.equal(303);
    expect(await staffUnread(first)).to.include('1 sin leer');
    expect(await patientUnread()).not.to.include('sin leer');
    await first.get(`/staff/messages/${thread}`);
    await first.submit(`/staff/messages/${thread}/reply`, { text: 'Le escribimos otra vez REPLY-6', key: 'reply-key-unread-0006a' });
    const before = { patient: await patientUnread(), second: await staffUnread(second) };
    expect(before.patient).to.include('1 sin leer');
    expect(before.second).to.include('2 sin leer');
    await first.get(`/staff/messages/${thread}`);
    await first.submit(`/staff/messages/${thread}/assign`, { owner: secondRef });
    expect(await patientUnread()).to.include('1 sin leer');
    expect(await staffUnread(second)).to.include('2 sin leer');
    expect(await staffUnread(first)).not.to.include('sin leer');
    await second.get(`/staff/messages/${thread}`);
    await second.submit(`/staff/messages/${thread}/assign`, { owner: '' });
    expect(await staffUnread(second)).not.to.include('sin leer');
    expect(await patientUnread()).to.include('1 sin leer');
  });

  it('the patient’s list is paged 20 conversations at a time, the counts on every page', async () => {
    // 21 older conversations, the oldest with one staff message unread and one withdrawn.
    const entries = Array.from({ length: 21 }, (_, i) => ({
      fullUrl: `urn:uuid:${randomUUID()}`,
      resource: {
        resourceType: 'Communication',
        status: 'in-progress',
        category: [{ coding: [categoryCoding('thread')] }],
        subject: { reference: `Patient/${a.patient.id}` },
        sender: { reference: `Patient/${a.patient.id}` },
        sent: new Date(Date.UTC(2020, 0, 1 + i)).toISOString(),
        topic: { coding: [{ system: messageTopicSystem, code: 'other' }], text: `Antigua ${i} OLD-${i}-END` },
      } satisfies Communication,
      request: { method: 'POST' as const, url: 'Communication' },
    }));
    const message = (status: Communication['status'], text: string) => ({
      resource: {
        resourceType: 'Communication',
        status,
        category: [{ coding: [categoryCoding('message')] }],
        partOf: [{ reference: entries[0]!.fullUrl }],
        subject: { reference: `Patient/${a.patient.id}` },
        sender: { reference: firstRef },
        recipient: [{ reference: `Patient/${a.patient.id}` }],
        sent: new Date(Date.UTC(2020, 0, 1, 12)).toISOString(),
        meta: { tag: [{ system: messageReadBySystem, code: firstRef }] },
        payload: [{ contentString: text }],
      } satisfies Communication,
      request: { method: 'POST' as const, url: 'Communication' },
    });
    const answer = await portal.ctx.fhir.transaction({
      resourceType: 'Bundle',
      type: 'transaction',
      entry: [...entries, message('completed', 'vieja sin leer'), message('entered-in-error', 'vieja retirada')],
    });
    const oldest = answer.entry![0]!.response!.location!.split('/')[1]!;
    const one = await patient.get('/messages');
    expect(one.body.match(/<li class="card">/g)).to.have.length(20);
    expect(one.body).to.include(`/messages/${thread}"`);
    expect(textOf(one.body)).to.include('OLD-20-END');
    expect(textOf(one.body)).not.to.include('OLD-1-END');
    const next = /href="(\/messages\?before=[^"]+)"/.exec(one.body)![1]!.replace(/&amp;/g, '&');
    const two = await patient.get(next);
    expect(two.body.match(/<li class="card">/g)).to.have.length(2);
    expect(textOf(two.body)).to.include('OLD-1-END');
    expect(textOf(entryOf(two.body, oldest))).to.include('1 sin leer');
    expect(textOf(two.body)).to.include('Conversaciones más recientes');
    expect(two.body).not.to.include('/messages?before=');
  });
});
