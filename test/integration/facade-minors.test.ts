import { expect } from 'chai';
import type { Binary, Communication, DocumentReference } from '@medplum/fhirtypes';
import { HttpClient, formAction } from '../support/http-client.ts';
import { startPortal, type RunningPortal } from '../support/portal.ts';
import { staffMember, tokenOf } from '../support/onboard.ts';
import { seedPatient, seedPhysician } from '../support/seed.ts';
import { recordAuthorization } from '../../src/accounts/record-authorization.ts';
import { completeRegistration } from '../../src/accounts/registration.ts';
import { categoryCoding, messageCategorySystem, messageTopicSystem } from '../../src/core/fhir/messages.ts';
import { staffWrite } from '../../src/messaging/staff-messages.ts';

const confidential = { security: [{ system: 'http://terminology.hl7.org/CodeSystem/v3-Confidentiality', code: 'R' }] };
const pdf = Buffer.from('%PDF-1.4\n1 0 obj<<>>endobj\ntrailer<<>>\n%%EOF\n');
const day = 24 * 3600_000;

/**
 * The minors policy (issue 13 point 5) where the facade lets things out or in beyond a search: a Binary reached
 * through a document or a message, and the write path. The portal's clock is injected (createContext `now`, which
 * the facade's minors policy reads), so each child's birthday is crossed without waiting: a parent's token,
 * unchanged, is asked again on the other side of the 12th and of the 18th birthday.
 */
