import { expect } from 'chai';
import type { Communication, Task } from '@medplum/fhirtypes';
import { HttpClient, formAction, type PageResponse } from '../support/http-client.ts';
import { startPortal, type RunningPortal } from '../support/portal.ts';
import { onboard, type Onboarded } from '../support/onboard.ts';
import { seedStaff } from '../support/seed.ts';
import { findStaffByEmail } from '../../src/store/accounts.ts';
import { claimIdempotencyKey, completeIdempotencyKey } from '../../src/store/write-idempotency.ts';
import { staffWriteHash } from '../../src/messaging/staff-messages.ts';
import { messageProfile, messageReadBySystem, messageTaskProfile, messageThreadProfile } from '../../src/core/fhir/messages.ts';
import { readdirSync, readFileSync } from 'node:fs';
import { fromRoot } from '../../scripts/lib/paths.ts';

const pdf = Buffer.from('%PDF-1.4\n1 0 obj<<>>endobj\ntrailer<<>>\n%%EOF\n');
const jpeg = Buffer.from([0xff, 0xd8, 0xff, 0xe0, 0, 16, 0x4a, 0x46, 0x49, 0x46]);

/**
 * Secure messages end to end over HTTP against the real HAPI, SMTP and store (issue #14): the patient writes
 * through /messages (the facade's write path with the session's token), the staff inbox sees it by pool,
 * unread; staff assign, reply and add an internal note; the patient gets a notice with no health data,
 * reads the reply without the note, and the unread counts clear; bad input is refused with the text kept;
 * a closed or foreign conversation refuses a reply with the text kept; a double submit writes once; the
 * practice is closed, so the conversation gets one automatic reply.
 */
