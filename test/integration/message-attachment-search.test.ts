import { expect } from 'chai';
import { createServer, request as httpRequest, type Server } from 'node:http';
import type { Bundle, Communication } from '@medplum/fhirtypes';
import { HttpClient, formAction } from '../support/http-client.ts';
import { startPortal, type RunningPortal } from '../support/portal.ts';
import { onboard, type Onboarded } from '../support/onboard.ts';
import { testEnvironment } from '../support/environment.ts';
import { categoryCoding, messageTopicSystem } from '../../src/core/fhir/messages.ts';

/**
 * A message's attachment is found with ONE search (src/fhir/binary-access.ts): HAPI loads the project's
 * SearchParameter `attachment-url` on Communication (fhir-profiles/SearchParameter-communication-attachment-url.json),
 * and the facade asks `Communication?attachment-url=…&patient=…` once, however many messages came after it.
 * The portal talks to the real HAPI through a recording HTTP relay, so the test sees every request it makes.
 */
describe('a message’s attachment found with one search on the attachment-url parameter', function () {
  this.timeout(240_000);
  let hapi: string;
  let relay: Server;
  let requests: string[] = [];
  let portal: RunningPortal;
  let a: Onboarded;
  let token: string;
  let thread: string;
  let binary: string;
  let message: string;
  const pdf = Buffer.from('%PDF-1.4\n1 0 obj<<>>endobj\ntrailer<<>>\n%%EOF\n');

  const post = async (path: string, body: unknown) => {
    const answer = await fetch(`${portal.url}/fhir/${path}`, {
      method: 'POST',
      headers: { authorization: `Bearer ${token}`, 'content-type': 'application/fhir+json' },
      body: JSON.stringify(body),
    });
    expect(answer.status, await answer.clone().text()).to.equal(201);
    return /\/(?:Communication|Binary)\/([^/]+)\/_history\//.exec(answer.headers.get('location')!)![1]!;
  };
  /** The portal's searches of messages, and any further page of a search (HAPI's `_getpages`, which names no type). */
  const communicationSearches = () => requests.filter((line) => line.startsWith('GET /fhir/Communication?') || line.includes('_getpages='));

  before(async () => {
    hapi = testEnvironment().hapi.baseUrl;
    // A relay in front of HAPI that notes each request line (method and path with query) and passes it on as it is.
    const target = new URL(hapi);
    relay = createServer((req, res) => {
      requests.push(`${req.method} ${req.url}`);
      const upstream = httpRequest({ host: target.hostname, port: target.port, method: req.method, path: req.url, headers: req.headers }, (answer) => {
        res.writeHead(answer.statusCode ?? 502, answer.headers);
        answer.pipe(res);
      });
      upstream.on('error', () => res.destroy());
      req.pipe(upstream);
    });
    await new Promise<void>((resolve) => relay.listen(0, '127.0.0.1', resolve));
    const { port } = relay.address() as { port: number };
    portal = await startPortal({ FHIR_UPSTREAM_URL: `http://127.0.0.1:${port}${target.pathname}`, PRACTICE_HOURS: 'mon-sun 00:00-23:59' });
    a = await onboard(portal.ctx, portal.smtp);
    const browser = new HttpClient(portal.url);
    const login = await browser.get('/auth/login');
    await browser.submit(formAction(login.body, /^\/interaction\//), { email: a.email, password: a.password, birthDate: a.patient.birthDate });
    token = (await portal.ctx.db.query<{ token: string }>("SELECT data->'tokens'->>'accessToken' AS token FROM web_sessions WHERE account_id = $1", [a.accountId])).rows[0]!.token;
    thread = await post('Communication', { resourceType: 'Communication', topic: { coding: [{ system: messageTopicSystem, code: 'results' }], text: 'Informe antiguo' } });
    binary = await post('Binary', { resourceType: 'Binary', contentType: 'application/pdf', data: pdf.toString('base64') });
    message = await post('Communication', {
      resourceType: 'Communication',
      partOf: [{ reference: `Communication/${thread}` }],
      payload: [{ contentString: 'el informe' }, { contentAttachment: { contentType: 'application/pdf', url: `Binary/${binary}`, title: 'informe.pdf' } }],
    });
    // 120 later messages in the same conversation, written straight into HAPI (one transaction): the attachment's
    // message is no longer among the patient's newest 100.
    const later: Communication[] = Array.from({ length: 120 }, (_, i) => ({
      resourceType: 'Communication',
      status: 'completed',
      category: [{ coding: [categoryCoding('message')] }],
      partOf: [{ reference: `Communication/${thread}` }],
      subject: { reference: `Patient/${a.patient.id}` },
      sent: new Date(Date.now() + (i + 1) * 60_000).toISOString(),
      payload: [{ contentString: `mensaje ${i + 1}` }],
    }));
    const bundle: Bundle = { resourceType: 'Bundle', type: 'transaction', entry: later.map((resource) => ({ resource, request: { method: 'POST', url: 'Communication' } })) };
    const written = await fetch(hapi, { method: 'POST', headers: { 'content-type': 'application/fhir+json' }, body: JSON.stringify(bundle) });
    expect(written.status, await written.clone().text()).to.equal(200);
  });
  after(async () => {
    await portal?.stop();
    await new Promise((resolve) => relay?.close(resolve));
  });

  it('HAPI knows the parameter: an exact attachment url finds that message only', async () => {
    const search = async (query: string) => {
      const answer = await fetch(`${hapi}/Communication?${query}`, { headers: { 'cache-control': 'no-cache', prefer: 'handling=strict' } });
      expect(answer.status).to.equal(200);
      return ((await answer.json()) as Bundle<Communication>).entry?.map((entry) => entry.resource!.id) ?? [];
    };
    expect(await search(`attachment-url=Binary/${binary}&patient=Patient/${a.patient.id}`)).to.deep.equal([message]);
    expect(await search(`attachment-url=${encodeURIComponent(`https://elsewhere.example/fhir/Binary/${binary}`)}`)).to.deep.equal([]);
    expect(await search(`attachment-url=Binary/${binary.slice(0, -1)}`), 'no prefix match').to.deep.equal([]);
  });

  it('opens the attachment of a message older than the newest 100 with one Communication search', async () => {
    requests = [];
    const opened = await fetch(`${portal.url}/fhir/Binary/${binary}`, { headers: { authorization: `Bearer ${token}` } });
    expect(opened.status).to.equal(200);
    expect(opened.headers.get('content-type')).to.equal('application/pdf');
    expect(Buffer.from(await opened.arrayBuffer()).equals(pdf)).to.equal(true);
    const searches = communicationSearches();
    expect(searches, requests.join('\n')).to.have.length(1);
    const query = new URL(searches[0]!.slice('GET '.length), 'http://x').searchParams;
    expect(query.get('attachment-url')?.split(',')).to.include(`Binary/${binary}`);
    expect(query.get('patient')).to.equal(`Patient/${a.patient.id}`);
  });

  it('a Binary no message names is the uniform 404 after the same single search', async () => {
    const other = await post('Binary', { resourceType: 'Binary', contentType: 'application/pdf', data: pdf.toString('base64') });
    requests = [];
    const refused = await fetch(`${portal.url}/fhir/Binary/${other}`, { headers: { authorization: `Bearer ${token}`, accept: 'application/fhir+json' } });
    expect(refused.status).to.equal(404);
    expect(communicationSearches()).to.have.length(1);
    expect(
      requests.filter((line) => line.startsWith(`GET /fhir/Binary/${other}`)),
      'the Binary never fetched',
    ).to.deep.equal([]);
  });
});
