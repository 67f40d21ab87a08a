import { expect } from 'chai';
import type { Browser, BrowserContext, Page } from 'playwright-core';
import { checkAccessibility, collapse, h1, launchChromium, screenshot, submit } from '../support/browser.ts';
import { startPortal, type RunningPortal } from '../support/portal.ts';
import { onboard } from '../support/onboard.ts';
import { seedPatient, seedStaff } from '../support/seed.ts';
import { startSmartApp, type RunningSmartApp } from '../support/smart-app/server.ts';
import { registerClient } from '../../src/store/oauth-clients.ts';
import { linkAccountToPatient } from '../../src/store/launch-context.ts';

const appName = 'Gráficas de Crecimiento';

/** What each page says, in each language (exact, from the catalogs). */
const expected = {
  es: {
    locale: 'es-ES',
    signIn: 'Inicie sesión en su portal del paciente',
    picker: '¿Qué historia clínica quiere usar?',
    consent: `${appName} quiere usar su historia clínica`,
    whose: (name: string) => `Historia clínica de: ${name}`,
    staffSignIn: 'Acceso del personal',
  },
  en: {
    locale: 'en-US',
    signIn: 'Sign in to your patient portal',
    picker: 'Whose record do you want to use?',
    consent: `${appName} wants to use your health record`,
    whose: (name: string) => `Whose record: ${name}`,
    staffSignIn: 'Staff sign-in',
  },
} as const;

interface AppResult {
  patientId: string;
  patientName?: string;
  scope: string;
}

/**
 * The SMART pages of issue #4 in real Chromium, in Spanish and English, each checked with axe-core
 * (WCAG 2.2 AA) at 375 and 1280 px and photographed: the patient picker and the consent screen that
 * follows it during a standalone launch of the fhirclient test app, and the staff patient page's
 * "Open the app" form with the authorization server's staff sign-in of an EHR launch.
 */
