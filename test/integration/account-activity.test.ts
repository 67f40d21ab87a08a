/**
 * The account activity log (/account/activity, ONC §170.315(e)(1)(ii)): a patient signs in, views a
 * record page and downloads the C-CDA with a date range; the log then lists that download first, by
 * the patient's name with the range in words, and the sign-in and the view — in Chromium at 375 px with
 * axe, in Spanish and English. Another patient's account sees none of those rows, even when it names
 * the first patient in the query; without a session, sign-in first.
 */
import { expect } from 'chai';
import type { Browser, BrowserContext, Page } from 'playwright-core';
import { checkAccessibility, collapse, launchChromium } from '../support/browser.ts';
import { startPortal, type RunningPortal } from '../support/portal.ts';
import { loadSyntheaPatient, registerAccountFor, type RecordUser } from '../support/record-patient.ts';
import { translate } from '../../src/core/i18n/translate.ts';
import { dateFormatter } from '../../src/core/fhir/dates.ts';

const locales = { es: 'es-ES', en: 'en-US' } as const;
type Language = keyof typeof locales;
const RANGE = { from: '2019-06-01', to: '2020-12-31' } as const;
const TIME_ZONE = 'America/Chicago';

describe('the account activity log: who viewed and downloaded the record, and when', function () {
  this.timeout(600_000);
  let portal: RunningPortal;
  let browser: Browser;
  let luigi: RecordUser;
  let carla: RecordUser;
  const contexts: BrowserContext[] = [];

  before(async () => {
    [portal, browser] = await Promise.all([startPortal({ PRACTICE_NAME: 'Clínica Puente', PRACTICE_TIME_ZONE: TIME_ZONE }), launchChromium()]);
    luigi = await registerAccountFor(portal.ctx, await loadSyntheaPatient(portal.ctx, 'Luigi_Wiegand'));
    carla = await registerAccountFor(portal.ctx, await loadSyntheaPatient(portal.ctx, 'Carla_Echevarria'));
  });
  afterEach(async () => {
    await Promise.all(contexts.splice(0).map((c) => c.close()));
  });
  after(async () => {
    await browser?.close();
    await portal?.stop();
  });

  async function signedIn(language: Language, path: string, who: RecordUser): Promise<Page> {
    const context = await browser.newContext({ locale: locales[language], viewport: { width: 375, height: 900 } });
    contexts.push(context);
    const page = await context.newPage();
    await page.goto(`${portal.url}/auth/login?next=${encodeURIComponent(path)}`);
    await page.fill('#email', who.email);
    await page.fill('#password', who.password);
    await page.fill('#birthDate', who.birthDate);
    await Promise.all([page.waitForURL((url) => url.pathname === path), page.click('main form button[type=submit]')]);
    return page;
  }

  const rowsOf = async (page: Page) => (await page.locator('main ol.activity > li').allTextContents()).map(collapse);

  it('sends a visitor without a session to sign-in and back', async () => {
    const context = await browser.newContext();
    contexts.push(context);
    const response = await context.request.get(`${portal.url}/account/activity?kind=downloads`, { maxRedirects: 0 });
    expect(response.status()).to.equal(303);
    expect(response.headers()['location']).to.equal(`/auth/login?next=${encodeURIComponent('/account/activity?kind=downloads')}`);
  });

  for (const language of ['es', 'en'] as const) {
    const t = (key: Parameters<typeof translate>[1], params?: Record<string, string | number>) => translate(language, key, params);
    it(`lists the download made a moment ago first, by the patient with its range, then the view and the sign-in (${language}, axe at 375 px)`, async () => {
      const page = await signedIn(language, '/record/allergies', luigi);
      const download = await page.request.get(`${portal.url}/share/download/ccd.xml?what=range&from=${RANGE.from}&to=${RANGE.to}&lang=${language}`);
      expect(download.status()).to.equal(200);

      // From the signed-in navigation, as a visitor would find it.
      await Promise.all([page.waitForURL((url) => url.pathname === '/account/activity'), page.click(`header a[href="/account/activity"]`)]);
      expect(await page.locator('html').getAttribute('lang')).to.equal(language);
      expect(collapse(await page.locator('main h1').textContent())).to.equal(t('activity.title'));
      const rows = await rowsOf(page);
      const dates = dateFormatter(language, TIME_ZONE);
      const downloaded = t('activity.downloaded', {
        what: t('activity.format.ccda'),
        range: t('activity.range.between', { from: dates.day(RANGE.from), to: dates.day(RANGE.to) }),
      });
      const by = t('activity.by', { name: luigi.name });
      expect(rows[0]).to.include(downloaded).and.to.include(by);
      // The time is said in the practice's zone, with the zone named.
      expect(rows[0]).to.match(/C[SD]T/);
      const signIn = rows.findIndex((row) => row.startsWith(t('activity.signedIn')));
      const view = rows.findIndex((row) => row.startsWith(t('activity.viewed')));
      expect(signIn, rows.join('\n')).to.be.greaterThan(0);
      expect(view, rows.join('\n')).to.be.greaterThan(0);
      expect(view).to.be.below(signIn);
      expect(rows[view]).to.include(by);
      expect(rows[signIn]).to.include(by);

      expect(await checkAccessibility(page, `activity-${language}`)).to.deep.equal([]);
      expect(Number(await page.evaluate('document.documentElement.scrollWidth'))).to.be.at.most(375);

      // The filter is a GET form: downloads only.
      await page.selectOption('#kind', 'downloads');
      await Promise.all([page.waitForURL((url) => url.searchParams.get('kind') === 'downloads'), page.click('main form button[type=submit]')]);
      const downloads = await rowsOf(page);
      expect(downloads.length).to.be.greaterThan(0);
      expect(downloads.every((row) => row.startsWith(t('activity.downloaded', { what: '', range: '' }).split(' ')[0]!))).to.equal(true);
      expect(downloads[0]).to.include(downloaded);
      expect(await checkAccessibility(page, `activity-downloads-${language}`)).to.deep.equal([]);
    });
  }

  it('shows another patient’s account none of the first patient’s rows, even when the query names that patient', async () => {
    const page = await signedIn('en', '/account/activity', carla);
    for (const path of ['/account/activity', `/account/activity?patient=${luigi.patientId}`, `/account/activity?patient=Patient/${luigi.patientId}&kind=downloads`]) {
      const response = await page.goto(`${portal.url}${path}`);
      expect(response?.status(), path).to.equal(200);
      const main = collapse(await page.locator('main').textContent());
      expect(main, path).to.not.include(luigi.name);
      expect(main, path).to.not.include(luigi.patientId);
      const rows = await rowsOf(page);
      // Carla has signed in and downloaded nothing.
      expect(
        rows.some((row) => row.startsWith(translate('en', 'activity.downloaded', { what: '', range: '' }).split(' ')[0]!)),
        path,
      ).to.equal(false);
      if (!path.includes('kind=downloads'))
        expect(
          rows.some((row) => row.includes(translate('en', 'activity.by', { name: carla.name }))),
          path,
        ).to.equal(true);
    }
  });
});
