import { expect } from 'chai';
import type { Browser, BrowserContext, Page } from 'playwright-core';
import { registerClient } from '../../src/store/oauth-clients.ts';
import { collapse, h1, launchChromium } from '../support/browser.ts';
import { startPortal, type RunningPortal } from '../support/portal.ts';
import { onboard, type Onboarded } from '../support/onboard.ts';
import { seedClinicalRecord, type ClinicalRecord } from '../support/clinical-seed.ts';
import { startSmartApp, type RunningSmartApp } from '../support/smart-app/server.ts';

/**
 * Interoperability with a client we did not write: SMART Health IT's own JavaScript library
 * (`fhirclient`, npm), running in real headless Chromium on its own origin, performs a SMART App
 * Launch 2.2 standalone launch against the portal — discovery, authorization with PKCE and `aud`,
 * the portal's sign-in and consent screens, the public-client code exchange from the browser (CORS),
 * then reads through the FHIR facade with the token it got.
 */

const appName = 'Diario de Salud (fhirclient test app)';
const requestedScope = 'openid fhirUser launch/patient patient/Patient.rs patient/Observation.rs';

interface AppResult {
  patientId: string | null;
  fhirUser: string | null;
  idTokenFhirUser: string | null;
  scope: string;
  serverUrl: string;
  patientName?: string;
  patientError?: { status: number | null; message: string };
  observationCount?: number;
  observationTexts?: string[];
  observationError?: { status: number | null; message: string };
}

