import { expect } from 'chai';
import { HttpClient, formAction } from '../support/http-client.ts';
import { startPortal, type RunningPortal } from '../support/portal.ts';
import { onboard, type Onboarded } from '../support/onboard.ts';
import { seedStaff } from '../support/seed.ts';
import { addFamilyMember, type FamilyMember } from '../support/family-member.ts';
import { endFamilyAccess } from '../../src/proxies/manage-family.ts';

/**
 * "An email to the patient (and to family members who chose to be told)" (issue #14), against the real HAPI,
 * SMTP and store: a family member chooses on /messages to be told (off until then), and when staff reply the
 * patient and that family member each get one email with no health data, once per conversation per hour; a
 * family member who did not choose, and one whose access has ended (though they had chosen), get none.
 */
describe('secure messages: new-message emails to the patient and the family members who chose them', function () {
  this.timeout(240_000);
  let portal: RunningPortal;
  let a: Onboarded;
  let patient: HttpClient;
  let staff: HttpClient;
  let told: FamilyMember;
  let quiet: FamilyMember;
  let ended: FamilyMember;
  let thread: string;
  const subject = 'Resultados ASUNTO-OMEGA';
  const text = 'Quisiera saber mis resultados TEXTO-OMEGA';
  const reply = 'Sus resultados están bien RESPUESTA-OMEGA';
  const textOf = (body: string) => body.replace(/<[^>]+>/g, ' ').replace(/\s+/g, ' ');
  const mailsTo = (email: string) => portal.smtp.messages.filter((m) => m.envelopeTo.includes(email));
  /** Every queued email delivered (the outbox worker polls too; this makes the wait deterministic). */
  const deliver = async () => {
    await portal.ctx.outbox.runOnce();
    await new Promise((resolve) => setTimeout(resolve, 500));
  };

  before(async () => {
    portal = await startPortal({ PRACTICE_HOURS: 'mon-sun 00:00-23:59', PRACTICE_NAME: 'Clínica Puente' });
    a = await onboard(portal.ctx, portal.smtp);
    patient = new HttpClient(portal.url);
    const login = await patient.get('/auth/login');
    await patient.submit(formAction(login.body, /^\/interaction\//), { email: a.email, password: a.password, birthDate: a.patient.birthDate });
    [told, quiet, ended] = [await addFamilyMember(portal, a), await addFamilyMember(portal, a), await addFamilyMember(portal, a)];
    const seeded = await seedStaff(portal.ctx);
    staff = new HttpClient(portal.url, 'es');
    await staff.get('/staff/login');
    await staff.submit('/staff/login', { email: seeded.email, password: seeded.password, code: seeded.code() });
  });
  after(() => portal.stop());

  it('a family member chooses on /messages to be told (off until then; on for the patient), without JavaScript', async () => {
    const checked = (body: string) => /<input type="checkbox" id="notify"[^>]* checked/.test(body);
    expect(checked((await told.browser.get('/messages')).body)).to.equal(false);
    expect(checked((await patient.get('/messages')).body)).to.equal(true);
    const saved = await told.browser.submit('/messages/notices', { notify: '1' });
    expect(saved.status).to.equal(200);
    expect(textOf(saved.body)).to.include('Recibirá un correo cuando haya un mensaje nuevo.');
    expect(checked(saved.body)).to.equal(true);
    await ended.browser.get('/messages');
    await ended.browser.submit('/messages/notices', { notify: '1' });
    // A family member's choice is theirs: the patient's and the others' stay as they were.
    expect(checked((await quiet.browser.get('/messages')).body)).to.equal(false);
    // Then the patient ends this one's access: their choice no longer counts.
    expect(
      await endFamilyAccess(portal.ctx.accounts, {
        patient: `Patient/${a.patient.id}`,
        relatedPerson: ended.relatedPerson,
        by: 'patient',
        actor: `Patient/${a.patient.id}`,
        accountId: a.accountId,
        clientAddress: '127.0.0.1',
        notify: false,
        patientName: 'María José Núñez',
      }),
    ).to.equal(true);
  });

  it('when staff reply, the patient and the family member who chose get one email each with no health data; the others none; one per hour', async () => {
    const form = await patient.get('/messages/new');
    const key = /name="key" value="([^"]+)"/.exec(form.body)![1]!;
    const sent = await patient.submit('/messages/new', { topic: 'results', subject, text, key });
    thread = /\/messages\/([^/?]+)\?sent=1$/.exec(sent.url)![1]!;
    await deliver();
    const before = new Map([a.email, told.email, quiet.email, ended.email].map((email) => [email, mailsTo(email).length]));
    await staff.get(`/staff/messages/${thread}`);
    expect(textOf((await staff.submit(`/staff/messages/${thread}/reply`, { text: reply, key: 'omega-reply-0123456789' })).body)).to.include('Respuesta enviada.');
    await deliver();
    const fresh = (email: string) => mailsTo(email).slice(before.get(email));
    expect([a.email, told.email, quiet.email, ended.email].map((email) => fresh(email).length)).to.deep.equal([1, 1, 0, 0]);
    const notice = fresh(told.email)[0]!;
    expect(notice.parsed.subject).to.equal('Mensaje nuevo de Clínica Puente');
    expect(notice.parsed.text).to.include('Tiene un mensaje nuevo de Clínica Puente; inicie sesión para leerlo.');
    const whole = `${notice.parsed.subject}\n${notice.parsed.text}\n${notice.parsed.html}`;
    for (const phi of [a.patient.given, a.patient.family, a.patient.birthDate, a.patient.mrn, subject, 'OMEGA', 'resultados', 'Rosa']) expect(whole, phi).not.to.include(phi);
    // A second reply within the hour: no second email to anyone.
    await staff.get(`/staff/messages/${thread}`);
    await staff.submit(`/staff/messages/${thread}/reply`, { text: 'Otra cosa.', key: 'omega-reply-1123456789' });
    await deliver();
    expect([a.email, told.email].map((email) => fresh(email).length)).to.deep.equal([1, 1]);
  });
});
