import { expect } from 'chai';
import type { Communication } from '@medplum/fhirtypes';
import { HttpClient, formAction, type PageResponse } from '../support/http-client.ts';
import { startPortal, type RunningPortal } from '../support/portal.ts';
import { onboard, type Onboarded } from '../support/onboard.ts';
import { testEnvironment } from '../support/environment.ts';
import { startSwitchableForwarder } from '../support/tcp-forwarder.ts';
import { createFhirClient } from '../../src/store/fhir-client.ts';

/**
 * HAPI down while sending (issue #14 "Bad input and faults"): the patient is told plainly that the message was
 * NOT sent and keeps the text in a form that carries the same key; nothing half-sent is reported as sent; once
 * HAPI is back, sending the same form again writes the conversation and its message exactly once.
 */
describe('secure messages when HAPI is down while sending', function () {
  this.timeout(180_000);
  let portal: RunningPortal;
  let forwarder: Awaited<ReturnType<typeof startSwitchableForwarder>>;
  let a: Onboarded;
  let patient: HttpClient;
  let hapi: ReturnType<typeof createFhirClient>;

  const postForm = async (page: PageResponse, action: string, fields: Record<string, string>): Promise<PageResponse> => {
    const form = new FormData();
    form.set('_csrf', /name="_csrf" value="([^"]+)"/.exec(page.body)![1]!);
    for (const [name, value] of Object.entries(fields)) form.set(name, value);
    const response = await fetch(new URL(action, portal.url), {
      method: 'POST',
      redirect: 'manual',
      headers: { cookie: [...patient.cookies].map(([k, v]) => `${k}=${v}`).join('; '), 'accept-language': 'es' },
      body: form,
    });
    return { status: response.status, url: action, location: response.headers.get('location') ?? undefined, body: await response.text(), headers: response.headers };
  };
  const textOf = (body: string) => body.replace(/<[^>]+>/g, ' ').replace(/\s+/g, ' ');
  const ofPatient = async () => ((await hapi.search<Communication>('Communication', { subject: `Patient/${a.patient.id}`, _count: '100' })).entry ?? []).map((e) => e.resource!);

  before(async () => {
    hapi = createFhirClient({ baseUrl: testEnvironment().hapi.baseUrl, timeoutMs: 10_000, headers: { 'cache-control': 'no-cache' } });
    forwarder = await startSwitchableForwarder(new URL(testEnvironment().hapi.baseUrl));
    portal = await startPortal({ FHIR_UPSTREAM_URL: forwarder.url, FHIR_TIMEOUT_MS: '3000', PRACTICE_HOURS: 'mon-sun 00:00-23:59' });
    a = await onboard(portal.ctx, portal.smtp);
    patient = new HttpClient(portal.url);
    const login = await patient.get('/auth/login');
    await patient.submit(formAction(login.body, /^\/interaction\//), { email: a.email, password: a.password, birthDate: a.patient.birthDate });
  });
  after(async () => {
    await portal?.stop();
    await forwarder?.close();
  });

  it('a new conversation: told plainly it was not sent, text and key kept; sent once when HAPI is back', async () => {
    const form = await patient.get('/messages/new');
    const key = /name="key" value="([^"]+)"/.exec(form.body)![1]!;
    const fields = { topic: 'doctor', subject: 'Caída en casa', text: 'Me caí ayer; TEXTO-CAIDA', key };
    forwarder.down();
    const refused = await postForm(form, '/messages/new', fields);
    expect(refused.status).to.equal(503);
    expect(textOf(refused.body)).to.include('Su mensaje no se pudo enviar en este momento y NO se envió.');
    expect(refused.body).to.include('Me caí ayer; TEXTO-CAIDA');
    expect(refused.body).to.include(`name="key" value="${key}"`);
    expect(textOf(refused.body)).not.to.include('Su mensaje se envió.');
    expect(await ofPatient()).to.deep.equal([]);
    forwarder.up();
    const sent = await postForm(refused, '/messages/new', fields);
    expect(sent.status).to.equal(303);
    const again = await postForm(refused, '/messages/new', fields);
    expect(again.location).to.equal(sent.location);
    const written = await ofPatient();
    expect(written.filter((c) => !c.partOf).map((c) => c.topic?.text)).to.deep.equal(['Caída en casa']);
    expect(written.filter((c) => c.partOf).map((c) => c.payload?.[0]?.contentString)).to.deep.equal(['Me caí ayer; TEXTO-CAIDA']);
  });

  it('a reply: told plainly it was not sent, text kept in a form that tries again with the same key; sent once', async () => {
    const thread = (await ofPatient()).find((c) => !c.partOf)!.id!;
    const page = await patient.get(`/messages/${thread}`);
    const key = /name="key" value="([^"]+)"/.exec(page.body)![1]!;
    forwarder.down();
    const refused = await postForm(page, `/messages/${thread}`, { text: 'Sigue doliendo TEXTO-RESPUESTA', key });
    expect(refused.status).to.equal(503);
    expect(textOf(refused.body)).to.include('NO se envió');
    expect(refused.body).to.include('Sigue doliendo TEXTO-RESPUESTA');
    expect(refused.body).to.include(`action="/messages/${thread}"`);
    forwarder.up();
    const retryKey = /name="key" value="([^"]+)"/.exec(refused.body)![1]!;
    expect(retryKey).to.equal(key);
    expect((await postForm(refused, `/messages/${thread}`, { text: 'Sigue doliendo TEXTO-RESPUESTA', key: retryKey })).status).to.equal(303);
    expect((await postForm(refused, `/messages/${thread}`, { text: 'Sigue doliendo TEXTO-RESPUESTA', key: retryKey })).status).to.equal(303);
    const replies = (await ofPatient()).filter((c) => c.payload?.[0]?.contentString === 'Sigue doliendo TEXTO-RESPUESTA');
    expect(replies).to.have.length(1);
  });
});