describe('SMART standalone launch by SMART Health IT’s fhirclient in real Chromium', function () {
  this.timeout(180_000);
  let portal: RunningPortal;
  let app: RunningSmartApp;
  let browser: Browser;
  let clientId: string;
  let person: Onboarded;
  let record: ClinicalRecord;
  const contexts: BrowserContext[] = [];

  before(async () => {
    [browser, portal, app] = await Promise.all([launchChromium(), startPortal(), startSmartApp()]);
    ({ clientId } = await registerClient(portal.ctx.db, { name: appName, redirectUris: [app.redirectUri], kind: 'public' }));
    person = await onboard(portal.ctx, portal.smtp, { locale: 'en' });
    record = await seedClinicalRecord(portal.ctx, person.patient.id, 'FHIRCLIENT');
  });
  afterEach(async () => {
    await Promise.all(contexts.splice(0).map((c) => c.close()));
  });
  after(async () => {
    await browser?.close();
    await app?.stop();
    await portal?.stop();
  });

  /**
   * Opens launch.html, signs in on the portal's page, and stops on the consent screen. Everything the
   * app's pages log or throw is kept, so a failure says what fhirclient saw.
   */
  async function launchToConsent(): Promise<{ page: Page; console: string[]; authorizeRequest: () => URL | undefined }> {
    const context = await browser.newContext({ locale: 'en-US', viewport: { width: 1280, height: 800 } });
    contexts.push(context);
    const page = await context.newPage();
    const console: string[] = [];
    page.on('console', (m) => console.push(`${m.type()}: ${m.text()}`));
    page.on('pageerror', (e) => console.push(`pageerror: ${e.message}`));
    page.on('framenavigated', (f) => {
      if (f === page.mainFrame()) console.push(`navigated: ${f.url()}`);
    });
    page.on('response', (r) => console.push(`response: ${r.request().method()} ${r.url()} → ${r.status()}`));
    let authorize: URL | undefined;
    page.on('request', (r) => {
      if (!authorize && r.url().startsWith(`${portal.url}/oidc/auth?`)) authorize = new URL(r.url());
    });

    // launch.html → fhirclient reads the discovery document, then redirects to the authorization endpoint → sign-in page.
    await page.goto(app.launchUrl({ client: clientId, iss: `${portal.url}/fhir` }));
    await page
      .waitForURL((url) => url.origin === portal.url && /^\/interaction\/[^/]+$/.test(url.pathname), { timeout: 30_000 })
      .catch(async (error: Error) => {
        throw new Error(
          `launch.html never reached the portal's sign-in page (at ${page.url()}): ${error.message}\n#error: ${await page
            .locator('#error')
            .textContent()
            .catch(() => '')}\n${console.join('\n')}`,
        );
      });
    expect(await h1(page)).to.equal('Sign in to your patient portal');
    await page.fill('#email', person.email);
    await page.fill('#password', person.password);
    await page.fill('#birthDate', person.patient.birthDate);
    await Promise.all([page.waitForEvent('load'), page.click('main form button[type=submit]')]);

    // The consent screen names the app and lists what it asked for, in words, each ticked.
    expect(await h1(page)).to.equal(`${appName} wants to use your health record`);
    const requested = page.locator('main fieldset > .choice');
    const rows = await requested.evaluateAll((nodes) =>
      nodes.map((n) => ({
        scope: n.querySelector('input')!.value,
        checked: n.querySelector('input')!.checked,
        label: n.querySelector('label')!.textContent!.replace(/\s+/g, ' ').trim(),
      })),
    );
    expect(rows).to.deep.equal([
      { scope: 'patient/Patient.rs', checked: true, label: 'Your demographics (name, date of birth, contact details)' },
      { scope: 'patient/Observation.rs', checked: true, label: 'Test results, vital signs and other measurements' },
    ]);
    return { page, console, authorizeRequest: () => authorize };
  }

  /** Clicks allow, follows the redirect back to index.html, and reads what the app wrote. */
  async function allowAndReadResult(page: Page, console: string[]): Promise<{ result: AppResult; error: string }> {
    await page.click('button[name=decision][value=allow]');
    await page
      .waitForURL((url) => url.origin === app.origin && url.pathname === '/index.html', { timeout: 30_000 })
      .catch(async (error: Error) => {
        throw new Error(
          `allow never led back to index.html (at ${page.url()}, "${await h1(page).catch(() => '')}"): ${error.message}\n${collapse(
            (await page
              .locator('body')
              .textContent()
              .catch(() => '')) ?? '',
          ).slice(0, 2000)}\n${console.join('\n')}`,
        );
      });
    await page.waitForSelector('body[data-state]', { timeout: 30_000 });
    const state = await page.getAttribute('body', 'data-state');
    const error = (await page.locator('#error').textContent()) ?? '';
    expect(state, `the app did not complete the launch: ${error}\n${console.join('\n')}`).to.equal('done');
    // fhirclient removed code and state from the address bar once it had exchanged the code (it leaves
    // the authorization server's RFC 9207 `iss`, which it does not use).
    const landed = new URL(page.url()).searchParams;
    expect([landed.has('code'), landed.has('state')]).to.deep.equal([false, false]);
    return { result: JSON.parse((await page.locator('#result').textContent())!) as AppResult, error };
  }

  it('completes the launch, and the app reads the patient and their Observations with the token it got', async () => {
    const { page, console, authorizeRequest } = await launchToConsent();
    const { result, error } = await allowAndReadResult(page, console);

    // What fhirclient sent to the authorization endpoint, having read the discovery document: PKCE S256,
    // the FHIR base as aud, and the exact redirect URI registered.
    const sent = authorizeRequest()!.searchParams;
    expect(sent.get('code_challenge_method')).to.equal('S256');
    expect(sent.get('code_challenge')).to.match(/^[A-Za-z0-9_-]{43}$/);
    expect(sent.get('aud')).to.equal(`${portal.url}/fhir`);
    expect(sent.get('redirect_uri')).to.equal(app.redirectUri);
    expect(sent.get('client_id')).to.equal(clientId);

    expect(error, 'no request failed').to.equal('');
    expect(result.serverUrl).to.equal(`${portal.url}/fhir`);
    expect(result.patientId, 'the token response names the patient').to.equal(person.patient.id);
    expect(result.patientName).to.equal(`${person.patient.given} ${person.patient.family}`);
    expect(result.observationCount, 'the seeded laboratory and vital-sign Observations').to.equal(2);
    expect(result.observationTexts).to.have.members(['FHIRCLIENT glucose', 'FHIRCLIENT weight']);
    expect(Object.keys(record.ids)).to.include.members(['lab', 'vital']);
    expect(result.scope.split(' ')).to.include.members(requestedScope.split(' '));
    expect(result.fhirUser).to.match(new RegExp(`(^|/)Patient/${person.patient.id}$`));
    expect(result.idTokenFhirUser, 'the id_token carries fhirUser as an absolute URL').to.equal(`${portal.url}/fhir/Patient/${person.patient.id}`);
  });

  it('grants less when the patient unticks Observations: the token lacks the scope and the search is refused with 403', async () => {
    const { page, console } = await launchToConsent();
    await page.uncheck('input[name=scope][value="patient/Observation.rs"]');
    const { result, error } = await allowAndReadResult(page, console);

    const granted = result.scope.split(' ');
    expect(granted).to.include.members(['openid', 'fhirUser', 'launch/patient', 'patient/Patient.rs']);
    expect(granted.filter((s) => s.startsWith('patient/Observation'))).to.deep.equal([]);
    expect(result.patientId).to.equal(person.patient.id);
    expect(result.patientName).to.equal(`${person.patient.given} ${person.patient.family}`);
    expect(result.observationCount).to.equal(undefined);
    expect(result.observationError?.status).to.equal(403);
    expect(error).to.match(/^Observation search failed: 403 /);
  });
});
