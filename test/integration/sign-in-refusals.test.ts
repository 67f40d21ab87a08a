import { expect } from 'chai';
import { resendInvitation } from '../../src/accounts/resend-invitation.ts';
import { changeAccountEmail } from '../../src/accounts/change-account-email.ts';
import { deactivateAccount } from '../../src/accounts/deactivate-account.ts';
import { recordAuthorization } from '../../src/accounts/record-authorization.ts';
import type { Practitioner } from '@medplum/fhirtypes';
import { HttpClient, formAction, type PageResponse } from '../support/http-client.ts';
import { startPortal, type RunningPortal } from '../support/portal.ts';
import { onboard, tokenOf } from '../support/onboard.ts';

const day = 24 * 3600_000;

describe('getting started: refusals, lockout, reset and deactivation (HTTP, real HAPI and SMTP)', function () {
  this.timeout(120_000);
  let portal: RunningPortal;
  let offsetMs = 0;

  before(async () => {
    portal = await startPortal({ SIGN_IN_MAX_FAILURES: '3' }, { now: () => new Date(Date.now() + offsetMs) });
  });
  after(() => portal.stop());
  afterEach(() => {
    offsetMs = 0;
  });

  async function signInAttempt(fields: { email: string; password: string; birthDate: string }, browser = new HttpClient(portal.url)): Promise<PageResponse> {
    const form = await browser.get('/auth/login');
    return browser.submit(formAction(form.body, /^\/interaction\//), fields);
  }
  // The failure page differs only by per-request tokens and the email the person typed.
  const normalized = (page: PageResponse) =>
    page.body
      .replace(/name="_csrf" value="[^"]*"/g, '')
      .replace(/\/interaction\/[^/"]+\//g, '/interaction/UID/')
      .replace(/%2Finteraction%2F[^%]+%2F/g, '%2Finteraction%2FUID%2F')
      .replace(/id="email" name="email" type="email" value="[^"]*"/, '');
  // Submits the registration form as a browser that loaded it earlier (any page gives this browser its CSRF token).
  const registrationPost = async (token: string, birthDate: string) => {
    const browser = new HttpClient(portal.url);
    await browser.get('/password/forgot');
    return browser.submit('/register', { t: token, birthDate, password: 'una contraseña bastante larga' });
  };

  it('refuses a registration link past 4 days, checked when the form is submitted', async () => {
    const person = await onboard(portal.ctx, portal.smtp, { register: false });
    const browser = new HttpClient(portal.url);
    expect((await browser.get(`/register?t=${person.token}`)).status).to.equal(200);
    offsetMs = 4 * day + 60_000;
    const late = await browser.submit('/register', { t: person.token, birthDate: person.patient.birthDate, password: 'una contraseña bastante larga' });
    expect(late.status).to.equal(410);
    expect(late.body).to.include('Este enlace caducó');
    expect(late.body).to.include('+1 555 0100');
  });

  it('refuses a link voided by a resend, and accepts the new one', async () => {
    const person = await onboard(portal.ctx, portal.smtp, { register: false });
    const before = portal.smtp.messages.length;
    await resendInvitation(portal.ctx.accounts, person.staff, person.accountId, '127.0.0.1');
    await portal.ctx.outbox.runOnce();
    const fresh = tokenOf((await portal.smtp.waitForMessages(before + 1))[before]!, '/register');
    const old = await registrationPost(person.token, person.patient.birthDate);
    expect(old.status).to.equal(410);
    expect(old.body).to.include('Este enlace ya no es válido');
    expect((await registrationPost(fresh, person.patient.birthDate)).body).to.include('Su cuenta está lista');
  });

  it('refuses a link voided by an email change, and tells both addresses', async () => {
    const person = await onboard(portal.ctx, portal.smtp, { register: false });
    const before = portal.smtp.messages.length;
    const newEmail = `new-${person.email}`;
    await changeAccountEmail(portal.ctx.accounts, person.staff, person.accountId, newEmail, '127.0.0.1');
    await portal.ctx.outbox.runOnce();
    const notices = (await portal.smtp.waitForMessages(before + 2)).slice(before);
    expect(notices.map((m) => m.envelopeTo[0]).sort()).to.deep.equal([newEmail, person.email].sort());
    expect((await registrationPost(person.token, person.patient.birthDate)).status).to.equal(410);
  });

  it('freezes a link after three wrong dates of birth', async () => {
    const person = await onboard(portal.ctx, portal.smtp, { register: false });
    const first = await registrationPost(person.token, '1900-01-01');
    expect(first.status).to.equal(422);
    expect(first.body).to.include('La fecha de nacimiento no coincide');
    await registrationPost(person.token, '1900-01-02');
    const third = await registrationPost(person.token, '1900-01-03');
    expect(third.status).to.equal(410);
    expect(third.body).to.include('Este enlace está bloqueado');
    expect((await registrationPost(person.token, person.patient.birthDate)).status, 'even with the right date').to.equal(410);
  });

  it('refuses a weak password with a clear reason and keeps the link usable', async () => {
    const person = await onboard(portal.ctx, portal.smtp, { register: false });
    const browser = new HttpClient(portal.url);
    await browser.get(`/register?t=${person.token}`);
    const weak = await browser.submit('/register', { t: person.token, birthDate: person.patient.birthDate, password: 'password1' });
    expect(weak.status).to.equal(422);
    expect(weak.body).to.include('demasiado común');
    expect((await registrationPost(person.token, person.patient.birthDate)).body).to.include('Su cuenta está lista');
  });

  it('answers a wrong date of birth, wrong password, unknown email and deactivated account identically', async () => {
    const person = await onboard(portal.ctx, portal.smtp);
    const gone = await onboard(portal.ctx, portal.smtp);
    await deactivateAccount(portal.ctx.accounts, gone.staff, gone.accountId, '127.0.0.1');
    const attempts = [
      await signInAttempt({ email: person.email, password: person.password, birthDate: '1900-01-01' }),
      await signInAttempt({ email: person.email, password: 'not the password at all', birthDate: person.patient.birthDate }),
      await signInAttempt({ email: `nobody-${person.email}`, password: person.password, birthDate: person.patient.birthDate }),
      await signInAttempt({ email: gone.email, password: gone.password, birthDate: gone.patient.birthDate }),
    ];
    expect(attempts.map((a) => a.status)).to.deep.equal([200, 200, 200, 200]);
    for (const attempt of attempts) {
      expect(attempt.body).to.include('No pudimos iniciar su sesión con esos datos');
      expect(normalized(attempt)).to.equal(normalized(attempts[0]!));
    }
    // And the right three factors still work.
    const home = await signInAttempt({ email: person.email, password: person.password, birthDate: person.patient.birthDate });
    expect(home.body).to.include(`Hola, ${person.patient.given} ${person.patient.family}`);
  });

  it('locks an account after the failure threshold, refuses even the right password, and emails the owner', async () => {
    const person = await onboard(portal.ctx, portal.smtp);
    const before = portal.smtp.messages.length;
    for (let i = 0; i < 3; i++) await signInAttempt({ email: person.email, password: `wrong guess number ${i}`, birthDate: person.patient.birthDate });
    const locked = await signInAttempt({ email: person.email, password: person.password, birthDate: person.patient.birthDate });
    expect(locked.body).to.include('No pudimos iniciar su sesión con esos datos');
    await portal.ctx.outbox.runOnce();
    const notice = (await portal.smtp.waitForMessages(before + 1)).slice(before).find((m) => m.envelopeTo.includes(person.email));
    expect(notice?.parsed.subject).to.include('Pausamos el acceso');
    offsetMs = 16 * 60_000; // the lockout (15 min) has run out
    const after = await signInAttempt({ email: person.email, password: person.password, birthDate: person.patient.birthDate });
    expect(after.body).to.include('Hola,');
  });

  it('ends every session and token when the password is reset, and emails a notice', async () => {
    const person = await onboard(portal.ctx, portal.smtp);
    const signedIn = new HttpClient(portal.url);
    expect((await signInAttempt({ email: person.email, password: person.password, birthDate: person.patient.birthDate }, signedIn)).body).to.include('Hola,');
    const accessToken = await currentAccessToken(person.accountId);
    expect((await readOwnPatient(accessToken, person.patient.id)).status).to.equal(200);

    const other = new HttpClient(portal.url);
    await other.get('/password/forgot');
    const before = portal.smtp.messages.length;
    const answer = await other.submit('/password/forgot', { email: person.email, birthDate: person.patient.birthDate });
    const unknown = await other.submit('/password/forgot', { email: `nobody-${person.email}`, birthDate: person.patient.birthDate });
    expect(answer.body.replace(/name="_csrf" value="[^"]*"/g, '')).to.equal(unknown.body.replace(/name="_csrf" value="[^"]*"/g, ''));
    await portal.ctx.outbox.runOnce();
    const resetMail = (await portal.smtp.waitForMessages(before + 1)).slice(before).find((m) => m.envelopeTo.includes(person.email))!;
    const token = tokenOf(resetMail, '/password/reset');
    await other.get(`/password/reset?t=${token}`);
    const done = await other.submit('/password/reset', { t: token, password: 'otra frase nueva para el portal' });
    expect(done.body).to.include('Su contraseña cambió');

    expect((await signedIn.get('/')).body, 'the old session is gone').to.include('Iniciar sesión');
    expect((await readOwnPatient(accessToken, person.patient.id)).status, 'the old token is dead').to.equal(401);
    await portal.ctx.outbox.runOnce();
    const mails = await portal.smtp.waitForMessages(portal.smtp.messages.length);
    for (let i = 0; i < 50 && !mails.some((m) => m.envelopeTo.includes(person.email) && /Cambió la contraseña/.test(m.parsed.subject ?? '')); i++) {
      await new Promise((r) => setTimeout(r, 100));
    }
    expect(portal.smtp.messages.some((m) => m.envelopeTo.includes(person.email) && /Cambió la contraseña/.test(m.parsed.subject ?? ''))).to.equal(true);
    expect((await signInAttempt({ email: person.email, password: person.password, birthDate: person.patient.birthDate })).body).to.include('No pudimos');
    expect((await signInAttempt({ email: person.email, password: 'otra frase nueva para el portal', birthDate: person.patient.birthDate })).body).to.include('Hola,');
  });

  it('ends an open session and makes an issued access token fail on its next use when the account is deactivated', async () => {
    const person = await onboard(portal.ctx, portal.smtp);
    const browser = new HttpClient(portal.url);
    await signInAttempt({ email: person.email, password: person.password, birthDate: person.patient.birthDate }, browser);
    const accessToken = await currentAccessToken(person.accountId);
    expect((await readOwnPatient(accessToken, person.patient.id)).status).to.equal(200);
    await deactivateAccount(portal.ctx.accounts, person.staff, person.accountId, '127.0.0.1');
    expect((await readOwnPatient(accessToken, person.patient.id)).status).to.equal(401);
    expect((await browser.get('/')).body).to.include('Iniciar sesión');
    const consent = (await portal.ctx.fhir.search('Consent', { patient: `Patient/${person.patient.id}` })).entry![0]!.resource as {
      status: string;
      provision?: { period?: { end?: string } };
    };
    expect(consent.status).to.equal('inactive');
    expect(consent.provision?.period?.end).to.be.a('string');

    // A new signed authorization reactivates the account through a fresh invitation.
    const physician = await portal.ctx.fhir.create<Practitioner>({ resourceType: 'Practitioner', name: [{ family: 'Reyes' }] });
    const before = portal.smtp.messages.length;
    await recordAuthorization(
      portal.ctx.accounts,
      person.staff,
      { patientId: person.patient.id, signer: { kind: 'patient' }, patientEmail: person.email, physicianId: physician.id!, identityConfirmed: true, locale: 'es' },
      '127.0.0.1',
    );
    await portal.ctx.outbox.runOnce();
    const mails = (await portal.smtp.waitForMessages(before + 1)).slice(before).filter((m) => m.envelopeTo.includes(person.email) && m.parsed.attachments.length > 0);
    const token = tokenOf(mails[mails.length - 1]!, '/register');
    expect((await registrationPost(token, person.patient.birthDate)).body).to.include('Su cuenta está lista');
    expect((await signInAttempt({ email: person.email, password: 'una contraseña bastante larga', birthDate: person.patient.birthDate })).body).to.include('Hola,');
  });

  it('ends a session after 15 idle minutes, and after its absolute lifetime however active', async () => {
    const person = await onboard(portal.ctx, portal.smtp);
    const idle = new HttpClient(portal.url);
    await signInAttempt({ email: person.email, password: person.password, birthDate: person.patient.birthDate }, idle);
    offsetMs = 14 * 60_000;
    expect((await idle.get('/')).body, 'still active at 14 minutes').to.include('Hola,');
    offsetMs = 29 * 60_000 + 30_000;
    expect((await idle.get('/')).body, 'idle for 15.5 minutes').to.include('Iniciar sesión');

    offsetMs = 0;
    const busy = new HttpClient(portal.url);
    await signInAttempt({ email: person.email, password: person.password, birthDate: person.patient.birthDate }, busy);
    // Activity every 10 minutes keeps the idle clock fresh…
    for (let minutes = 10; minutes < 12 * 60; minutes += 10) {
      offsetMs = minutes * 60_000;
      if (minutes % 120 === 0) expect((await busy.get('/')).body, `active at ${minutes} min`).to.include('Hola,');
      else await busy.request('GET', '/');
    }
    offsetMs = 12 * 3600_000 + 60_000;
    expect((await busy.get('/')).body, '…but not past 12 hours').to.include('Iniciar sesión');
  });

  async function currentAccessToken(accountId: string): Promise<string> {
    const rows = await portal.ctx.db.query<{ token: string }>("SELECT data->'tokens'->>'accessToken' AS token FROM web_sessions WHERE account_id = $1", [accountId]);
    return rows.rows[0]!.token;
  }
  const readOwnPatient = (token: string, id: string) => fetch(`${portal.url}/fhir/Patient/${id}`, { headers: { authorization: `Bearer ${token}` } });
});