describe('secure messages: patient pages, staff inbox, notices', function () {
  this.timeout(240_000);
  let portal: RunningPortal;
  let a: Onboarded;
  let b: Onboarded;
  let patient: HttpClient;
  let other: HttpClient;
  let staff: HttpClient;
  let practitioner: string;
  let staffAccountId: string;

  async function signIn(person: Onboarded, language: 'es' | 'en' = 'es'): Promise<HttpClient> {
    const browser = new HttpClient(portal.url, language);
    const form = await browser.get('/auth/login');
    await browser.submit(formAction(form.body, /^\/interaction\//), { email: person.email, password: person.password, birthDate: person.patient.birthDate });
    return browser;
  }

  /** A multipart form post as a browser sends it (CSRF token from the page, the session's cookies), no redirect following. */
  async function postForm(
    client: HttpClient,
    page: PageResponse,
    action: string,
    fields: Record<string, string>,
    files: { name: string; bytes: Buffer; type?: string }[] = [],
  ): Promise<PageResponse> {
    const form = new FormData();
    form.set('_csrf', /name="_csrf" value="([^"]+)"/.exec(page.body)![1]!);
    const key = /name="key" value="([^"]+)"/.exec(page.body)?.[1];
    if (key && fields['key'] === undefined) form.set('key', key);
    for (const [name, value] of Object.entries(fields)) form.set(name, value);
    for (const file of files) form.append('files', new Blob([file.bytes], { type: file.type ?? 'application/octet-stream' }), file.name);
    const response = await fetch(new URL(action, portal.url), {
      method: 'POST',
      redirect: 'manual',
      headers: { cookie: [...client.cookies].map(([k, v]) => `${k}=${v}`).join('; '), 'accept-language': client.acceptLanguage },
      body: form,
    });
    const result = { status: response.status, url: action, location: response.headers.get('location') ?? undefined, body: await response.text(), headers: response.headers };
    client.lastPage = result;
    return result;
  }

  const textOf = (body: string) => body.replace(/<[^>]+>/g, ' ').replace(/\s+/g, ' ');
  /** The inbox row of one conversation (the shared HAPI of a PUENTE_TEST_HAPI_URL run holds other suites' conversations too). */
  const rowOf = (body: string, id: string) =>
    /<tr[^>]*>(?:(?!<\/tr>)[\s\S])*?\/staff\/messages\/ID"(?:(?!<\/tr>)[\s\S])*<\/tr>/.exec(body.replace(`/staff/messages/${id}"`, '/staff/messages/ID"'))?.[0] ?? '';

  before(async () => {
    // Open only in the first minute of each day: the conversation gets its automatic reply.
    portal = await startPortal({ PRACTICE_HOURS: 'mon-sun 00:00-00:01', PRACTICE_NAME: 'Clínica Puente', MESSAGE_POOL_EMAILS: `care-team:${poolNurse},front-desk:${poolDesk}` });
    // The shared HAPI of a PUENTE_TEST_HAPI_URL run may predate these files; HAPI's own loader stores them by id, and so does this.
    for (const file of readdirSync(fromRoot('fhir-profiles')).filter((f) => f.startsWith('StructureDefinition-puente-message'))) {
      const definition = JSON.parse(readFileSync(fromRoot('fhir-profiles', file), 'utf8')) as { id: string };
      await portal.ctx.fhir.update({ ...(definition as { id: string; resourceType: 'StructureDefinition' }) } as never);
    }
    [a, b] = [await onboard(portal.ctx, portal.smtp), await onboard(portal.ctx, portal.smtp)];
    patient = await signIn(a);
    other = await signIn(b);
    const seeded = await seedStaff(portal.ctx);
    const staffRow = (await findStaffByEmail(portal.ctx.db, seeded.email))!;
    [practitioner, staffAccountId] = [staffRow.fhir_user!, staffRow.id];
    staff = new HttpClient(portal.url, 'es');
    await staff.get('/staff/login');
    await staff.submit('/staff/login', { email: seeded.email, password: seeded.password, code: seeded.code() });
  });
  after(() => portal.stop());

  let thread: string;
  const poolNurse = 'pool-nurse@clinic.example';
  const poolDesk = 'pool-desk@clinic.example';
  const subject = 'Dolor de rodilla ZETA';
  const text = 'Me duele la rodilla derecha desde el lunes; ¿debo pedir cita? ZETA-TEXT';

  it('tells the patient before writing: not for emergencies (911) and the usual answer time', async () => {
    const list = await patient.get('/messages');
    expect(list.status).to.equal(200);
    expect(textOf(list.body)).to.include('Los mensajes no son para emergencias. En una emergencia, llame al 911.');
    expect(textOf(list.body)).to.include('El consultorio suele contestar en 2 días hábiles.');
    const form = await patient.get('/messages/new');
    expect(textOf(form.body)).to.include('llame al 911');
    for (const topic of ['Una pregunta para mi médico', 'Citas', 'Renovar una receta', 'Resultados de pruebas', 'Otro']) expect(form.body).to.include(topic);
  });

  it('refuses bad input with a specific message and keeps the typed text', async () => {
    const form = await patient.get('/messages/new');
    const cases: [Record<string, string>, { name: string; bytes: Buffer }[], string][] = [
      [{ topic: 'doctor', subject: 'x', text: '   ' }, [], 'Escriba su mensaje.'],
      [{ topic: 'doctor', subject: 'x', text: 'y'.repeat(10_001) }, [], 'El mensaje puede tener como máximo 10.000 caracteres.'],
      [{ topic: 'doctor', subject: '', text: 'texto guardado' }, [], 'Escriba un asunto.'],
      [{ topic: 'billing', subject: 'x', text: 'texto guardado' }, [], 'Elija un tema.'],
      [{ topic: 'doctor', subject: 'x', text: 'texto guardado' }, [{ name: 'vacio.pdf', bytes: Buffer.alloc(0) }], 'vacio.pdf: el archivo está vacío.'],
      [
        { topic: 'doctor', subject: 'x', text: 'texto guardado' },
        [{ name: 'virus.PDF', bytes: Buffer.from('MZ this is a program') }],
        'virus.PDF: solo se pueden adjuntar archivos PDF, JPEG o PNG.',
      ],
      [
        { topic: 'doctor', subject: 'x', text: 'texto guardado' },
        [{ name: 'grande.pdf', bytes: Buffer.concat([pdf, Buffer.alloc(10 * 1024 * 1024)]) }],
        'grande.pdf: el archivo pesa más de 10 MB.',
      ],
      [
        { topic: 'doctor', subject: 'x', text: 'texto guardado' },
        Array.from({ length: 6 }, (_, i) => ({ name: `f${i}.pdf`, bytes: pdf })),
        'Puede adjuntar como máximo 5 archivos.',
      ],
    ];
    for (const [fields, files, message] of cases) {
      const answer = await postForm(patient, form, '/messages/new', fields, files);
      expect(answer.status, message).to.equal(422);
      expect(textOf(answer.body), message).to.include(message);
      expect(textOf(answer.body)).to.include('El mensaje no se envió.');
      if (fields['text']!.trim()) expect(answer.body).to.include(fields['text']!.slice(0, 200));
    }
    const headers = await portal.ctx.fhir.search<Communication>('Communication', { subject: `Patient/${a.patient.id}` });
    expect(headers.entry ?? []).to.deep.equal([]);
  });

  it('starts a conversation with upper-case attachments through the facade; a double submit writes once; one automatic reply', async () => {
    const form = await patient.get('/messages/new');
    const fields = { topic: 'doctor', subject, text };
    const files = [
      { name: 'ESTUDIO.PDF', bytes: pdf },
      { name: 'foto.JPG', bytes: jpeg },
    ];
    const first = await postForm(patient, form, '/messages/new', fields, files);
    const second = await postForm(patient, form, '/messages/new', fields, files);
    expect([first.status, second.status]).to.deep.equal([303, 303]);
    expect(second.location).to.equal(first.location);
    thread = /\/messages\/([^?]+)\?sent=1$/.exec(first.location!)![1]!;
    const messages = ((await portal.ctx.fhir.search<Communication>('Communication', { 'part-of': `Communication/${thread}` })).entry ?? []).map((e) => e.resource!);
    const written = messages.filter((m) => m.sender?.reference === `Patient/${a.patient.id}`);
    expect(written).to.have.length(1);
    expect(written[0]!.payload?.map((p) => p.contentAttachment?.contentType ?? 'text')).to.deep.equal(['text', 'application/pdf', 'image/jpeg']);
    const auto = messages.filter((m) => m.category?.[0]?.coding?.[0]?.code === 'auto-reply');
    expect(auto).to.have.length(1);
    // A second message in the same conversation gets no second automatic reply.
    const page = await patient.get(`/messages/${thread}`);
    expect((await postForm(patient, page, `/messages/${thread}`, { text: 'Olvidé decir: también se hincha.' })).status).to.equal(303);
    const after = ((await portal.ctx.fhir.search<Communication>('Communication', { 'part-of': `Communication/${thread}` })).entry ?? []).map((e) => e.resource!);
    expect(after.filter((m) => m.category?.[0]?.coding?.[0]?.code === 'auto-reply')).to.have.length(1);
    const shown = await patient.get(`/messages/${thread}`);
    expect(textOf(shown.body)).to.include('Clínica Puente (respuesta automática)');
    expect(textOf(shown.body)).to.include('ESTUDIO.PDF (PDF)');
  });

  it('staff see it unread in the care-team pool (not the front desk), assign, reply and note; the patient gets a notice with no health data', async () => {
    const inbox = await staff.get('/staff/messages');
    expect(inbox.status).to.equal(200);
    const row = rowOf(inbox.body, thread);
    expect(textOf(row)).to.include('2 sin leer');
    expect(textOf(row)).to.include('Equipo de atención');
    expect((await staff.get('/staff/messages?pool=care-team')).body).to.include(`/staff/messages/${thread}`);
    expect((await staff.get('/staff/messages?pool=front-desk')).body).not.to.include(`/staff/messages/${thread}`);
    const conversation = await staff.get(`/staff/messages/${thread}`);
    expect(textOf(conversation.body)).to.include(text);
    // Opened: no longer unread for this staff member.
    expect(textOf(rowOf((await staff.get('/staff/messages')).body, thread))).not.to.include('sin leer');
    const mailsBefore = portal.smtp.messages.length;
    await staff.submit(`/staff/messages/${thread}/assign`, { owner: practitioner });
    await staff.submit(`/staff/messages/${thread}/note`, { text: 'NOTA-INTERNA: revisar radiografía', key: 'note-key-0123456789abc' });
    const replied = await staff.submit(`/staff/messages/${thread}/reply`, { text: 'Puede venir el jueves a las 10. RESPUESTA-STAFF', key: 'reply-key-0123456789ab' });
    expect(textOf(replied.body)).to.include('Respuesta enviada.');
    const task = (await portal.ctx.fhir.search<Task>('Task', { focus: `Communication/${thread}` })).entry![0]!.resource!;
    expect(task.owner?.reference).to.equal(practitioner);
    expect(task.businessStatus?.text).to.equal('answered');
    const mails = await portal.smtp.waitForMessages(mailsBefore + 1);
    const notice = mails.slice(mailsBefore).find((m) => m.envelopeTo.includes(a.email))!;
    expect(notice.parsed.subject).to.equal('Mensaje nuevo de Clínica Puente');
    expect(notice.parsed.text).to.include('Tiene un mensaje nuevo de Clínica Puente; inicie sesión para leerlo.');
    const whole = `${notice.parsed.subject}\n${notice.parsed.text}\n${notice.parsed.html}`;
    for (const phi of [
      a.patient.given,
      a.patient.family,
      a.patient.birthDate,
      '9 de julio de 1984',
      a.patient.mrn,
      subject,
      'ZETA',
      'RESPUESTA-STAFF',
      'rodilla',
      'Rosa',
      'Díaz',
      'NOTA-INTERNA',
    ]) {
      expect(whole, phi).not.to.include(phi);
    }
    // A second reply within the hour: no second notice.
    await staff.get(`/staff/messages/${thread}`);
    await staff.submit(`/staff/messages/${thread}/reply`, { text: 'Otra cosa más.', key: 'reply-key-2123456789ab' });
    await new Promise((resolve) => setTimeout(resolve, 1500));
    expect(portal.smtp.messages.slice(mailsBefore).filter((m) => m.envelopeTo.includes(a.email))).to.have.length(1);
  });

  it('the patient sees the staff reply with name and role, never the internal note, and the unread count clears', async () => {
    const list = await patient.get('/messages');
    expect(textOf(list.body)).to.match(/\d sin leer/);
    const page = await patient.get(`/messages/${thread}`);
    const words = textOf(page.body);
    expect(words).to.include('RESPUESTA-STAFF');
    expect(words).to.include('Rosa Díaz, Equipo de atención');
    expect(words).not.to.include('NOTA-INTERNA');
    expect(page.body).not.to.include('NOTA-INTERNA');
    expect(textOf((await patient.get('/messages')).body)).not.to.match(/\d sin leer/);
    const tagged = await portal.ctx.fhir.search<Communication>('Communication', { 'part-of': `Communication/${thread}`, _tag: `${messageReadBySystem}|Patient/${a.patient.id}` });
    expect((tagged.entry ?? []).length).to.be.at.least(2);
    // Through the facade, the patient's own token never sees the note either.
    const note = (
      await portal.ctx.fhir.search<Communication>('Communication', {
        'part-of': `Communication/${thread}`,
        category: 'https://puente.example.org/fhir/CodeSystem/message-category|internal-note',
      })
    ).entry![0]!.resource!;
    expect(note.subject).to.equal(undefined);
  });

  it('the activity log shows messages sent and received (never the internal note or the assignment)', async () => {
    const log = textOf((await patient.get('/account/activity?kind=messages')).body);
    expect(log).to.include('Envió un mensaje al equipo de atención');
    expect(log).to.include('Recibió un mensaje del equipo de atención');
    expect(log.match(/Envió un mensaje al equipo de atención/g)).to.have.length(2);
    expect(log.match(/Recibió un mensaje del equipo de atención/g)).to.have.length(2);
    expect(log).to.include('Rosa Díaz');
    expect(log).not.to.include('NOTA-INTERNA');
    const all = textOf((await patient.get('/account/activity')).body);
    expect(all).to.include('Recibió un mensaje del equipo de atención');
  });

  /** A GET with the client's session, its raw bytes and headers (no redirect following). */
  const download = async (client: HttpClient, path: string) => {
    const response = await fetch(new URL(path, portal.url), { redirect: 'manual', headers: { cookie: [...client.cookies].map(([k, v]) => `${k}=${v}`).join('; ') } });
    return { status: response.status, headers: response.headers, bytes: Buffer.from(await response.arrayBuffer()) };
  };

  it('the care-team pool’s address gets one notice for the hour’s patient messages, naming the pool and nothing of the patient; the front desk none', async () => {
    const pool = async () => portal.smtp.messages.filter((m) => m.envelopeTo.includes(poolNurse));
    for (let i = 0; i < 50 && (await pool()).length === 0; i++) await new Promise((resolve) => setTimeout(resolve, 200));
    // Both of the patient's messages (the opening one and the follow-up) came within the hour: one notice.
    await new Promise((resolve) => setTimeout(resolve, 1500));
    const notices = await pool();
    expect(notices).to.have.length(1);
    expect(portal.smtp.messages.filter((m) => m.envelopeTo.includes(poolDesk))).to.have.length(0);
    expect(notices[0]!.parsed.subject).to.equal('Mensaje nuevo de un paciente en Clínica Puente');
    expect(notices[0]!.parsed.text).to.include('Hay un mensaje nuevo de un paciente en la bandeja Equipo de atención de Clínica Puente');
    const whole = `${notices[0]!.parsed.subject}\n${notices[0]!.parsed.text}\n${notices[0]!.parsed.html}`;
    for (const phi of [a.patient.given, a.patient.family, a.patient.birthDate, a.patient.mrn, subject, 'ZETA', 'rodilla', 'ESTUDIO']) expect(whole, phi).not.to.include(phi);
  });

  it('each attachment opens from the conversation, for the patient and for staff, with its exact bytes; another patient’s session gets the 404 page', async () => {
    const page = await patient.get(`/messages/${thread}`);
    const links = [...page.body.matchAll(new RegExp(`href="(/messages/${thread}/attachments/[A-Za-z0-9.-]+)"`, 'g'))].map((m) => m[1]!);
    expect(links).to.have.length(2);
    const [pdfLink, jpegLink] = links as [string, string];
    const pdfFile = await download(patient, pdfLink);
    expect(pdfFile.status).to.equal(200);
    expect(pdfFile.bytes.equals(pdf)).to.equal(true);
    expect(pdfFile.headers.get('content-type')).to.match(/^application\/pdf/);
    expect(pdfFile.headers.get('content-disposition')).to.equal(`attachment; filename="ESTUDIO.pdf"; filename*=UTF-8''ESTUDIO.pdf`);
    expect(pdfFile.headers.get('x-content-type-options')).to.equal('nosniff');
    expect(pdfFile.headers.get('cache-control')).to.equal('no-store');
    const jpegFile = await download(patient, jpegLink);
    expect([jpegFile.status, jpegFile.headers.get('content-type')?.split(';')[0], jpegFile.bytes.equals(jpeg)]).to.deep.equal([200, 'image/jpeg', true]);
    // Another patient's session: the same 404 as a file that does not exist.
    const foreign = await download(other, pdfLink);
    const missing = await download(other, `/messages/${thread}/attachments/no-such-binary`);
    expect([foreign.status, missing.status]).to.deep.equal([404, 404]);
    expect(foreign.bytes.includes(pdf)).to.equal(false);
    expect((await download(patient, `/messages/${thread}/attachments/no-such-binary`)).status).to.equal(404);
    // Staff open it from the conversation too, audited as a read of this patient's record.
    const staffPage = await staff.get(`/staff/messages/${thread}`);
    const binary = pdfLink.split('/').at(-1)!;
    expect(staffPage.body).to.include(`href="/staff/messages/${thread}/attachments/${binary}"`);
    const audits = async () =>
      (
        await portal.ctx.db.query<{ n: number }>(`SELECT count(*)::int AS n FROM audit_events WHERE patient = $1 AND resource::text LIKE $2`, [
          `Patient/${a.patient.id}`,
          `%${Buffer.from(`GET /staff/messages/${thread}/attachments/${binary}`).toString('base64')}%`,
        ])
      ).rows[0]!.n;
    expect(await audits()).to.equal(0);
    const staffFile = await download(staff, `/staff/messages/${thread}/attachments/${binary}`);
    expect([staffFile.status, staffFile.bytes.equals(pdf)]).to.deep.equal([200, true]);
    expect(await audits()).to.equal(1);
    expect((await download(staff, `/staff/messages/${thread}/attachments/no-such-binary`)).status).to.equal(404);
  });

  it('an attachment of a withdrawn (entered-in-error) message no longer opens for the patient, on the pages or through the facade; staff still open it', async () => {
    const page = await patient.get(`/messages/${thread}`);
    const link = new RegExp(`href="(/messages/${thread}/attachments/([A-Za-z0-9.-]+))"`).exec(page.body)!;
    const [path, binary] = [link[1]!, link[2]!];
    const token = (
      await portal.ctx.db.query<{ token: string }>("SELECT data->'tokens'->>'accessToken' AS token FROM web_sessions WHERE account_id = $1 ORDER BY created_at DESC LIMIT 1", [
        a.accountId,
      ])
    ).rows[0]!.token;
    const viaFacade = async () => (await fetch(`${portal.url}/fhir/Binary/${binary}`, { headers: { authorization: `Bearer ${token}`, accept: 'application/fhir+json' } })).status;
    const holder = async () =>
      ((await portal.ctx.fhir.search<Communication>('Communication', { 'part-of': `Communication/${thread}`, _count: '197' })).entry ?? [])
        .map((e) => e.resource!)
        .find((m) => m.payload?.some((p) => p.contentAttachment?.url?.endsWith(`Binary/${binary}`)))!;
    expect([(await download(patient, path)).status, await viaFacade()]).to.deep.equal([200, 200]);
    const message = await holder();
    // Withdrawn as staff do it (status entered-in-error; here straight in HAPI, as the console withdraws only staff-written messages).
    await portal.ctx.fhir.update({ ...message, id: message.id!, status: 'entered-in-error' });
    try {
      const gone = await download(patient, path);
      expect([gone.status, gone.bytes.includes(pdf), await viaFacade()]).to.deep.equal([404, false, 404]);
      expect((await download(staff, `/staff/messages/${thread}/attachments/${binary}`)).status).to.equal(200);
    } finally {
      const withdrawn = await holder();
      await portal.ctx.fhir.update({ ...withdrawn, id: withdrawn.id!, status: 'completed' });
    }
  });

  it('the same form key with a different text is refused and nothing is written: 422 with the text kept and a fresh key, for the patient and for staff', async () => {
    // HAPI answers a repeated search from its cache for a while: each count asks a slightly different page size.
    let asked = 0;
    const count = async (text: string) =>
      ((await portal.ctx.fhir.search<Communication>('Communication', { 'part-of': `Communication/${thread}`, _count: String(200 + ++asked) })).entry ?? []).filter(
        (e) => e.resource?.payload?.[0]?.contentString === text,
      ).length;
    const page = await patient.get(`/messages/${thread}`);
    const key = 'samekey0123456789abcde';
    expect((await postForm(patient, page, `/messages/${thread}`, { text: 'PRIMERO-CON-CLAVE', key })).status).to.equal(303);
    const changed = await postForm(patient, page, `/messages/${thread}`, { text: 'SEGUNDO-CON-CLAVE', key });
    expect(changed.status).to.equal(422);
    expect(textOf(changed.body)).to.include('Este formulario ya había enviado otro mensaje');
    expect(changed.body).to.include('SEGUNDO-CON-CLAVE');
    const fresh = /name="key" value="([^"]+)"/.exec(changed.body)![1]!;
    expect(fresh).not.to.equal(key);
    expect([await count('PRIMERO-CON-CLAVE'), await count('SEGUNDO-CON-CLAVE')]).to.deep.equal([1, 0]);
    // Sent again from the page it was kept in (its fresh key), it is written once.
    expect((await postForm(patient, changed, `/messages/${thread}`, { text: 'SEGUNDO-CON-CLAVE' })).status).to.equal(303);
    expect(await count('SEGUNDO-CON-CLAVE')).to.equal(1);
    // Any app through the facade: the same key with another body is 422 with its OperationOutcome, and nothing is written.
    const token = (
      await portal.ctx.db.query<{ token: string }>("SELECT data->'tokens'->>'accessToken' AS token FROM web_sessions WHERE account_id = $1 ORDER BY created_at DESC LIMIT 1", [
        a.accountId,
      ])
    ).rows[0]!.token;
    const viaFacade = (words: string) =>
      fetch(`${portal.url}/fhir/Communication`, {
        method: 'POST',
        headers: { authorization: `Bearer ${token}`, 'content-type': 'application/fhir+json', 'accept-language': 'en', 'idempotency-key': 'app-key-0123456789' },
        body: JSON.stringify({ resourceType: 'Communication', partOf: [{ reference: `Communication/${thread}` }], payload: [{ contentString: words }] }),
      });
    expect((await viaFacade('APP-PRIMERO')).status).to.equal(201);
    const mismatch = await viaFacade('APP-SEGUNDO');
    expect(mismatch.status).to.equal(422);
    expect(JSON.stringify(await mismatch.json())).to.include('Idempotency-Key reused with a different request.');
    expect([await count('APP-PRIMERO'), await count('APP-SEGUNDO')]).to.deep.equal([1, 0]);
    // Staff: the console's form key, reused with another text.
    await staff.get(`/staff/messages/${thread}`);
    const staffKey = 'staffsamekey0123456789';
    expect(textOf((await staff.submit(`/staff/messages/${thread}/reply`, { text: 'STAFF-PRIMERO', key: staffKey })).body)).to.include('Respuesta enviada.');
    const refused = await staff.submit(`/staff/messages/${thread}/reply`, { text: 'STAFF-SEGUNDO', key: staffKey });
    expect(refused.status).to.equal(422);
    expect(textOf(refused.body)).to.include('Este formulario ya había enviado otro texto, así que este NO se envió.');
    expect(refused.body).to.include('STAFF-SEGUNDO');
    expect([await count('STAFF-PRIMERO'), await count('STAFF-SEGUNDO')]).to.deep.equal([1, 0]);
  });

  it('a staff reply whose form key is still being written is not reported as sent: 409 with the text and key kept; sent again once written, it is answered by that write', async () => {
    const key = 'staffpendingkey0123456';
    const words = 'STAFF-TODAVIA-ENVIANDOSE';
    // The first submit of this form has claimed the key and is still writing (a double click, or a replica that died mid-write).
    const owner = { accountId: staffAccountId, clientId: 'staff-console', key };
    const claim = await claimIdempotencyKey(portal.ctx.db, owner, staffWriteHash(thread, 'message', words));
    expect(claim).to.include({ state: 'claimed' });
    await staff.get(`/staff/messages/${thread}`);
    const pending = await staff.submit(`/staff/messages/${thread}/reply`, { text: words, key });
    expect(pending.status).to.equal(409);
    expect(textOf(pending.body)).to.include('Lo que escribió todavía se está enviando, así que puede que aún no aparezca');
    expect(textOf(pending.body)).not.to.include('Respuesta enviada.');
    expect(pending.body).to.include(words);
    expect(pending.body).to.include(`name="key" value="${key}"`);
    const written = async () =>
      ((await portal.ctx.fhir.search<Communication>('Communication', { 'part-of': `Communication/${thread}`, _count: '199' })).entry ?? []).filter(
        (e) => e.resource?.payload?.[0]?.contentString === words,
      ).length;
    expect(await written()).to.equal(0);
    // That first write completes: the kept form sent again is answered by it, and nothing is written a second time.
    await completeIdempotencyKey(portal.ctx.db, { ...owner, stamp: (claim as { stamp: string }).stamp }, `Communication/${thread}/_history/1`);
    expect(textOf((await staff.submit(`/staff/messages/${thread}/reply`, { text: words, key })).body)).to.include('Respuesta enviada.');
    expect(await written()).to.equal(0);
  });

  it('another patient cannot open or reply into this conversation: the same not-available answer, the text kept', async () => {
    expect((await other.get(`/messages/${thread}`)).status).to.equal(404);
    const own = await other.get('/messages/new');
    const answer = await postForm(other, own, `/messages/${thread}`, { text: 'INTRUSO texto' });
    expect(answer.status).to.equal(404);
    expect(textOf(answer.body)).to.include('Esta conversación no está disponible, así que su mensaje no se envió.');
    expect(answer.body).to.include('INTRUSO texto');
    expect(answer.body).not.to.include('RESPUESTA-STAFF');
  });

  it('a closed conversation says so, refuses a reply with the text kept, and offers a new one', async () => {
    await staff.get(`/staff/messages/${thread}`);
    await staff.submit(`/staff/messages/${thread}/close`, {});
    const page = await patient.get(`/messages/${thread}`);
    expect(textOf(page.body)).to.include('Esta conversación está cerrada. Para escribir de nuevo, empiece una conversación nueva.');
    expect(page.body).to.include('href="/messages/new"');
    // A form still open in another tab: refused with the text kept.
    const answer = await postForm(patient, page, `/messages/${thread}`, { text: 'después de cerrar TEXTO-GUARDADO', key: 'closedkey0123456789abc' });
    expect(answer.status).to.equal(409);
    expect(textOf(answer.body)).to.include('Esta conversación está cerrada, así que su respuesta no se envió.');
    expect(answer.body).to.include('después de cerrar TEXTO-GUARDADO');
  });

  it('every resource of the conversation validates against its profile in fhir-profiles/ (HAPI $validate), and broken shapes do not', async () => {
    const validate = async (resource: Communication | Task, profile: string) => {
      const outcome = await portal.ctx.fhir.operation<{ issue?: { severity: string; diagnostics?: string }[] }>({
        name: `$validate?profile=${encodeURIComponent(profile)}`,
        resourceType: resource.resourceType,
        method: 'POST',
        input: resource,
      });
      return (outcome.issue ?? []).filter((i) => i.severity === 'error' || i.severity === 'fatal').map((i) => i.diagnostics ?? '');
    };
    const header = await portal.ctx.fhir.read<Communication>('Communication', thread);
    expect(await validate(header, messageThreadProfile)).to.deep.equal([]);
    const messages = ((await portal.ctx.messaging.fhir.search<Communication>('Communication', { 'part-of': `Communication/${thread}` })).entry ?? []).map((e) => e.resource!);
    expect(new Set(messages.map((m) => m.category?.[0]?.coding?.[0]?.code))).to.deep.equal(new Set(['message', 'auto-reply', 'internal-note']));
    for (const message of messages) expect(await validate(message, messageProfile), message.category?.[0]?.coding?.[0]?.code).to.deep.equal([]);
    const task = (await portal.ctx.messaging.fhir.search<Task>('Task', { focus: `Communication/${thread}` })).entry![0]!.resource!;
    expect(await validate(task, messageTaskProfile)).to.deep.equal([]);
    const note = messages.find((m) => m.category?.[0]?.coding?.[0]?.code === 'internal-note')!;
    expect((await validate({ ...note, subject: { reference: `Patient/${a.patient.id}` } }, messageProfile)).join('\n')).to.match(/internal note/i);
    expect(await validate({ ...header, payload: [{ contentString: 'x' }] }, messageThreadProfile)).to.have.length.greaterThan(0);
    expect(await validate({ ...header, status: 'on-hold' }, messageThreadProfile)).to.have.length.greaterThan(0);
    const { focus: _focus, ...unrouted } = task;
    expect(await validate(unrouted as Task, messageTaskProfile)).to.have.length.greaterThan(0);
  });
});
