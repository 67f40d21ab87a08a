import { expect } from 'chai';
import { request as httpRequest } from 'node:http';
import { connect } from 'node:net';
import type { Binary, Bundle, Communication, OperationOutcome, Provenance, Resource, Task } from '@medplum/fhirtypes';
import { HttpClient, formAction } from '../support/http-client.ts';
import { startPortal, type RunningPortal } from '../support/portal.ts';
import { onboard, type Onboarded } from '../support/onboard.ts';
import { leakMatcher } from '../support/leak-matcher.ts';
import { authorizationCode, webClientToken } from '../support/oauth.ts';
import { messagePoolSystem, messageTopicSystem } from '../../src/core/fhir/messages.ts';

interface Answer {
  readonly status: number;
  readonly body: string;
  readonly location: string | undefined;
}

const pdf = Buffer.from('%PDF-1.4\n1 0 obj<<>>endobj\ntrailer<<>>\n%%EOF\n');
const png = Buffer.from([0x89, 0x50, 0x4e, 0x47, 0x0d, 0x0a, 0x1a, 0x0a, 0, 0, 0, 13]);

/**
 * The facade's write path (DESIGN.md "The facade's write path", issue #14) against the real HAPI: patient A
 * creates conversations and messages through /fhir with the web app's own token; every shape that would
 * write into patient B's record, as B, or around the checks is refused before HAPI is asked, the same way
 * whether B's data exists or not, and no answer carries B's data.
 */
