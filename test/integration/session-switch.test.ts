import { expect } from 'chai';
import { createHash, randomBytes } from 'node:crypto';
import { HttpClient, formAction, type PageResponse } from '../support/http-client.ts';
import { startPortal, type RunningPortal } from '../support/portal.ts';
import { onboard, type Onboarded } from '../support/onboard.ts';
import { seedPatient, seedStaff } from '../support/seed.ts';
import { findStaffByEmail } from '../../src/store/accounts.ts';
import { registerClient } from '../../src/store/oauth-clients.ts';

const redirectUri = 'http://127.0.0.1:9/switch-callback';
const launchUrl = 'http://127.0.0.1:9/switch-launch';

/**
 * One browser, two kinds of people (issue #4): a patient's authorization-server session is in the
 * browser when a staff member launches an app from the console there, and the other way round. Each
 * authorization must get the person it is for: the EHR launch the launching staff member, a patient
 * app a patient who signed in for it; a session is never reused across kinds.
 */
describe('account switch in one browser: patient session, then staff EHR launch (and back)', function () {
  this.timeout(120_000);
  let portal: RunningPortal;
  let person: Onboarded;
  let staff: Awaited<ReturnType<typeof seedStaff>>;
  let staffAccount: string;
  let practitioner: string;
  let launched: string;
  let clientId: string;

  before(async () => {
    portal = await startPortal();
    person = await onboard(portal.ctx, portal.smtp);
    staff = await seedStaff(portal.ctx);
    const found = (await findStaffByEmail(portal.ctx.db, staff.email))!;
    staffAccount = found.id;
    practitioner = found.fhir_user!;
    launched = (await seedPatient(portal.ctx)).id;
    clientId = (await registerClient(portal.ctx.db, { name: 'Shared Desk App', redirectUris: [redirectUri], kind: 'public', launchUrl })).clientId;
  });
  after(() => portal.stop());

  /** The app's authorization request in `browser`, followed until the redirect back to the app or a page that stops it. */
  async function authorize(browser: HttpClient, scope: string, extra: Record<string, string> = {}): Promise<{ back?: URL; page: PageResponse; verifier: string }> {
    const verifier = randomBytes(32).toString('base64url');
    const query = new URLSearchParams({
      client_id: clientId,
      response_type: 'code',
      redirect_uri: redirectUri,
      scope,
      state: 'sw',
      code_challenge: createHash('sha256').update(verifier).digest('base64url'),
      code_challenge_method: 'S256',
      aud: `${portal.url}/fhir`,
      ...extra,
    });
    let page = await browser.request('GET', `/oidc/auth?${query}`);
    while (page.location && !page.location.startsWith(redirectUri)) page = await browser.request('GET', new URL(page.location, page.url).toString());
    return { ...(page.location ? { back: new URL(page.location) } : {}), page, verifier };
  }
  /** Follows a form answer (sign-in, consent) in `browser` until the redirect back to the app or a page. */
  async function post(browser: HttpClient, action: string, fields: Record<string, string>): Promise<{ back?: URL; page: PageResponse }> {
    const csrf = /name="_csrf" value="([^"]+)"/.exec(browser.lastPage!.body)?.[1] ?? '';
    let page = await browser.request('POST', action, new URLSearchParams({ _csrf: csrf, ...fields }));
    while (page.location && !page.location.startsWith(redirectUri)) page = await browser.request('GET', new URL(page.location, page.url).toString());
    return { ...(page.location ? { back: new URL(page.location) } : {}), page };
  }
  async function exchange(code: string, verifier: string) {
    const response = await fetch(`${portal.url}/oidc/token`, {
      method: 'POST',
      headers: { 'content-type': 'application/x-www-form-urlencoded' },
      body: new URLSearchParams({ grant_type: 'authorization_code', code, redirect_uri: redirectUri, code_verifier: verifier, client_id: clientId }),
    });
    const tokens = (await response.json()) as { access_token?: string; id_token?: string; patient?: string; error?: string };
    expect(tokens.error, JSON.stringify(tokens)).to.equal(undefined);
    const claims = JSON.parse(Buffer.from(tokens.id_token!.split('.')[1]!, 'base64url').toString()) as { sub: string; fhirUser?: string };
    return { ...tokens, claims };
  }
  /** The patient authorizes the app standalone: sign-in (if asked), consent, token. */
  async function patientAuthorizes(browser: HttpClient) {
    const start = await authorize(browser, 'openid fhirUser launch/patient patient/*.rs');
    expect(start.page.body, 'the patient sign-in page').to.include('Sign in to your patient portal');
    const consent = await post(browser, formAction(start.page.body, /\/login$/), { email: person.email, password: person.password, birthDate: person.patient.birthDate });
    expect(consent.page.body).to.include('Shared Desk App wants to use your health record');
    const back = (await post(browser, formAction(consent.page.body, /\/consent$/), { decision: 'allow', scope: 'patient/*.rs' })).back!;
    return exchange(back.searchParams.get('code')!, start.verifier);
  }
  /** Staff sign in to the console in `browser` and press "Open the app"; returns the launch value. */
  async function staffLaunches(browser: HttpClient, who = staff): Promise<string> {
    await browser.get('/staff/login');
    await browser.submit('/staff/login', { email: who.email, password: who.password, code: who.code() });
    const page = await browser.get(`/staff/patients/${launched}`);
    const csrf = /name="_csrf" value="([^"]+)"/.exec(page.body)![1]!;
    const answer = await browser.request('POST', formAction(page.body, /\/launch$/), new URLSearchParams({ _csrf: csrf, app: clientId }));
    return new URL(answer.location!).searchParams.get('launch')!;
  }

  it('gives the EHR launch the staff member, not the patient whose session the browser holds, and never the reverse', async () => {
    const browser = new HttpClient(portal.url, 'en');
    const patientTokens = await patientAuthorizes(browser);
    expect(patientTokens.patient).to.equal(person.patient.id);
    expect(patientTokens.claims.sub).to.equal(person.accountId);

    // The staff member at the same computer launches the app for another patient.
    const launch = await staffLaunches(browser);
    const ehr = await authorize(browser, 'launch openid fhirUser patient/Patient.rs', { launch });
    expect(ehr.back, `the launch reached the app (stopped at ${ehr.page.status} ${ehr.page.url})`).to.not.equal(undefined);
    expect(ehr.back!.searchParams.get('error')).to.equal(null);
    const staffTokens = await exchange(ehr.back!.searchParams.get('code')!, ehr.verifier);
    expect(staffTokens.claims.sub, 'the token is the staff member’s').to.equal(staffAccount);
    expect(staffTokens.claims.fhirUser).to.equal(`${portal.url}/fhir/${practitioner}`);
    expect(staffTokens.patient).to.equal(launched);

    // The patient's session is gone: a silent patient authorization finds nobody to use, not the staff member.
    const silent = await authorize(browser, 'openid fhirUser launch/patient patient/*.rs', { prompt: 'none' });
    expect(silent.back?.searchParams.get('error')).to.equal('login_required');
    expect(silent.back?.searchParams.has('code')).to.equal(false);

    // Back to the patient: asked to sign in again, and the token is the patient's.
    const again = await patientAuthorizes(browser);
    expect(again.claims.sub).to.equal(person.accountId);
    expect(again.patient).to.equal(person.patient.id);

    // And a second launch from the console, with the patient's session in the browser again, is the staff member's.
    const second = await staffLaunches(browser);
    const ehr2 = await authorize(browser, 'launch openid fhirUser patient/Patient.rs', { launch: second });
    expect((await exchange(ehr2.back!.searchParams.get('code')!, ehr2.verifier)).claims.sub).to.equal(staffAccount);
  });

  it('without a console session, a patient session in the browser gets the staff sign-in form for the launch, not a code', async () => {
    // Another staff member (each TOTP step is accepted once, so one person's codes would run ahead of the clock).
    const colleague = await seedStaff(portal.ctx);
    const colleagueAccount = (await findStaffByEmail(portal.ctx.db, colleague.email))!.id;
    const desk = new HttpClient(portal.url, 'en');
    const launch = await staffLaunches(desk, colleague);
    const browser = new HttpClient(portal.url, 'en');
    await patientAuthorizes(browser);
    const ehr = await authorize(browser, 'launch openid fhirUser patient/Patient.rs', { launch });
    expect(ehr.back).to.equal(undefined);
    expect(ehr.page.body).to.include('Staff sign-in');
    const signedIn = await post(browser, formAction(ehr.page.body, /\/staff-login$/), { email: colleague.email, password: colleague.password, code: colleague.code() });
    expect(signedIn.back, `stopped at ${signedIn.page.status} ${signedIn.page.url}`).to.not.equal(undefined);
    const tokens = await exchange(signedIn.back!.searchParams.get('code')!, ehr.verifier);
    expect(tokens.claims.sub).to.equal(colleagueAccount);
    expect(tokens.patient).to.equal(launched);
  });
});
