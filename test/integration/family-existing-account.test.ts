import { expect } from 'chai';
import { readdirSync, readFileSync } from 'node:fs';
import type { Bundle } from '@medplum/fhirtypes';
import { HttpClient, formAction, type PageResponse } from '../support/http-client.ts';
import { startPortal, type RunningPortal } from '../support/portal.ts';
import { onboard, tokenOf, type Onboarded } from '../support/onboard.ts';
import { seedClinicalRecord, type ClinicalRecord } from '../support/clinical-seed.ts';
import { fromRoot } from '../../scripts/lib/paths.ts';

/**
 * Family invitations to someone who already holds a portal account (issue 13), against the real HAPI: patient
 * A invites the email of patient B's account and gets exactly the answer a new email gets (no user
 * enumeration); B gets an email with a link to accept signed in, signs in, accepts with one button, and then
 * picks either record at sign-in: A's within the Consent's limits, and still B's own. A third account signed in
 * cannot accept B's link and learns nothing from trying.
 */
describe('Family invitation to an existing account: same answer, accepted signed in, both records reached', function () {
  this.timeout(240_000);
  let portal: RunningPortal;
  let a: Onboarded;
  let a2: Onboarded;
  let b: Onboarded;
  let c: Onboarded;
  let recordA: ClinicalRecord;
  let recordB: ClinicalRecord;
  let link: string;

  /** The newest captured email to `address` after `from` messages, waiting for the outbox to deliver it. */
  async function mailTo(address: string, from = 0) {
    for (let i = 0; i < 100; i++) {
      await portal.ctx.outbox.runOnce();
      const found = portal.smtp.messages.slice(from).findLast((m) => m.envelopeTo.includes(address));
      if (found) return found;
      await new Promise((resolve) => setTimeout(resolve, 100));
    }
    throw new Error(`no email to ${address}`);
  }

  /** Signs in through the web app (from `start`, default /auth/login) and, when the picker asks, picks `patient`. */
  async function signIn(person: Onboarded, options: { start?: string; browser?: HttpClient; patient?: string } = {}): Promise<{ browser: HttpClient; page: PageResponse }> {
    const browser = options.browser ?? new HttpClient(portal.url);
    let start = '/auth/login';
    if (options.start) {
      // A page with a sign-in button: the browser follows the button's link, as a person would click it.
      const landing = await browser.get(options.start);
      start = /href="(\/auth\/login\?next=[^"]+)"/.exec(landing.body)![1]!.replace(/&amp;/g, '&');
    }
    const form = await browser.get(start);
    let page = await browser.submit(formAction(form.body, /^\/interaction\//), { email: person.email, password: person.password, birthDate: person.patient.birthDate });
    if (options.patient) page = await browser.submit(formAction(page.body, /\/patient$/), { patient: options.patient });
    return { browser, page };
  }
  const sessionToken = async (accountId: string) =>
    (
      await portal.ctx.db.query<{ token: string }>("SELECT data->'tokens'->>'accessToken' AS token FROM web_sessions WHERE account_id = $1 ORDER BY created_at DESC LIMIT 1", [
        accountId,
      ])
    ).rows[0]!.token;
  const fhir = async (path: string, token: string) => {
    const response = await fetch(`${portal.url}/fhir${path}`, { headers: { authorization: `Bearer ${token}`, accept: 'application/fhir+json' } });
    return { status: response.status, body: await response.text() };
  };
  const entries = (body: string) => ((JSON.parse(body) as Bundle).entry ?? []).map((e) => `${e.resource?.resourceType}/${e.resource?.id}`);

  /** The inviting patient's POST from /account/family, as the browser sends it. */
  async function invite(inviter: Onboarded, email: string): Promise<PageResponse> {
    const { browser } = await signIn(inviter);
    const page = await browser.get('/account/family');
    const csrf = /name="_csrf" value="([^"]+)"/.exec(page.body)![1]!;
    const body = new URLSearchParams([
      ['_csrf', csrf],
      ['name', 'Beto Ruiz'],
      ['relationship', 'SPS'],
      ['email', email],
      ['access', 'limited'],
      ['parts', 'problems'],
      ['endDate', ''],
      ['signature', 'María José Núñez'],
      ['password', inviter.password],
    ]);
    return browser.request('POST', '/account/family/invite', body);
  }

  before(async () => {
    portal = await startPortal();
    // The shared HAPI of a PUENTE_TEST_HAPI_URL run may predate these files; HAPI's own loader stores them by id, and so does this.
    for (const file of readdirSync(fromRoot('fhir-profiles')).filter((f) => f.startsWith('StructureDefinition-puente-family'))) {
      const definition = JSON.parse(readFileSync(fromRoot('fhir-profiles', file), 'utf8')) as { id: string };
      await portal.ctx.fhir.update({ ...(definition as { id: string; resourceType: 'StructureDefinition' }) } as never);
    }
    [a, a2, b, c] = [
      await onboard(portal.ctx, portal.smtp),
      await onboard(portal.ctx, portal.smtp),
      await onboard(portal.ctx, portal.smtp),
      await onboard(portal.ctx, portal.smtp),
    ];
    recordA = await seedClinicalRecord(portal.ctx, a.patient.id, 'ALPHA');
    recordB = await seedClinicalRecord(portal.ctx, b.patient.id, 'BRAVO');
  });
  after(() => portal.stop());

  it('inviting an existing patient’s email answers exactly as inviting a new email', async () => {
    const fresh = `fresh-${Date.now()}@example.org`;
    const accountsBefore = Number((await portal.ctx.db.query<{ n: string }>('SELECT count(*)::text AS n FROM accounts')).rows[0]!.n);
    const before = portal.smtp.messages.length;
    const toNew = await invite(a2, fresh);
    const toExisting = await invite(a, b.email);
    const accountsAfter = Number((await portal.ctx.db.query<{ n: string }>('SELECT count(*)::text AS n FROM accounts')).rows[0]!.n);
    expect(accountsAfter - accountsBefore, 'a pending account for the new email only').to.equal(1);
    // Same status, same page: only the CSRF values, the invitation's own id, the email typed and the clock's digits differ.
    const normal = (page: PageResponse, email: string) =>
      page.body
        .replace(/name="_csrf" value="[^"]+"/g, 'name="_csrf" value=""')
        .replace(/name="invitation" value="[^"]+"/g, 'name="invitation" value=""')
        .replaceAll(email, 'EMAIL')
        .replace(/\d/g, '0');
    expect(toExisting.status).to.equal(200);
    expect(toNew.status).to.equal(200);
    expect(normal(toExisting, b.email)).to.equal(normal(toNew, fresh));
    expect(toExisting.body).to.include(`Enviamos una invitación a ${b.email}`);

    // Each gets one email: the new one to register, the existing one to sign in and accept.
    const newMail = await mailTo(fresh, before);
    expect(newMail.parsed.text).to.match(/\/register\?t=[A-Za-z0-9_-]{43}/);
    const existingMail = await mailTo(b.email, before);
    expect(existingMail.parsed.text).not.to.include('/register');
    expect(existingMail.parsed.subject).to.include('Tiene una invitación para ver una historia clínica');
    expect(existingMail.parsed.text).to.include('donde usted ya tiene una cuenta');
    link = tokenOf(existingMail, '/account/family/accept');
  });

  it('the link asks to sign in first (both languages), and opening it changes nothing', async () => {
    for (const [language, text] of [
      ['es', 'Inicie sesión con su cuenta para ver quién es y aceptar'],
      ['en', 'Sign in with your account to see who and to accept'],
    ] as const) {
      const page = await new HttpClient(portal.url, language).get(`/account/family/accept?t=${link}`);
      expect(page.status).to.equal(200);
      expect(page.body).to.include(`<html lang="${language}">`);
      expect(page.body).to.include(text);
      expect(page.body, 'not whose record before sign-in').not.to.include(a.patient.family);
      expect(page.headers.get('cache-control')).to.equal('no-store');
    }
    const consumed = await portal.ctx.db.query("SELECT 1 FROM invitations WHERE purpose = 'proxy' AND consumed_at IS NOT NULL AND account_id = $1", [b.accountId]);
    expect(consumed.rows).to.have.length(0);
  });

  it('another signed-in account cannot accept the link and learns nothing about it', async () => {
    const { browser } = await signIn(c);
    const page = await browser.get(`/account/family/accept?t=${link}`);
    expect(page.status).to.equal(403);
    expect(page.body).to.include('Esta invitación es para otra cuenta.');
    for (const secret of [a.patient.family, a.patient.given, b.email, 'Beto Ruiz']) expect(page.body).not.to.include(secret);
    const csrf = /name="_csrf" value="([^"]+)"/.exec(page.body)![1]!;
    const post = await browser.request('POST', '/account/family/accept', new URLSearchParams({ _csrf: csrf, t: link }));
    expect(post.status).to.equal(403);
    expect(post.body).not.to.include(a.patient.family);
    const english = await signIn(c, { browser: new HttpClient(portal.url, 'en') });
    const refused = await english.browser.get(`/account/family/accept?t=${link}`);
    expect(refused.status).to.equal(403);
    expect(refused.body).to.include('This invitation was sent to another account.');
    const links = await portal.ctx.db.query('SELECT 1 FROM account_patients WHERE account_id = $1', [c.accountId]);
    expect(links.rows).to.have.length(0);
  });

  it('B signs in from the link, comes back to it, sees whose record and what, and accepts with one button', async () => {
    const { browser, page } = await signIn(b, { start: `/account/family/accept?t=${link}` });
    // From the sign-in page's button: /auth/login?next=… brings the browser back here.
    expect(page.status).to.equal(200);
    expect(page.url).to.include('/account/family/accept?t=');
    expect(page.body).to.include(`${a.patient.given} ${a.patient.family} le invitó a ver su historia clínica`);
    expect(page.body).to.include('Problemas de salud');
    const csrf = /name="_csrf" value="([^"]+)"/.exec(page.body)![1]!;
    const done = await browser.submit('/account/family/accept', { t: link });
    expect(done.status).to.equal(200);
    expect(done.body).to.include(`Ya puede ver la historia clínica de ${a.patient.given} ${a.patient.family}`);
    const row = (await portal.ctx.db.query<{ patient: string; parts: string[] }>('SELECT patient, parts FROM account_patients WHERE account_id = $1', [b.accountId])).rows;
    expect(row).to.deep.equal([{ patient: `Patient/${a.patient.id}`, parts: ['problems'] }]);
    const again = await browser.request('POST', '/account/family/accept', new URLSearchParams({ _csrf: csrf, t: link }));
    expect(again.status).to.equal(410);
  });

  it('B picks A’s record at sign-in: reached within the Consent’s limits, pages say whose record; B’s own record is still B’s', async () => {
    const onA = await signIn(b, { patient: a.patient.id });
    expect(onA.page.status).to.equal(200);
    const tokenA = await sessionToken(b.accountId);
    expect((await fhir(`/Patient/${a.patient.id}`, tokenA)).status).to.equal(200);
    expect(entries((await fhir(`/Condition?patient=${a.patient.id}`, tokenA)).body)).to.deep.equal([`Condition/${recordA.ids['condition']}`]);
    expect((await fhir(`/Observation?patient=${a.patient.id}`, tokenA)).status, 'not in the Consent').to.equal(403);
    expect((await fhir(`/Condition/${recordB.ids['condition']}`, tokenA)).status, 'B’s own record is not this token’s').to.equal(404);
    const family = await onA.browser.get('/account/family');
    expect(family.body).to.include(`Puede ver la historia clínica de ${a.patient.given} ${a.patient.family} porque le invitó.`);
    const agent = await portal.ctx.db.query<{ n: string }>('SELECT count(*)::text AS n FROM audit_events WHERE agent LIKE $1 AND patient = $2', [
      'RelatedPerson/%',
      `Patient/${a.patient.id}`,
    ]);
    expect(Number(agent.rows[0]!.n)).to.be.greaterThan(0);

    const onB = await signIn(b, { patient: b.patient.id });
    expect(onB.page.status).to.equal(200);
    const tokenB = await sessionToken(b.accountId);
    expect(entries((await fhir(`/Observation?patient=${b.patient.id}`, tokenB)).body).sort()).to.deep.equal(
      [`Observation/${recordB.ids['lab']}`, `Observation/${recordB.ids['vital']}`].sort(),
    );
    expect((await fhir(`/Condition/${recordA.ids['condition']}`, tokenB)).status).to.equal(404);
    expect((await onB.browser.get('/account/family')).body).to.include('Familia y cuidadores');
  });
});