describe('FHIR facade write path: Communication and Binary creates', function () {
  this.timeout(180_000);
  let portal: RunningPortal;
  let a: Onboarded;
  let b: Onboarded;
  let tokenA: string;
  let tokenB: string;
  let threadB: string;
  let binaryB: string;
  let findB: (text: string) => string[];

  async function webToken(person: Onboarded): Promise<string> {
    const browser = new HttpClient(portal.url);
    const form = await browser.get('/auth/login');
    await browser.submit(formAction(form.body, /^\/interaction\//), { email: person.email, password: person.password, birthDate: person.patient.birthDate });
    const rows = await portal.ctx.db.query<{ token: string }>("SELECT data->'tokens'->>'accessToken' AS token FROM web_sessions WHERE account_id = $1", [person.accountId]);
    return rows.rows[0]!.token;
  }

  async function scopedToken(person: Onboarded, scope: string): Promise<string> {
    const { code, verifier } = await authorizationCode(portal, person, `openid fhirUser launch/patient ${scope}`);
    const answer = await webClientToken(portal, { grant_type: 'authorization_code', code, code_verifier: verifier, redirect_uri: `${portal.url}/auth/callback` });
    expect(answer.status).to.equal(200);
    return answer.json['access_token'] as string;
  }

  function send(method: string, path: string, options: { headers?: Record<string, string>; body?: unknown; token?: string | null } = {}): Promise<Answer> {
    const url = new URL(portal.url);
    const token = options.token === undefined ? tokenA : options.token;
    const body = options.body === undefined ? undefined : typeof options.body === 'string' ? options.body : JSON.stringify(options.body);
    return new Promise((resolve, reject) => {
      const req = httpRequest(
        {
          host: url.hostname,
          port: url.port,
          method,
          path,
          headers: {
            accept: 'application/fhir+json',
            ...(body !== undefined ? { 'content-type': 'application/fhir+json' } : {}),
            ...(token ? { authorization: `Bearer ${token}` } : {}),
            ...options.headers,
          },
        },
        (res) => {
          let text = '';
          res.setEncoding('utf8');
          res.on('data', (chunk: string) => (text += chunk));
          res.on('end', () => resolve({ status: res.statusCode ?? 0, body: text, location: res.headers.location }));
        },
      );
      req.on('error', reject);
      if (body !== undefined) req.write(body);
      req.end();
    });
  }

  const thread = (subject: string, topic = 'doctor') => ({ resourceType: 'Communication', topic: { coding: [{ system: messageTopicSystem, code: topic }], text: subject } });
  const message = (header: string, text: string, extra: Record<string, unknown> = {}) => ({
    resourceType: 'Communication',
    partOf: [{ reference: `Communication/${header}` }],
    payload: [{ contentString: text }],
    ...extra,
  });
  const idOf = (answer: Answer) => /\/Communication\/([^/]+)\/_history\//.exec(answer.location ?? '')?.[1] ?? /\/Binary\/([^/]+)\/_history\//.exec(answer.location ?? '')?.[1];
  const text = (answer: Answer) => (JSON.parse(answer.body) as OperationOutcome).issue?.[0]?.details?.text;

  const found = async <T extends Resource>(type: T['resourceType'], params: Record<string, string>): Promise<T[]> =>
    ((await portal.ctx.fhir.search<T>(type as never, params)).entry ?? []).map((entry) => entry.resource!);

  before(async () => {
    portal = await startPortal();
    [a, b] = [await onboard(portal.ctx, portal.smtp), await onboard(portal.ctx, portal.smtp)];
    tokenA = await webToken(a);
    tokenB = await webToken(b);
    const created = await send('POST', '/fhir/Communication', { token: tokenB, body: thread('BRAVO private subject') });
    expect(created.status, created.body).to.equal(201);
    threadB = idOf(created)!;
    const bin = await send('POST', '/fhir/Binary', { token: tokenB, body: { resourceType: 'Binary', contentType: 'application/pdf', data: pdf.toString('base64') } });
    expect(bin.status, bin.body).to.equal(201);
    binaryB = idOf(bin)!;
    findB = leakMatcher({ ids: [b.patient.id, threadB, binaryB], texts: [b.patient.mrn, b.patient.family, 'BRAVO'] });
  });
  after(() => portal.stop());

  it('creates a conversation: 201 with Location on the facade, subject and sender forced to the token’s patient, Provenance and routing Task in the same transaction, audited', async () => {
    const answer = await send('POST', '/fhir/Communication', {
      body: { ...thread('Dolor de rodilla'), id: 'client-chosen', meta: { tag: [{ code: 'x' }] }, text: { status: 'generated', div: '<div>x</div>' } },
    });
    expect(answer.status, answer.body).to.equal(201);
    expect(answer.location).to.match(new RegExp(`^${portal.url}/fhir/Communication/[A-Za-z0-9.-]+/_history/1$`));
    const id = idOf(answer)!;
    expect(id).not.to.equal('client-chosen');
    const created = JSON.parse(answer.body) as Communication;
    expect(created.subject?.reference).to.equal(`Patient/${a.patient.id}`);
    expect(created.sender?.reference).to.equal(`Patient/${a.patient.id}`);
    expect(created.status).to.equal('in-progress');
    expect(created.topic?.text).to.equal('Dolor de rodilla');
    expect(created.text).to.equal(undefined);
    expect(created.meta?.tag ?? []).to.deep.equal([]);
    const provenance = await found<Provenance>('Provenance', { target: `Communication/${id}` });
    expect(provenance.map((p) => p.agent[0]?.who?.reference)).to.deep.equal([`Patient/${a.patient.id}`]);
    const tasks = await found<Task>('Task', { focus: `Communication/${id}` });
    expect(tasks).to.have.length(1);
    expect(tasks[0]!.for?.reference).to.equal(`Patient/${a.patient.id}`);
    expect(tasks[0]!.performerType?.[0]?.coding?.[0]).to.deep.include({ system: messagePoolSystem, code: 'care-team' });
    expect(Date.parse(tasks[0]!.restriction!.period!.end!)).to.be.greaterThan(Date.now() + 24 * 3600_000);
    const audit = await portal.ctx.db.query<{ resource: { subtype: { code: string }[]; action: string; outcome: string; entity: { what?: { reference: string } }[] } }>(
      "SELECT resource FROM audit_events WHERE resource->'subtype'->0->>'code' = 'create' AND resource::text LIKE $1",
      [`%Communication/${id}/_history/1%`],
    );
    expect(audit.rows).to.have.length(1);
    expect(audit.rows[0]!.resource.action).to.equal('C');
    expect(audit.rows[0]!.resource.outcome).to.equal('0');
    expect(JSON.stringify(audit.rows[0]!.resource)).not.to.include('Dolor de rodilla');
  });

  it('posts a message into its own thread; a double submit with one Idempotency-Key creates one message', async () => {
    const header = idOf(await send('POST', '/fhir/Communication', { body: thread('Receta') }))!;
    const headers = { 'idempotency-key': 'form-1234567890' };
    const first = await send('POST', '/fhir/Communication', { headers, body: message(header, 'Necesito más pastillas') });
    const second = await send('POST', '/fhir/Communication', { headers, body: message(header, 'Necesito más pastillas') });
    expect([first.status, second.status]).to.deep.equal([201, 201]);
    expect(second.location).to.equal(first.location);
    const messages = await found<Communication>('Communication', { 'part-of': `Communication/${header}` });
    expect(messages).to.have.length(1);
    expect(messages[0]!.payload?.[0]?.contentString).to.equal('Necesito más pastillas');
    const changed = await send('POST', '/fhir/Communication', { headers, body: message(header, 'otro texto') });
    expect(changed.status).to.equal(422);
    // A reading token sees its own messages through the facade.
    const read = JSON.parse((await send('GET', `/fhir/Communication?part-of=Communication/${header}`)).body) as Bundle<Communication>;
    expect(read.entry?.map((e) => e.resource?.payload?.[0]?.contentString)).to.deep.equal(['Necesito más pastillas']);
  });

  it('after a replica died mid-write, a retry with the same Idempotency-Key neither loses nor doubles the message', async () => {
    const header = idOf(await send('POST', '/fhir/Communication', { body: thread('Después de un corte') }))!;
    const keyOf = (key: string) => ({ 'idempotency-key': key });
    const claimRow = (key: string) => portal.ctx.db.query<{ request_hash: string; status: string }>('SELECT request_hash, status FROM write_idempotency WHERE key = $1', [key]);
    // 1. The replica died after HAPI wrote the message and before it completed the key: the key is left pending.
    const first = await send('POST', '/fhir/Communication', { headers: keyOf('crash-after-write-1'), body: message(header, 'Escrito antes del corte') });
    expect(first.status, first.body).to.equal(201);
    await portal.ctx.db.query("UPDATE write_idempotency SET status = 'pending', location = NULL WHERE key = $1", ['crash-after-write-1']);
    const tooSoon = await send('POST', '/fhir/Communication', { headers: keyOf('crash-after-write-1'), body: message(header, 'Escrito antes del corte') });
    expect(tooSoon.status, 'a claim younger than the stale age may still be in flight').to.equal(409);
    await portal.ctx.db.query("UPDATE write_idempotency SET created_at = now() - interval '1 hour' WHERE key = $1", ['crash-after-write-1']);
    const retried = await send('POST', '/fhir/Communication', { headers: keyOf('crash-after-write-1'), body: message(header, 'Escrito antes del corte') });
    expect(retried.status, retried.body).to.equal(201);
    expect(retried.location).to.equal(first.location);
    expect((await claimRow('crash-after-write-1')).rows[0]?.status).to.equal('done');
    // 2. The replica died after claiming the key and before HAPI was asked: the retry writes it, once.
    const hash = (await claimRow('crash-after-write-1')).rows[0]!.request_hash;
    const other = await portal.ctx.db.query<{ account_id: string; client_id: string }>('SELECT account_id, client_id FROM write_idempotency WHERE key = $1', [
      'crash-after-write-1',
    ]);
    await portal.ctx.db.query(
      "INSERT INTO write_idempotency (account_id, client_id, key, request_hash, status, created_at) VALUES ($1, $2, 'crash-before-write-2', $3, 'pending', now() - interval '1 hour')",
      [other.rows[0]!.account_id, other.rows[0]!.client_id, hash],
    );
    const written = await send('POST', '/fhir/Communication', { headers: keyOf('crash-before-write-2'), body: message(header, 'Escrito antes del corte') });
    expect(written.status, written.body).to.equal(201);
    expect(written.location).not.to.equal(first.location);
    const again = await send('POST', '/fhir/Communication', { headers: keyOf('crash-before-write-2'), body: message(header, 'Escrito antes del corte') });
    expect(again.location).to.equal(written.location);
    const messages = await found<Communication>('Communication', { 'part-of': `Communication/${header}` });
    expect(messages, 'one message per key').to.have.length(2);
  });

  it('refuses posting into B’s thread exactly as into one that does not exist, and leaks nothing', async () => {
    const intoB = await send('POST', '/fhir/Communication', { body: message(threadB, 'hola') });
    const intoNone = await send('POST', '/fhir/Communication', { body: message('does-not-exist-987', 'hola') });
    expect([intoB.status, intoNone.status]).to.deep.equal([403, 403]);
    expect(intoB.body).to.equal(intoNone.body);
    expect(findB(intoB.body)).to.deep.equal([]);
    expect(await found<Communication>('Communication', { 'part-of': `Communication/${threadB}` })).to.deep.equal([]);
  });

  it('refuses closed threads, and forged subjects or senders the same whether or not they exist', async () => {
    const header = idOf(await send('POST', '/fhir/Communication', { body: thread('Cita') }))!;
    const forgedSender = await send('POST', '/fhir/Communication', { body: message(header, 'x', { sender: { reference: `Patient/${b.patient.id}` } }) });
    const forgedMissing = await send('POST', '/fhir/Communication', { body: message(header, 'x', { sender: { reference: 'Patient/nobody-123' } }) });
    expect([forgedSender.status, forgedMissing.status]).to.deep.equal([403, 403]);
    expect(forgedSender.body).to.equal(forgedMissing.body);
    const forgedSubject = await send('POST', '/fhir/Communication', { body: { ...thread('x'), subject: { reference: `Patient/${b.patient.id}` } } });
    const subjectMissing = await send('POST', '/fhir/Communication', { body: { ...thread('x'), subject: { reference: 'Patient/nobody-123' } } });
    expect([forgedSubject.status, subjectMissing.status]).to.deep.equal([403, 403]);
    expect(forgedSubject.body).to.equal(subjectMissing.body);
    const own = await send('POST', '/fhir/Communication', {
      body: message(header, 'mine', { subject: { reference: `Patient/${a.patient.id}` }, sender: { reference: `Patient/${a.patient.id}` } }),
    });
    expect(own.status).to.equal(201);
    const stored = await portal.ctx.fhir.read<Communication>('Communication', header);
    await portal.ctx.fhir.update<Communication>({ ...stored, id: header, status: 'completed' });
    const closed = await send('POST', '/fhir/Communication', { body: message(header, 'después de cerrar') });
    expect(closed.status).to.equal(409);
    expect(text(closed)).to.equal('Esta conversación está cerrada.');
  });

  it('accepts attachments the facade stored for this patient only; sniffs the type; refuses empty ones', async () => {
    const header = idOf(await send('POST', '/fhir/Communication', { body: thread('Resultados', 'results') }))!;
    const ownPdf = await send('POST', '/fhir/Binary', { body: { resourceType: 'Binary', contentType: 'application/pdf', data: pdf.toString('base64') } });
    expect(ownPdf.status, ownPdf.body).to.equal(201);
    const attach = (binary: string, contentType = 'application/pdf') =>
      message(header, 'adjunto', { payload: [{ contentString: 'adjunto' }, { contentAttachment: { contentType, url: `Binary/${binary}` } }] });
    expect((await send('POST', '/fhir/Communication', { body: attach(idOf(ownPdf)!) })).status).to.equal(201);
    const theirs = await send('POST', '/fhir/Communication', { body: attach(binaryB) });
    const none = await send('POST', '/fhir/Communication', { body: attach('no-such-binary-1') });
    // A file is attached once: the same Binary named by a second message is refused like another patient's (upload it again).
    const again = await send('POST', '/fhir/Communication', { body: attach(idOf(ownPdf)!) });
    // A Binary of this patient the facade did not store for this writer (no Provenance naming them) is refused too.
    const notUploaded = await portal.ctx.fhir.create<Binary>({
      resourceType: 'Binary',
      contentType: 'application/pdf',
      securityContext: { reference: `Patient/${a.patient.id}` },
      data: pdf.toString('base64'),
    });
    const foreign = await send('POST', '/fhir/Communication', { body: attach(notUploaded.id!) });
    expect([theirs.status, none.status, again.status, foreign.status]).to.deep.equal([403, 403, 403, 403]);
    expect(theirs.body).to.equal(none.body);
    expect(again.body).to.equal(none.body);
    expect(foreign.body).to.equal(none.body);
    const binary = (data: Buffer, contentType: string) => send('POST', '/fhir/Binary', { body: { resourceType: 'Binary', contentType, data: data.toString('base64') } });
    expect((await binary(png, 'image/png')).status).to.equal(201);
    const lying = await binary(png, 'application/pdf');
    expect([lying.status, text(lying)]).to.deep.equal([400, 'Los archivos adjuntos deben ser PDF, JPEG o PNG.']);
    const empty = await binary(Buffer.alloc(0), 'application/pdf');
    expect([empty.status, text(empty)]).to.deep.equal([400, 'El archivo adjunto está vacío.']);
    const html = await binary(Buffer.from('<html><script>alert(1)</script>'), 'application/pdf');
    expect(html.status).to.equal(400);
    const big = await binary(Buffer.concat([pdf, Buffer.alloc(10 * 1024 * 1024)]), 'application/pdf');
    expect([big.status, text(big)]).to.deep.equal([400, 'El archivo adjunto pesa más de 10 MB.']);
  });

  it('opens a message’s attachment for the patient (bytes and type); B’s token gets the 404 of a missing Binary', async () => {
    const header = idOf(await send('POST', '/fhir/Communication', { body: thread('Foto de la receta') }))!;
    const stored = await send('POST', '/fhir/Binary', { body: { resourceType: 'Binary', contentType: 'image/png', data: png.toString('base64') } });
    const binary = idOf(stored)!;
    const sent = await send('POST', '/fhir/Communication', {
      body: message(header, 'adjunto', {
        payload: [{ contentString: 'adjunto' }, { contentAttachment: { contentType: 'image/png', url: `Binary/${binary}`, title: 'receta.png' } }],
      }),
    });
    expect(sent.status, sent.body).to.equal(201);
    const raw = await fetch(`${portal.url}/fhir/Binary/${binary}`, { headers: { authorization: `Bearer ${tokenA}`, accept: '*/*' } });
    expect(raw.status).to.equal(200);
    expect(raw.headers.get('content-type')).to.equal('image/png');
    expect(raw.headers.get('x-content-type-options')).to.equal('nosniff');
    expect(Buffer.from(await raw.arrayBuffer()).equals(png)).to.equal(true);
    const resource = await send('GET', `/fhir/Binary/${binary}`);
    expect(JSON.parse(resource.body)).to.include({ resourceType: 'Binary', id: binary, contentType: 'image/png' });
    // B: A's attachment answers exactly like a Binary that does not exist; and A cannot open B's stored Binary.
    const asB = await send('GET', `/fhir/Binary/${binary}`, { token: tokenB });
    const missing = await send('GET', '/fhir/Binary/no-such-binary-2', { token: tokenB });
    expect([asB.status, missing.status]).to.deep.equal([404, 404]);
    expect(asB.body).to.equal(missing.body);
    expect((await send('GET', `/fhir/Binary/${binaryB}`)).status).to.equal(404);
  });

  it('checks SMART scopes: v1 .write writes, a read-only token does not', async () => {
    const v1 = await scopedToken(a, 'patient/*.read patient/Communication.write');
    expect((await send('POST', '/fhir/Communication', { token: v1, body: thread('v1') })).status).to.equal(201);
    const readOnly = await scopedToken(a, 'patient/*.rs');
    const refused = await send('POST', '/fhir/Communication', { token: readOnly, body: thread('solo lectura') });
    expect(refused.status).to.equal(403);
    // Create without read: 201 with an OperationOutcome, never the resource.
    const createOnly = await scopedToken(a, 'patient/Communication.c');
    const blind = await send('POST', '/fhir/Communication', { token: createOnly, body: thread('sin lectura') });
    expect(blind.status).to.equal(201);
    expect((JSON.parse(blind.body) as { resourceType: string }).resourceType).to.equal('OperationOutcome');
    expect((await send('POST', '/fhir/Communication', { token: null, body: thread('x') })).status).to.equal(401);
  });

  it('refuses an anonymous or unscoped POST before reading its body: the answer comes while a 14 MB upload is unfinished', async () => {
    const readOnly = await scopedToken(a, 'patient/*.rs');
    /** Announces 14 MB, sends 64 KB and waits: the answer and the closed connection arrive without the rest. */
    const unfinishedUpload = (authorization?: string) =>
      new Promise<{ status: number; head: string }>((resolve, reject) => {
        const url = new URL(portal.url);
        const socket = connect(Number(url.port), url.hostname);
        let answer = '';
        socket.setEncoding('utf8');
        socket.on('data', (chunk: string) => (answer += chunk));
        socket.on('end', () => {
          const head = answer.split('\r\n\r\n')[0]!.toLowerCase();
          resolve({ status: Number(/^http\/1\.1 (\d{3})/.exec(head)?.[1]), head });
          socket.destroy();
        });
        socket.on('error', reject);
        const lines = ['POST /fhir/Binary HTTP/1.1', `Host: ${url.host}`, 'Content-Type: application/fhir+json', 'Content-Length: 14000000'];
        if (authorization) lines.push(`Authorization: ${authorization}`);
        socket.write(`${lines.join('\r\n')}\r\n\r\n`);
        socket.write(Buffer.alloc(64 * 1024, 0x20));
      });
    const anonymous = await unfinishedUpload();
    expect(anonymous.status).to.equal(401);
    expect(anonymous.head).to.include('www-authenticate: bearer error="invalid_token"');
    expect(anonymous.head).to.include('connection: close');
    const unscoped = await unfinishedUpload(`Bearer ${readOnly}`);
    expect(unscoped.status).to.equal(403);
    expect(unscoped.head).to.include('connection: close');
  });

  it('says in its CapabilityStatement what the write path allows: create of Communication and Binary, never conditionally', async () => {
    const metadata = JSON.parse((await send('GET', '/fhir/metadata', { token: null })).body) as {
      rest: { resource: { type: string; interaction: { code: string }[]; conditionalCreate?: boolean }[] }[];
    };
    const byType = new Map(metadata.rest[0]!.resource.map((r) => [r.type, r]));
    expect(byType.get('Communication')?.interaction.map((i) => i.code)).to.deep.equal(['read', 'search-type', 'create']);
    expect(byType.get('Binary')?.interaction.map((i) => i.code)).to.deep.equal(['read', 'create']);
    expect([byType.get('Communication')?.conditionalCreate, byType.get('Binary')?.conditionalCreate]).to.deep.equal([false, false]);
    expect(byType.get('Observation')?.interaction.map((i) => i.code)).to.deep.equal(['read', 'search-type']);
  });

  it('refuses every write shape around the checks before HAPI is asked, without a byte of B’s data', async () => {
    const own = idOf(await send('POST', '/fhir/Communication', { body: thread('propio') }))!;
    const B = b.patient.id;
    const shapes: [string, string, string, unknown?, Record<string, string>?][] = [
      ['conditional create (If-None-Exist)', 'POST', '/fhir/Communication', thread('x'), { 'if-none-exist': `subject=Patient/${B}` }],
      ['conditional create by URL', 'POST', `/fhir/Communication?subject=Patient/${B}`, thread('x')],
      [
        'transaction',
        'POST',
        '/fhir',
        { resourceType: 'Bundle', type: 'transaction', entry: [{ resource: message(threadB, 'x'), request: { method: 'POST', url: 'Communication' } }] },
      ],
      ['batch', 'POST', '/fhir/', { resourceType: 'Bundle', type: 'batch', entry: [{ request: { method: 'GET', url: `Communication/${threadB}` } }] }],
      ['_history of a message (GET)', 'GET', `/fhir/Communication/${threadB}/_history`],
      ['_history version of a message (GET)', 'GET', `/fhir/Communication/${threadB}/_history/1`],
      ['_history by POST', 'POST', `/fhir/Communication/${threadB}/_history`, message(threadB, 'x')],
      ['create with an id in the URL', 'POST', `/fhir/Communication/${threadB}`, message(threadB, 'x')],
      ['update B’s thread', 'PUT', `/fhir/Communication/${threadB}`, { resourceType: 'Communication', id: threadB, status: 'completed' }],
      ['update-as-create', 'PUT', '/fhir/Communication/brand-new-id', message(own, 'x')],
      ['patch', 'PATCH', `/fhir/Communication/${threadB}`, [{ op: 'replace', path: '/status', value: 'completed' }]],
      ['delete', 'DELETE', `/fhir/Communication/${threadB}`],
      ['$process-message', 'POST', '/fhir/$process-message', { resourceType: 'Bundle', type: 'message' }],
      [
        'X-Provenance',
        'POST',
        '/fhir/Communication',
        thread('x'),
        { 'x-provenance': JSON.stringify({ resourceType: 'Provenance', agent: [{ who: { reference: `Patient/${B}` } }] }) },
      ],
      ['POST _search of B’s thread', 'POST', '/fhir/Communication/_search', `part-of=Communication/${threadB}`, { 'content-type': 'application/x-www-form-urlencoded' }],
      ['XML body', 'POST', '/fhir/Communication', '<Communication xmlns="http://hl7.org/fhir"/>', { 'content-type': 'application/fhir+xml' }],
      ['resourceType differs from the URL', 'POST', '/fhir/Communication', { resourceType: 'Observation', status: 'final', subject: { reference: `Patient/${B}` } }],
      ['other writable-looking type', 'POST', '/fhir/Observation', { resourceType: 'Observation', status: 'final', code: { text: 'x' }, subject: { reference: `Patient/${B}` } }],
      ['Patient create', 'POST', '/fhir/Patient', { resourceType: 'Patient' }],
      ['Provenance create', 'POST', '/fhir/Provenance', { resourceType: 'Provenance' }],
      ['Task create', 'POST', '/fhir/Task', { resourceType: 'Task', focus: { reference: `Communication/${threadB}` } }],
      ['lower-case type', 'POST', '/fhir/communication', thread('x')],
      ['encoded slash', 'POST', `/fhir/Communication%2F${threadB}`, thread('x')],
      ['dot segments', 'POST', `/fhir/Communication/../Communication`, thread('x')],
      ['recipient B', 'POST', '/fhir/Communication', message(own, 'x', { recipient: [{ reference: `Patient/${B}` }] })],
      ['recipient a RelatedPerson', 'POST', '/fhir/Communication', message(own, 'x', { recipient: [{ reference: 'RelatedPerson/1' }] })],
      ['partOf B’s thread by absolute URL', 'POST', '/fhir/Communication', message(own, 'x', { partOf: [{ reference: `${portal.url}/fhir/Communication/${threadB}` }] })],
      ['partOf two threads', 'POST', '/fhir/Communication', message(own, 'x', { partOf: [{ reference: `Communication/${own}` }, { reference: `Communication/${threadB}` }] })],
      ['partOf by identifier', 'POST', '/fhir/Communication', message(own, 'x', { partOf: [{ identifier: { value: threadB } }] })],
      ['partOf a foreign server', 'POST', '/fhir/Communication', message(own, 'x', { partOf: [{ reference: `https://evil.example/fhir/Communication/${threadB}` }] })],
      ['inResponseTo B’s thread', 'POST', '/fhir/Communication', message(own, 'x', { inResponseTo: [{ reference: `Communication/${threadB}` }] })],
      ['contained Patient', 'POST', '/fhir/Communication', message(own, 'x', { contained: [{ resourceType: 'Patient', id: 'p' }], subject: { reference: '#p' } })],
      ['extension', 'POST', '/fhir/Communication', message(own, 'x', { extension: [{ url: 'https://evil.example', valueString: 'x' }] })],
      ['modifierExtension', 'POST', '/fhir/Communication', message(own, 'x', { modifierExtension: [{ url: 'https://evil.example', valueBoolean: true }] })],
      ['about B', 'POST', '/fhir/Communication', message(own, 'x', { about: [{ reference: `Patient/${B}` }] })],
      ['encounter of B', 'POST', '/fhir/Communication', message(own, 'x', { encounter: { reference: 'Encounter/1' } })],
      ['category internal-note', 'POST', '/fhir/Communication', message(own, 'x', { category: [{ coding: [{ code: 'internal-note' }] }] })],
      ['status entered-in-error', 'POST', '/fhir/Communication', message(own, 'x', { status: 'entered-in-error' })],
      ['received / sent', 'POST', '/fhir/Communication', message(own, 'x', { received: '2020-01-01T00:00:00Z' })],
      ['empty text', 'POST', '/fhir/Communication', message(own, '   ')],
      ['text over 10,000 characters', 'POST', '/fhir/Communication', message(own, 'x'.repeat(10_001))],
      ['two texts', 'POST', '/fhir/Communication', message(own, 'x', { payload: [{ contentString: 'a' }, { contentString: 'b' }] })],
      ['payload reference to B', 'POST', '/fhir/Communication', message(own, 'x', { payload: [{ contentString: 'a' }, { contentReference: { reference: `Patient/${B}` } }] })],
      [
        'attachment by data inline',
        'POST',
        '/fhir/Communication',
        message(own, 'x', { payload: [{ contentString: 'a' }, { contentAttachment: { contentType: 'application/pdf', data: pdf.toString('base64') } }] }),
      ],
      [
        'attachment on another server',
        'POST',
        '/fhir/Communication',
        message(own, 'x', { payload: [{ contentString: 'a' }, { contentAttachment: { contentType: 'application/pdf', url: 'https://evil.example/x.pdf' } }] }),
      ],
      [
        'six attachments',
        'POST',
        '/fhir/Communication',
        message(own, 'x', {
          payload: [{ contentString: 'a' }, ...Array.from({ length: 6 }, () => ({ contentAttachment: { contentType: 'application/pdf', url: `Binary/${binaryB}` } }))],
        }),
      ],
      ['topic not on the practice’s list', 'POST', '/fhir/Communication', thread('x', 'billing-secret')],
      ['thread with payload', 'POST', '/fhir/Communication', { ...thread('x'), payload: [{ contentString: 'x' }] }],
      [
        'Binary with securityContext B',
        'POST',
        '/fhir/Binary',
        { resourceType: 'Binary', contentType: 'application/pdf', data: pdf.toString('base64'), securityContext: { reference: `Patient/${B}` } },
      ],
      ['invalid JSON', 'POST', '/fhir/Communication', '{"resourceType":'],
      ['bad Idempotency-Key', 'POST', '/fhir/Communication', thread('x'), { 'idempotency-key': 'a b' }],
    ];
    expect(shapes.length).to.be.at.least(45);
    const failures: string[] = [];
    const before = (await found<Communication>('Communication', { subject: `Patient/${a.patient.id}`, _count: '200' })).length;
    for (const [name, method, path, body, headers] of shapes) {
      const answer = await send(method, path, { ...(body !== undefined ? { body } : {}), ...(headers ? { headers } : {}) });
      if (answer.status < 400 || answer.status >= 500) failures.push(`${name}: ${answer.status}`);
      const leaked = findB(answer.body);
      if (leaked.length) failures.push(`${name}: leaked ${leaked.join(', ')}`);
      if (answer.location) failures.push(`${name}: Location ${answer.location}`);
    }
    expect(failures).to.deep.equal([]);
    const after = (await found<Communication>('Communication', { subject: `Patient/${a.patient.id}`, _count: '200' })).length;
    expect(after).to.equal(before);
    expect(await found<Communication>('Communication', { 'part-of': `Communication/${threadB}` })).to.deep.equal([]);
    expect((await portal.ctx.fhir.read<Communication>('Communication', threadB)).status).to.equal('in-progress');
    // B's attachment is still only B's.
    expect((await portal.ctx.fhir.read<Binary>('Binary', binaryB)).securityContext?.reference).to.equal(`Patient/${B}`);
  });
});
