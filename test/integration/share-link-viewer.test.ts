/**
 * Issue "Send the record to an outside doctor", share links: the viewer page `/s#shlink:/…` in real
 * Chromium, in both languages at 375 px with axe 0. The doctor types a wrong passcode (told the attempts
 * left, focus on the field), then the right one: the PDF shows in the page from a blob: URL, with an
 * "Open the PDF" link, and the CCD and FHIR data download byte for byte as they were shared. A revoked
 * link and a link with no payload say so; without JavaScript a notice says why nothing works. The
 * payload (key) never reaches the server, and the portal's log holds neither passcode nor recipient.
 */
import { expect } from 'chai';
import { readFileSync } from 'node:fs';
import type { Browser, BrowserContext, Page } from 'playwright-core';
import { checkAccessibility, collapse, launchChromium, screenshot } from '../support/browser.ts';
import { startPortal, type RunningPortal } from '../support/portal.ts';
import { createShareLink } from '../../src/export/transmit/share-links/create-share-link.ts';
import { revokeShareLink } from '../../src/export/transmit/share-links/revoke-share-link.ts';
import { en } from '../../src/core/i18n/catalog-en.ts';
import { es } from '../../src/core/i18n/catalog-es.ts';

const catalogs = { es, en } as const;
const locales = { es: 'es-ES', en: 'en-US' } as const;

// A one-page PDF written by hand (PDF 1.4, one text line), enough for the browser's viewer.
const pdf = Buffer.from(
  [
    '%PDF-1.4',
    '1 0 obj <</Type/Catalog/Pages 2 0 R>> endobj',
    '2 0 obj <</Type/Pages/Kids[3 0 R]/Count 1>> endobj',
    '3 0 obj <</Type/Page/Parent 2 0 R/MediaBox[0 0 300 144]/Contents 4 0 R/Resources<</Font<</F1 5 0 R>>>>>> endobj',
    '4 0 obj <</Length 44>> stream',
    'BT /F1 18 Tf 20 70 Td (Health summary) Tj ET',
    'endstream endobj',
    '5 0 obj <</Type/Font/Subtype/Type1/BaseFont/Helvetica>> endobj',
    'trailer <</Root 1 0 R>>',
    '%%EOF',
    '',
  ].join('\n'),
);
const ccd = '<?xml version="1.0" encoding="UTF-8"?>\n<ClinicalDocument xmlns="urn:hl7-org:v3"><title>Resumen — CCD</title></ClinicalDocument>\n';
const fhir = `${JSON.stringify({ resourceType: 'Bundle', type: 'collection', entry: [] }, null, 2)}\n`;
const passcode = 'río-azul-42';
const recipient = 'Dra. Ana Rivera Testigo';