describe('facade and the minors policy: attachments and writes on both sides of the birthdays', function () {
  this.timeout(240_000);
  let portal: RunningPortal;
  let clock = new Date();
  let physicianId: string;

  /** A birth date `years` ago, moved by `days` (positive: the birthday is still to come). */
  const birthDate = (years: number, days: number) => {
    const date = new Date(Date.now() + days * day);
    date.setUTCFullYear(date.getUTCFullYear() - years);
    return date.toISOString().slice(0, 10);
  };

  /** A child of that birth date and the parent the paper form names (a RelatedPerson), signed in: the parent's web token. */
  async function parentOf(born: string) {
    const child = await seedPatient(portal.ctx, { given: 'Inés', birthDate: born });
    const email = `minor-parent-${child.mrn.toLowerCase()}@example.org`;
    const before = portal.smtp.messages.length;
    await recordAuthorization(
      portal.ctx.accounts,
      await staffMember(portal.ctx),
      {
        patientId: child.id,
        signer: { kind: 'designee', name: 'Elena Madre', relationship: 'Madre', email },
        patientEmail: `minor-child-${child.mrn.toLowerCase()}@example.org`,
        physicianId,
        identityConfirmed: true,
        locale: 'es',
      },
      '127.0.0.1',
    );
    await portal.ctx.outbox.runOnce();
    const mail = (await portal.smtp.waitForMessages(before + 1)).slice(before).find((m) => m.envelopeTo.includes(email))!;
    const password = 'una tarde tranquila en el jardín';
    await completeRegistration(portal.ctx.accounts, { token: tokenOf(mail, '/register'), birthDate: born, password, clientAddress: '127.0.0.1' });
    const browser = new HttpClient(portal.url);
    const form = await browser.get('/auth/login');
    await browser.submit(formAction(form.body, /^\/interaction\//), { email, password, birthDate: born });
    const token = (
      await portal.ctx.db.query<{ token: string }>(
        "SELECT data->'tokens'->>'accessToken' AS token FROM web_sessions w JOIN accounts a ON a.id = w.account_id WHERE a.email = $1 ORDER BY w.created_at DESC LIMIT 1",
        [email],
      )
    ).rows[0]!.token;
    return { child, token, email };
  }

  const subjectOf = (patient: string) => ({ reference: `Patient/${patient}` });
  const create = <T extends { resourceType: string }>(resource: T) => portal.ctx.fhir.create(resource as never) as Promise<T & { id: string }>;
  const storedBinary = (patient: string, meta?: object) =>
    create<Binary>({ resourceType: 'Binary', contentType: 'application/pdf', securityContext: subjectOf(patient), data: pdf.toString('base64'), ...(meta ? { meta } : {}) });
  const thread = (patient: string, meta?: object) =>
    create<Communication>({
      resourceType: 'Communication',
      status: 'in-progress',
      category: [{ coding: [categoryCoding('thread')] }],
      subject: subjectOf(patient),
      sent: new Date().toISOString(),
      topic: { coding: [{ system: messageTopicSystem, code: 'doctor' }], text: 'Consulta' },
      ...(meta ? { meta } : {}),
    });
  const fhir = async (method: 'GET' | 'POST', path: string, token: string, body?: unknown) => {
    const response = await fetch(`${portal.url}/fhir${path}`, {
      method,
      headers: { authorization: `Bearer ${token}`, ...(body ? { 'content-type': 'application/fhir+json' } : {}) },
      ...(body ? { body: JSON.stringify(body) } : {}),
    });
    return { status: response.status, body: await response.text() };
  };
  /** Asks with the portal's clock moved to `at`, then puts it back. */
  const on = async <T>(at: Date, ask: () => Promise<T>): Promise<T> => {
    clock = at;
    try {
      return await ask();
    } finally {
      clock = new Date();
    }
  };

  before(async () => {
    portal = await startPortal({}, { now: () => clock });
    physicianId = await seedPhysician(portal.ctx);
  });
  after(() => portal.stop());

  it('a Binary through a confidential document or message, or itself labelled, reaches the parent the day before the 12th birthday and not from it', async () => {
    // Turns 12 in five days (the practice's default full-access age).
    const { child, token } = await parentOf(birthDate(12, 5));
    const p = child.id;
    const viaConfidentialDocument = await storedBinary(p);
    await create<DocumentReference>({
      resourceType: 'DocumentReference',
      status: 'current',
      subject: subjectOf(p),
      meta: confidential,
      content: [{ attachment: { url: `Binary/${viaConfidentialDocument.id}` } }],
    });
    const labelled = await storedBinary(p, { security: [{ system: 'http://terminology.hl7.org/CodeSystem/v3-Confidentiality', code: 'V' }] });
    await create<DocumentReference>({ resourceType: 'DocumentReference', status: 'current', subject: subjectOf(p), content: [{ attachment: { url: `Binary/${labelled.id}` } }] });
    const header = await thread(p);
    const message = async (binary: string, meta?: object) =>
      create<Communication>({
        resourceType: 'Communication',
        status: 'completed',
        category: [{ coding: [categoryCoding('message')] }],
        partOf: [{ reference: `Communication/${header.id}` }],
        subject: subjectOf(p),
        sent: new Date().toISOString(),
        payload: [{ contentString: 'adjunto' }, { contentAttachment: { contentType: 'application/pdf', url: `Binary/${binary}` } }],
        ...(meta ? { meta } : {}),
      });
    const viaConfidentialMessage = await storedBinary(p);
    await message(viaConfidentialMessage.id, confidential);
    const plain = await storedBinary(p);
    await message(plain.id);
    const withheld = [viaConfidentialDocument.id, labelled.id, viaConfidentialMessage.id];
    const status = async (at: Date, binary: string) => on(at, async () => (await fhir('GET', `/Binary/${binary}`, token)).status);

    for (const binary of [...withheld, plain.id]) expect(await status(new Date(), binary), `the day before: ${binary}`).to.equal(200);
    const birthday = new Date(Date.now() + 6 * day);
    for (const binary of withheld) expect(await status(birthday, binary), `from the birthday: ${binary}`).to.equal(404);
    expect(await status(birthday, plain.id), 'an unlabelled attachment of a plain message').to.equal(200);
  });

  it('writes follow the reads: a confidential conversation is refused like a missing one from the 12th birthday; from the 18th a parent’s token writes nothing (401)', async () => {
    const message = (header: string) => ({ resourceType: 'Communication', partOf: [{ reference: `Communication/${header}` }], payload: [{ contentString: 'hola' }] });
    // Turns 12 in five days: the day before, the parent writes into the confidential conversation; from the birthday, not.
    const young = await parentOf(birthDate(12, 5));
    const secret = (await thread(young.child.id, confidential)).id;
    expect((await on(new Date(), () => fhir('POST', '/Communication', young.token, message(secret)))).status).to.equal(201);
    const birthday = new Date(Date.now() + 6 * day);
    const intoSecret = await on(birthday, () => fhir('POST', '/Communication', young.token, message(secret)));
    const intoMissing = await on(birthday, () => fhir('POST', '/Communication', young.token, message('no-such-thread-77')));
    expect([intoSecret.status, intoMissing.status]).to.deep.equal([403, 403]);
    expect(intoSecret.body).to.equal(intoMissing.body);
    const open = (await thread(young.child.id)).id;
    expect((await on(birthday, () => fhir('POST', '/Communication', young.token, message(open)))).status).to.equal(201);

    // Turns 18 in five days: the day before, the parent still writes; from the birthday, reads and writes alike get 401.
    const older = await parentOf(birthDate(18, 5));
    const conversation = (await thread(older.child.id)).id;
    expect((await on(new Date(), () => fhir('POST', '/Communication', older.token, message(conversation)))).status).to.equal(201);
    const adult = new Date(Date.now() + 6 * day);
    const written = await on(adult, () => fhir('POST', '/Communication', older.token, message(conversation)));
    expect(written.status).to.equal(401);
    expect((await on(adult, () => fhir('GET', `/Patient/${older.child.id}`, older.token))).status).to.equal(401);
    const messages = await portal.ctx.fhir.search<Communication>('Communication', { 'part-of': `Communication/${conversation}` });
    expect(messages.entry ?? [], 'nothing written after the 18th birthday').to.have.length(1);
  });
  it('a confidential conversation is withheld whole: its messages carry its label (facade and staff writers), a parent’s search shows none of them, and no notice goes to the parent', async () => {
    const { child, token, email } = await parentOf(birthDate(12, 5));
    const p = child.id;
    const secret = (await thread(p, confidential)).id;
    const open = (await thread(p)).id;
    const message = (header: string, text: string) => ({ resourceType: 'Communication', partOf: [{ reference: `Communication/${header}` }], payload: [{ contentString: text }] });
    // The day before the 12th birthday the parent may write into it (full access): the facade labels the message like its conversation.
    expect((await fhir('POST', '/Communication', token, message(secret, 'antes del cumpleaños'))).status).to.equal(201);
    const staff = await staffMember(portal.ctx);
    const request = { staff, request: 'POST /staff/messages', clientAddress: '127.0.0.1' };
    const before = portal.smtp.messages.length;
    await staffWrite(portal.ctx.messaging, request, open, { kind: 'message', text: 'respuesta abierta', key: `open-${p}` });
    await staffWrite(portal.ctx.messaging, request, secret, { kind: 'message', text: 'respuesta confidencial', key: `secret-${p}` });
    await staffWrite(portal.ctx.messaging, request, secret, { kind: 'internal-note', text: 'nota', key: `note-${p}` });
    // Written before its conversation was labelled (or by anything else): no label of its own, withheld through its header.
    await create<Communication>({
      resourceType: 'Communication',
      status: 'completed',
      category: [{ coding: [categoryCoding('message')] }],
      partOf: [{ reference: `Communication/${secret}` }],
      subject: subjectOf(p),
      sent: new Date().toISOString(),
      payload: [{ contentString: 'sin etiqueta' }],
    });
    const written = ((await portal.ctx.fhir.search<Communication>('Communication', { 'part-of': `Communication/${secret}`, _count: '50' })).entry ?? []).map((e) => e.resource!);
    const labelled = (m: Communication) => (m.meta?.security ?? []).some((c) => c.code === 'R');
    expect(written.filter((m) => m.payload?.[0]?.contentString !== 'sin etiqueta').map(labelled)).to.deep.equal([true, true, true]);

    // From the birthday the parent's app searching the child's messages gets those of the open conversation only.
    const birthday = new Date(Date.now() + 6 * day);
    const search = await on(birthday, () => fhir('GET', `/Communication?subject=Patient/${p}&category=${encodeURIComponent(`${messageCategorySystem}|message`)}`, token));
    expect(search.status).to.equal(200);
    const seen = ((JSON.parse(search.body) as { entry?: { resource: Communication }[] }).entry ?? []).map((e) => e.resource);
    expect(seen.map((m) => m.partOf?.[0]?.reference)).to.deep.equal([`Communication/${open}`]);
    expect(search.body).to.not.match(/confidencial|sin etiqueta|antes del cumplea/);

    // The file of a confidential document, named in a new message into the open conversation: refused like a missing Binary, and still not readable.
    const documentFile = await storedBinary(p);
    await create<DocumentReference>({
      resourceType: 'DocumentReference',
      status: 'current',
      subject: subjectOf(p),
      meta: confidential,
      content: [{ attachment: { url: `Binary/${documentFile.id}` } }],
    });
    const attach = (binary: string) => ({
      ...message(open, 'adjunto'),
      payload: [{ contentString: 'adjunto' }, { contentAttachment: { contentType: 'application/pdf', url: `Binary/${binary}` } }],
    });
    const viaDocument = await on(birthday, () => fhir('POST', '/Communication', token, attach(documentFile.id)));
    const missing = await on(birthday, () => fhir('POST', '/Communication', token, attach('no-such-binary-5')));
    expect([viaDocument.status, missing.status]).to.deep.equal([403, 403]);
    expect(viaDocument.body).to.equal(missing.body);
    expect((await on(birthday, () => fhir('GET', `/Binary/${documentFile.id}`, token))).status).to.equal(404);

    // The open conversation's reply tells the parent (a designee's account is told by default); the confidential one does not.
    await portal.ctx.outbox.runOnce();
    await portal.smtp.waitForMessages(before + 1);
    const toParent = portal.smtp.messages.slice(before).filter((m) => m.envelopeTo.includes(email));
    expect(toParent, 'one notice, for the open conversation only').to.have.length(1);
    const queued = await portal.ctx.db.query('SELECT 1 FROM message_notifications n JOIN accounts a ON a.id::text = n.recipient WHERE n.thread = $1 AND a.email = $2', [
      secret,
      email,
    ]);
    expect(queued.rows, 'no notice slot taken for the parent in the confidential one').to.have.length(0);
  });
});
