import { expect } from 'chai';
import type { Communication, Provenance } from '@medplum/fhirtypes';
import { HttpClient, formAction } from '../support/http-client.ts';
import { startPortal, type RunningPortal } from '../support/portal.ts';
import { onboard, type Onboarded } from '../support/onboard.ts';
import type { FamilyInvitationInput } from '../../src/proxies/invite-family-member.ts';
import { addFamilyMember } from '../support/family-member.ts';
import { messageTopicSystem } from '../../src/core/fhir/messages.ts';

/**
 * Family members write on the patient's behalf (issue #14 point 4, with family access from issue #13): through
 * the same pages and the same facade path, the message's sender and the Provenance's agent are the family
 * member's RelatedPerson (on behalf of the patient), the conversation shows their name, and a family member can
 * neither write as the patient nor write at all under a limited Consent (messages are not a part it can open).
 */
describe('secure messages written by a family member on the patient’s behalf', function () {
  this.timeout(240_000);
  let portal: RunningPortal;
  let a: Onboarded;
  /** A family member of A (everything unless told otherwise), registered, signed in, with a token for the facade. */
  const member = (overrides: Partial<FamilyInvitationInput> = {}) => addFamilyMember(portal, a, overrides);

  const post = (token: string, body: unknown) =>
    fetch(`${portal.url}/fhir/Communication`, {
      method: 'POST',
      headers: { authorization: `Bearer ${token}`, 'content-type': 'application/fhir+json' },
      body: JSON.stringify(body),
    });
  const textOf = (body: string) => body.replace(/<[^>]+>/g, ' ').replace(/\s+/g, ' ');

  before(async () => {
    portal = await startPortal({ PRACTICE_HOURS: 'mon-sun 00:00-23:59' });
    a = await onboard(portal.ctx, portal.smtp);
  });
  after(() => portal.stop());

  it('a family member with everything writes through the pages; sender and Provenance name their RelatedPerson on behalf of the patient; both sides see their name', async () => {
    const lucia = await member();
    expect(lucia.relatedPerson).to.match(/^RelatedPerson\//);
    const form = await lucia.browser.get('/messages/new');
    const created = await post(lucia.token, { resourceType: 'Communication', topic: { coding: [{ system: messageTopicSystem, code: 'appointments' }], text: 'Cita para mamá' } });
    expect(created.status).to.equal(201);
    const thread = /\/Communication\/([^/]+)\/_history\//.exec(created.headers.get('location')!)![1]!;
    expect(form.status).to.equal(200);
    // The reply form of the pages, as the family member's browser sends it.
    const page = await lucia.browser.get(`/messages/${thread}`);
    const csrf = /name="_csrf" value="([^"]+)"/.exec(page.body)![1]!;
    const key = /name="key" value="([^"]+)"/.exec(page.body)![1]!;
    const body = new FormData();
    body.set('_csrf', csrf);
    body.set('key', key);
    body.set('text', '¿Puede mamá venir el martes? FAMILIA-TEXTO');
    const sent = await fetch(`${portal.url}/messages/${thread}`, {
      method: 'POST',
      redirect: 'manual',
      headers: { cookie: [...lucia.browser.cookies].map(([k, v]) => `${k}=${v}`).join('; ') },
      body,
    });
    expect(sent.status).to.equal(303);
    const messages = ((await portal.ctx.messaging.fhir.search<Communication>('Communication', { 'part-of': `Communication/${thread}` })).entry ?? []).map((e) => e.resource!);
    expect(messages.map((m) => [m.sender?.reference, m.subject?.reference])).to.deep.equal([[lucia.relatedPerson, `Patient/${a.patient.id}`]]);
    const provenance = ((await portal.ctx.messaging.fhir.search<Provenance>('Provenance', { target: `Communication/${messages[0]!.id}` })).entry ?? []).map((e) => e.resource!);
    expect(provenance.map((p) => [p.agent[0]?.who?.reference, p.agent[0]?.onBehalfOf?.reference])).to.deep.equal([[lucia.relatedPerson, `Patient/${a.patient.id}`]]);
    // The patient sees who wrote it, on their behalf.
    const patient = new HttpClient(portal.url);
    const login = await patient.get('/auth/login');
    await patient.submit(formAction(login.body, /^\/interaction\//), { email: a.email, password: a.password, birthDate: a.patient.birthDate });
    const seen = textOf((await patient.get(`/messages/${thread}`)).body);
    expect(seen).to.include('Lucía Núñez (familiar, en nombre del paciente)');
    expect(seen).to.include('FAMILIA-TEXTO');
    // The family member sees their own message as theirs.
    expect(textOf((await lucia.browser.get(`/messages/${thread}`)).body)).to.include('Usted');
  });

  it('a family member cannot write as the patient, and a limited Consent cannot write messages at all', async () => {
    const lucia = await member();
    const asPatient = await post(lucia.token, {
      resourceType: 'Communication',
      sender: { reference: `Patient/${a.patient.id}` },
      topic: { coding: [{ system: messageTopicSystem, code: 'doctor' }], text: 'como paciente' },
    });
    expect(asPatient.status).to.equal(403);
    const limited = await member({ access: 'limited', parts: ['appointments'] });
    const refused = await post(limited.token, { resourceType: 'Communication', topic: { coding: [{ system: messageTopicSystem, code: 'doctor' }], text: 'limitado' } });
    expect(refused.status).to.equal(403);
  });

  it('a message’s attachment opens for a family member with everything; a limited Consent opens no message, so not its attachment either', async () => {
    const patientToken = await (async () => {
      const browser = new HttpClient(portal.url);
      const login = await browser.get('/auth/login');
      await browser.submit(formAction(login.body, /^\/interaction\//), { email: a.email, password: a.password, birthDate: a.patient.birthDate });
      const rows = await portal.ctx.db.query<{ token: string }>(
        "SELECT data->'tokens'->>'accessToken' AS token FROM web_sessions WHERE account_id = $1 ORDER BY created_at DESC LIMIT 1",
        [a.accountId],
      );
      return rows.rows[0]!.token;
    })();
    const created = await post(patientToken, { resourceType: 'Communication', topic: { coding: [{ system: messageTopicSystem, code: 'results' }], text: 'Resultados adjuntos' } });
    const thread = /\/Communication\/([^/]+)\/_history\//.exec(created.headers.get('location')!)![1]!;
    const pdf = Buffer.from('%PDF-1.4\n1 0 obj<<>>endobj\ntrailer<<>>\n%%EOF\n');
    const stored = await fetch(`${portal.url}/fhir/Binary`, {
      method: 'POST',
      headers: { authorization: `Bearer ${patientToken}`, 'content-type': 'application/fhir+json' },
      body: JSON.stringify({ resourceType: 'Binary', contentType: 'application/pdf', data: pdf.toString('base64') }),
    });
    const binary = /\/Binary\/([^/]+)\/_history\//.exec(stored.headers.get('location')!)![1]!;
    const sent = await post(patientToken, {
      resourceType: 'Communication',
      partOf: [{ reference: `Communication/${thread}` }],
      payload: [{ contentString: 'el informe' }, { contentAttachment: { contentType: 'application/pdf', url: `Binary/${binary}`, title: 'informe.pdf' } }],
    });
    expect(sent.status).to.equal(201);
    const open = (token: string) => fetch(`${portal.url}/fhir/Binary/${binary}`, { headers: { authorization: `Bearer ${token}` } });
    const everything = await member();
    const opened = await open(everything.token);
    expect(opened.status).to.equal(200);
    expect(opened.headers.get('content-type')).to.equal('application/pdf');
    expect(Buffer.from(await opened.arrayBuffer()).equals(pdf)).to.equal(true);
    // A limited Consent never opens Communication (no part names it): with documents the Binary is the uniform 404, without them out of scope.
    expect((await open((await member({ access: 'limited', parts: ['documents'] })).token)).status).to.equal(404);
    expect((await open((await member({ access: 'limited', parts: ['appointments'] })).token)).status).to.equal(403);
  });
});