describe('share-link viewer (/s) in Chromium', function () {
  this.timeout(300_000);
  let portal: RunningPortal;
  let browser: Browser;
  const contexts: BrowserContext[] = [];

  before(async () => {
    [portal, browser] = await Promise.all([startPortal({ PRACTICE_NAME: 'Clínica Puente' }), launchChromium()]);
  });
  afterEach(async () => {
    await Promise.all(contexts.splice(0).map((c) => c.close()));
  });
  after(async () => {
    await browser?.close();
    await portal?.stop();
  });

  const makeLink = () =>
    createShareLink(
      { db: portal.ctx.db, publicUrl: portal.ctx.config.publicUrl },
      {
        patient: 'Patient/viewer-test',
        createdBy: 'Patient/viewer-test',
        label: 'Dra. Rivera',
        passcode,
        expiresAt: new Date(Date.now() + 14 * 24 * 3600_000),
        files: [
          { contentType: 'application/pdf', body: pdf },
          { contentType: 'application/xml', body: ccd },
          { contentType: 'application/fhir+json', body: fhir },
        ],
        what: { range: 'all' },
        clientAddress: '127.0.0.1',
        portalName: 'Clínica Puente',
        formats: ['summary PDF', 'C-CDA R2.1 CCD', 'FHIR R4 Bundle'],
      },
    );

  async function open(language: keyof typeof locales, url: string, options: { javaScriptEnabled?: boolean } = {}): Promise<Page> {
    const context = await browser.newContext({ locale: locales[language], viewport: { width: 375, height: 800 }, acceptDownloads: true, ...options });
    contexts.push(context);
    const page = await context.newPage();
    await page.goto(url);
    return page;
  }

  for (const language of ['es', 'en'] as const) {
    const t = catalogs[language];
    it(`opens a shared record in ${language === 'es' ? 'Spanish' : 'English'}: wrong passcode counted, then the PDF in the page and the CCD and FHIR downloads; axe 0 at 375 px`, async () => {
      const { link } = await makeLink();
      const requested: string[] = [];
      const page = await open(language, link);
      page.on('request', (request) => requested.push(request.url()));
      expect(await page.locator('html').getAttribute('lang')).to.equal(language);
      expect(collapse(await page.locator('main h1').textContent())).to.equal(t['viewer.title']);
      expect(await checkAccessibility(page, `viewer form ${language}`)).to.deep.equal([]);

      // Submitting empty: the name is asked for, and focused.
      await page.click('#shl-open');
      expect(collapse(await page.locator('#recipient-error').textContent())).to.equal(t['viewer.error.recipient']);
      expect(await page.evaluate('document.activeElement?.id')).to.equal('recipient');

      await page.fill('#recipient', recipient);
      await page.fill('#passcode', 'not-the-passcode');
      await page.click('#shl-open');
      await page.locator('#passcode-error').filter({ hasText: '9' }).waitFor();
      expect(collapse(await page.locator('#passcode-error').textContent())).to.equal(t['viewer.error.wrongPasscode'].replace('{n}', '9'));
      expect(await page.evaluate('document.activeElement?.id')).to.equal('passcode');
      expect(await page.locator('#passcode').getAttribute('aria-invalid')).to.equal('true');
      expect(await checkAccessibility(page, `viewer wrong passcode ${language}`)).to.deep.equal([]);

      await page.fill('#passcode', passcode);
      await page.click('#shl-open');
      await page.locator('#shl-result').waitFor({ state: 'visible' });
      expect(await page.evaluate('document.activeElement?.id')).to.equal('shl-result-title');
      expect(await page.locator('#shl-pdf-frame').getAttribute('src')).to.match(/^blob:/);
      expect(await page.locator('#shl-pdf-open').getAttribute('href')).to.match(/^blob:/);
      expect(collapse(await page.locator('#shl-pdf-open').textContent())).to.equal(t['viewer.openPdf']);
      const width = await page.evaluate<number>('document.documentElement.scrollWidth');
      expect(width, 'no sideways scrolling at 375 px').to.be.at.most(375);
      expect(await checkAccessibility(page, `viewer record ${language}`)).to.deep.equal([]);
      await screenshot(page, `share-link-viewer-${language}`);

      const [ccdDownload] = await Promise.all([page.waitForEvent('download'), page.click('#shl-ccd')]);
      expect(ccdDownload.suggestedFilename()).to.equal('health-record-ccd.xml');
      expect(readFileSync((await ccdDownload.path())!, 'utf8')).to.equal(ccd);
      const [fhirDownload] = await Promise.all([page.waitForEvent('download'), page.click('#shl-fhir')]);
      expect(fhirDownload.suggestedFilename()).to.equal('health-record-fhir.json');
      expect(readFileSync((await fhirDownload.path())!, 'utf8')).to.equal(fhir);
      const [pdfDownload] = await Promise.all([page.waitForEvent('download'), page.click('#shl-pdf-download')]);
      expect(readFileSync((await pdfDownload.path())!)).to.deep.equal(pdf);

      // The fragment never left the browser, and the log holds neither passcode nor recipient.
      const key = JSON.parse(Buffer.from(link.split('#shlink:/')[1]!, 'base64url').toString()).key as string;
      expect(requested.filter((url) => url.includes(key) || url.includes('shlink'))).to.deep.equal([]);
      const log = portal.logLines.join('\n');
      expect(log).not.to.include(passcode);
      expect(log).not.to.include(recipient);
      expect(log).not.to.include(key);
    });
  }

  it('says a revoked link was turned off, and a link without its payload is incomplete', async () => {
    const { id, link } = await makeLink();
    await revokeShareLink(portal.ctx.db, { patient: 'Patient/viewer-test', id, actor: 'Patient/viewer-test', clientAddress: '127.0.0.1', portalName: 'Clínica Puente' });
    const page = await open('en', link);
    await page.fill('#recipient', recipient);
    await page.fill('#passcode', passcode);
    await page.click('#shl-open');
    await page.locator('#shl-problem').waitFor({ state: 'visible' });
    expect(collapse(await page.locator('#shl-problem').textContent())).to.equal(en['viewer.error.gone']);
    expect(await page.locator('#shl-form').isHidden()).to.equal(true);
    expect(await checkAccessibility(page, 'viewer gone')).to.deep.equal([]);

    const bare = await open('es', `${portal.url}/s`);
    await bare.locator('#shl-problem').waitFor({ state: 'visible' });
    expect(collapse(await bare.locator('#shl-problem').textContent())).to.equal(es['viewer.error.badLink']);
  });

  it('keeps the link across the language switch (the fragment rides the redirect, never sent to the server)', async () => {
    const { link } = await makeLink();
    const page = await open('es', link);
    const hash = new URL(link).hash;
    await Promise.all([page.waitForURL((url) => url.pathname === '/s'), page.click('header a[hreflang="en"]')]);
    await page.locator('html[lang="en"]').waitFor({ state: 'attached' });
    expect(new URL(page.url()).hash).to.equal(hash);
    expect(await page.locator('#shl-form').isVisible()).to.equal(true);
  });

  it('tells a browser without JavaScript why nothing works', async () => {
    const { link } = await makeLink();
    const page = await open('es', link, { javaScriptEnabled: false });
    expect(collapse(await page.locator('main').textContent())).to.include(es['viewer.noscript']);
    expect(await page.locator('#shl-form').isVisible()).to.equal(false);
  });
});