describe('browser journeys in real Chromium: patient picker and EHR launch (axe-core, WCAG 2.2 AA)', function () {
  this.timeout(240_000);
  let portal: RunningPortal;
  let browser: Browser;
  let app: RunningSmartApp;
  let clientId: string;
  const contexts: BrowserContext[] = [];

  before(async () => {
    [browser, portal, app] = await Promise.all([launchChromium(), startPortal(), startSmartApp()]);
    ({ clientId } = await registerClient(portal.ctx.db, { name: appName, redirectUris: [app.redirectUri], kind: 'public', launchUrl: `${app.origin}/launch.html` }));
    // The launch URL carries the client id and the scopes the test app asks for in an EHR launch (the id is only known now).
    const launchUrl = `${app.origin}/launch.html?${new URLSearchParams({ client: clientId, scope: 'openid fhirUser launch patient/Patient.rs patient/Observation.rs' })}`;
    await portal.ctx.db.query("UPDATE oidc_payloads SET payload = jsonb_set(payload, '{smart_launch_url}', to_jsonb($2::text)) WHERE model = 'Client' AND id = $1", [
      clientId,
      launchUrl,
    ]);
  });
  afterEach(async () => {
    await Promise.all(contexts.splice(0).map((c) => c.close()));
  });
  after(async () => {
    await browser?.close();
    await app?.stop();
    await portal?.stop();
  });

  const newContext = async (locale: string) => {
    const context = await browser.newContext({ locale, viewport: { width: 1280, height: 800 } });
    contexts.push(context);
    return context;
  };

  /** Waits for the test app's redirect page to finish (code exchanged, patient read) and returns what it saw. */
  async function appResult(page: Page): Promise<AppResult> {
    await page
      .waitForURL((url) => url.origin === app.origin && url.pathname === '/index.html', { timeout: 30_000 })
      .catch(async (error: Error) => {
        throw new Error(`never reached the app's redirect (at ${page.url()}, "${await h1(page).catch(() => '')}"): ${error.message}`);
      });
    await page.waitForSelector('body[data-state]', { timeout: 30_000 });
    expect(await page.getAttribute('body', 'data-state'), (await page.locator('#error').textContent()) ?? '').to.equal('done');
    return JSON.parse((await page.locator('#result').textContent())!) as AppResult;
  }

  for (const language of ['es', 'en'] as const) {
    const says = expected[language];
    const findings: string[] = [];
    const checked: string[] = [];
    /** axe at both widths (the layout differs, so target size and reflow can too), then the screenshots. */
    const inspect = async (page: Page, name: string) => {
      for (const width of [375, 1280]) {
        await page.setViewportSize({ width, height: 800 });
        findings.push(...(await checkAccessibility(page, `${language}/${name} @${width}px`)));
      }
      await page.setViewportSize({ width: 1280, height: 800 });
      await screenshot(page, `${language}-${name}`);
      checked.push(name);
    };

    it(`picker then consent in a standalone launch, in ${language === 'es' ? 'Spanish' : 'English'}: the chosen patient is the token's, and both pages pass axe`, async () => {
      findings.length = 0;
      checked.length = 0;
      const person = await onboard(portal.ctx, portal.smtp, { locale: language });
      const child = await seedPatient(portal.ctx, { given: 'Tomás', birthDate: '2016-05-04' });
      await linkAccountToPatient(portal.ctx.db, person.accountId, `Patient/${child.id}`);
      const childName = `${child.given} ${child.family}`;

      const page = await (await newContext(says.locale)).newPage();
      await page.goto(app.launchUrl({ client: clientId, iss: `${portal.url}/fhir` }));
      await page.waitForURL((url) => url.origin === portal.url && /^\/interaction\/[^/]+$/.test(url.pathname), { timeout: 30_000 });
      expect(await h1(page)).to.equal(says.signIn);
      await page.fill('#email', person.email);
      await page.fill('#password', person.password);
      await page.fill('#birthDate', person.patient.birthDate);
      await submit(page, 'main form button[type=submit]');

      // The picker: the account's own record first, then the child's.
      expect(await h1(page)).to.equal(says.picker);
      const choices = await page.locator('main fieldset .choice label').allTextContents();
      expect(choices.map(collapse).map((c) => c.split(' · ')[0])).to.deep.equal([`${person.patient.given} ${person.patient.family}`, childName]);
      await inspect(page, 'patient-picker');
      if (language === 'es') {
        // By keyboard: onto the first choice, arrow down to the child, Enter submits the form.
        await page.focus('#patient-0');
        await page.keyboard.press('Space');
        await page.keyboard.press('ArrowDown');
        expect(await page.isChecked('#patient-1')).to.equal(true);
        await Promise.all([page.waitForEvent('load'), page.keyboard.press('Enter')]);
      } else {
        await page.click('label[for="patient-1"]');
        expect(await page.isChecked('#patient-1')).to.equal(true);
        await submit(page, 'main form button[type=submit]');
      }

      // The consent screen names whose record the app gets.
      expect(await h1(page)).to.equal(says.consent);
      expect(collapse((await page.locator('main p strong').first().textContent()) ?? '')).to.equal(says.whose(childName));
      await inspect(page, 'consent-after-picker');
      await page.click('button[name=decision][value=allow]');

      const result = await appResult(page);
      expect(result.patientId).to.equal(child.id);
      expect(result.patientName).to.equal(childName);

      expect(checked).to.deep.equal(['patient-picker', 'consent-after-picker']);
      expect(findings, `axe-core found WCAG 2.2 AA violations:\n${findings.join('\n')}\n`).to.deep.equal([]);
    });

    it(`staff open the app from the patient page and sign in to the authorization server, in ${language === 'es' ? 'Spanish' : 'English'}; both pages pass axe`, async () => {
      findings.length = 0;
      checked.length = 0;
      const staff = await seedStaff(portal.ctx);
      const patient = await seedPatient(portal.ctx, { given: 'Inés' });
      const fullName = `${patient.given} ${patient.family}`;

      const desk = await (await newContext(says.locale)).newPage();
      await desk.goto(`${portal.url}/staff/login`);
      await desk.fill('#email', staff.email);
      await desk.fill('#password', staff.password);
      await desk.fill('#code', staff.code());
      await submit(desk, 'main form button[type=submit]');
      await desk.goto(`${portal.url}/staff/patients/${patient.id}`);
      expect(await h1(desk)).to.equal(fullName);
      expect(await desk.locator('#app option').allTextContents()).to.include(appName);
      await inspect(desk, 'staff-patient-launch');

      // "Open the app": launch.html → the authorization server, signed in by the live console session → the app.
      await desk.selectOption('#app', clientId);
      await desk.click('form[action$="/launch"] button[type=submit]');
      const launched = await appResult(desk);
      expect(launched.patientId).to.equal(patient.id);
      expect(launched.patientName).to.equal(fullName);
      expect(launched.scope.split(' ')).to.include('launch');

      // A launch opened in a browser without the console session: the authorization server's staff sign-in.
      // The same form's POST, sent with this browser's cookies, gives the next launch URL without following it.
      await desk.goto(`${portal.url}/staff/patients/${patient.id}`);
      const csrf = await desk.locator('form[action$="/launch"] input[name=_csrf]').inputValue();
      const answer = await desk.context().request.post(`${portal.url}/staff/patients/${patient.id}/launch`, { form: { _csrf: csrf, app: clientId }, maxRedirects: 0 });
      expect(answer.status()).to.equal(303);
      const launchUrl = answer.headers()['location']!;
      expect(new URL(launchUrl).searchParams.get('launch')).to.match(/^[A-Za-z0-9_-]{43}$/);
      const elsewhere = await (await newContext(says.locale)).newPage();
      await elsewhere.goto(launchUrl);
      await elsewhere.waitForURL((url) => url.origin === portal.url && /^\/interaction\/[^/]+$/.test(url.pathname), { timeout: 30_000 });
      expect(await h1(elsewhere)).to.equal(says.staffSignIn);
      await inspect(elsewhere, 'authorization-server-staff-sign-in');
      await elsewhere.fill('#email', staff.email);
      await elsewhere.fill('#password', staff.password);
      await elsewhere.fill('#code', staff.code());
      await elsewhere.click('main form button[type=submit]');
      expect((await appResult(elsewhere)).patientId).to.equal(patient.id);

      expect(checked).to.deep.equal(['staff-patient-launch', 'authorization-server-staff-sign-in']);
      expect(findings, `axe-core found WCAG 2.2 AA violations:\n${findings.join('\n')}\n`).to.deep.equal([]);
    });
  }
});
