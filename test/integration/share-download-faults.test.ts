import { expect } from 'chai';
import { es } from '../../src/core/i18n/catalog-es.ts';
import { HttpClient, formAction, type PageResponse } from '../support/http-client.ts';
import { startPortal, type RunningPortal } from '../support/portal.ts';
import { testEnvironment } from '../support/environment.ts';
import { startSwitchableForwarder } from '../support/tcp-forwarder.ts';
import { loadSyntheaPatient, registerAccountFor, type RecordUser } from '../support/record-patient.ts';

/** Signs in through the real login form (no browser) and lands on `next`. */
async function signIn(portal: RunningPortal, user: RecordUser, next: string): Promise<HttpClient> {
  const browser = new HttpClient(portal.url, 'es');
  const form = await browser.get(`/auth/login?next=${encodeURIComponent(next)}`);
  const landed = await browser.submit(formAction(form.body, /^\/interaction\//), { email: user.email, password: user.password, birthDate: user.birthDate });
  expect(landed.status, `signed in and on ${next}`).to.equal(200);
  return browser;
}

/** A page a person can read, not a stack trace or a raw upstream message. */
function expectFriendlyPage(page: PageResponse, text: string): void {
  expect(page.headers.get('content-type')).to.match(/^text\/html/);
  expect(page.headers.get('content-disposition'), 'no file is handed out').to.equal(null);
  const words = page.body.replace(/&#39;|&apos;/g, "'").replace(/&quot;/g, '"');
  expect(words).to.include(text);
  expect(page.body).not.to.match(/\bat \S+ \(|node:internal|node_modules|ECONNREFUSED|ECONNRESET|fetch failed|Error:|OperationOutcome|<\?xml|"resourceType"/u);
}

const downloads = ['/share/download/ccd.xml', '/share/download/record.json', '/share/download/summary.pdf'] as const;

describe('downloading the health record when something fails: HAPI down, a record too large', function () {
  this.timeout(600_000);

  describe('HAPI goes down between the choice page and the download', () => {
    let portal: RunningPortal;
    let forwarder: Awaited<ReturnType<typeof startSwitchableForwarder>>;
    let user: RecordUser;

    before(async () => {
      forwarder = await startSwitchableForwarder(new URL(testEnvironment().hapi.baseUrl));
      portal = await startPortal({ FHIR_UPSTREAM_URL: forwarder.url, PRACTICE_NAME: 'Clínica Puente' });
      user = await registerAccountFor(portal.ctx, await loadSyntheaPatient(portal.ctx, 'Luigi_Wiegand'));
    });
    after(async () => {
      await portal?.stop();
      await forwarder?.close();
    });

    it('answers each download with the friendly error page (503, in the visitor’s language, a way to try again), never a stack or a partial file', async () => {
      const browser = await signIn(portal, user, '/share');
      // Through the forwarder, HAPI up: the download works, so what follows is the outage and nothing else.
      const working = await browser.request('GET', '/share/download/ccd.xml');
      expect(working.status).to.equal(200);
      expect(working.body).to.include('<ClinicalDocument');

      await forwarder.close();
      for (const path of downloads) {
        const page = await browser.request('GET', path);
        expect(page.status, path).to.equal(503);
        expectFriendlyPage(page, es['error.fhir_unavailable']);
        expect(page.body, `${path}: a "try again" link back to the same download`).to.include(`href="${path}"`);
      }
      expect(
        portal.logLines.some((line) => /"code":"fhir_unavailable"/.test(line)),
        'the outage is logged by code',
      ).to.equal(true);
    });
  });

  describe('a record with more pages than the download reads', () => {
    let portal: RunningPortal;
    let user: RecordUser;

    before(async () => {
      // One page of 100 per search: Josue Sipes has several hundred Observations, so the cap is met without loading 20,000 resources.
      portal = await startPortal({ PRACTICE_NAME: 'Clínica Puente' }, { downloadMaxPages: 1 });
      user = await registerAccountFor(portal.ctx, await loadSyntheaPatient(portal.ctx, 'Josue_Sipes'));
    });
    after(() => portal?.stop());

    it('refuses the CCD and the FHIR data with the clear "too large" page (503), not a shortened document', async () => {
      const browser = await signIn(portal, user, '/share');
      for (const path of ['/share/download/ccd.xml', '/share/download/record.json?from=1900-01-01&to=2100-12-31']) {
        const page = await browser.request('GET', path);
        expect(page.status, path).to.equal(503);
        expectFriendlyPage(page, es['share.tooLarge']);
        // The answer is the choice page again, so the person can pick a shorter range there.
        expect(page.body, path).to.include('formaction="/share/download/ccd.xml"');
      }
    });
  });
});
