/**
 * Issue #5: the patient's health record in real Chromium, over real HAPI data. Every count and value
 * a page shows is computed here from HAPI (never hard-coded); every page passes axe-core (WCAG 2.2 AA)
 * at 375 and 1280 px in both languages, for the longest demo record and for an almost empty one, and
 * is photographed at both widths (test-results/screenshots/record-*).
 */
import { expect } from 'chai';
import type { Browser, BrowserContext, Page } from 'playwright-core';
import type {
  AllergyIntolerance,
  Appointment,
  Bundle,
  CarePlan,
  CareTeam,
  Condition,
  DiagnosticReport,
  DocumentReference,
  Encounter,
  Goal,
  Immunization,
  MedicationRequest,
  Observation,
  Patient,
  Procedure,
  Resource,
} from '@medplum/fhirtypes';
import { checkAccessibility, collapse, launchChromium, screenshot } from '../support/browser.ts';
import { startPortal, type RunningPortal } from '../support/portal.ts';
import { loadSyntheaPatient, registerAccountFor, type RecordUser } from '../support/record-patient.ts';
import { seedPatient } from '../support/seed.ts';
import { seedClinicalRecord } from '../support/clinical-seed.ts';
import { testEnvironment } from '../support/environment.ts';
import { freePort } from '../../scripts/lib/net.ts';
import { connect, createServer, type Server as NetServer, type Socket } from 'node:net';

const locales = { es: 'es-ES', en: 'en-US' } as const;
type Language = keyof typeof locales;

/** Everything HAPI holds of one type for a patient (the record is far below HAPI's 500 page maximum per type). */
async function all<T extends Resource>(portal: RunningPortal, type: T['resourceType'], params: Record<string, string>): Promise<T[]> {
  const bundle = (await portal.ctx.fhir.search(type as never, { ...params, _count: '500' })) as Bundle<T>;
  return (bundle.entry ?? []).map((e) => e.resource!).filter((r) => r.resourceType === type);
}

const code = (concept: { coding?: { code?: string }[] } | undefined) => concept?.coding?.[0]?.code;

/** Item counts of each group on a list-style page, in page order. */
const groupCounts = (page: Page) => page.locator('section.record-group').evaluateAll((sections) => sections.map((s) => s.querySelectorAll('ul.records > li').length));

describe('the health record pages in real Chromium (issue #5)', function () {
  this.timeout(600_000);
  let portal: RunningPortal;
  let browser: Browser;
  let long: RecordUser;
  let sparse: RecordUser;
  let otherPatientId: string;
  let otherDocumentId: string;
  let otherLinkedDocumentId: string;
  const contexts: BrowserContext[] = [];

  before(async () => {
    [portal, browser] = await Promise.all([startPortal({ PRACTICE_NAME: 'Clínica Puente' }), launchChromium()]);
    long = await registerAccountFor(portal.ctx, await loadSyntheaPatient(portal.ctx, 'Josue_Sipes'));
    const nearlyEmpty = await seedPatient(portal.ctx, { given: 'Inés', birthDate: '1990-01-15' });
    sparse = await registerAccountFor(portal.ctx, await portal.ctx.fhir.read<Patient>('Patient', nearlyEmpty.id));
    // Another patient of the practice whose data must never show up in the others' pages.
    const other = await seedPatient(portal.ctx, { given: 'Bruno', family: 'Otro-Paciente' });
    otherPatientId = other.id;
    const otherRecord = await seedClinicalRecord(portal.ctx, other.id, 'ZZOTHERZZ');
    otherDocumentId = otherRecord.ids['document']!;
    otherLinkedDocumentId = otherRecord.ids['linkedDocument']!;
  });
  afterEach(async () => {
    await Promise.all(contexts.splice(0).map((c) => c.close()));
  });
  after(async () => {
    await browser?.close();
    await portal?.stop();
  });

  async function signedIn(user: RecordUser, language: Language, path = '/'): Promise<Page> {
    const context = await browser.newContext({ locale: locales[language], viewport: { width: 1280, height: 900 } });
    contexts.push(context);
    const page = await context.newPage();
    await page.goto(`${portal.url}${path === '/' ? '/auth/login' : `/auth/login?next=${encodeURIComponent(path)}`}`);
    await page.fill('#email', user.email);
    await page.fill('#password', user.password);
    await page.fill('#birthDate', user.birthDate);
    await Promise.all([page.waitForURL((url) => url.pathname === path), page.click('main form button[type=submit]')]);
    return page;
  }

  async function inspect(page: Page, findings: string[], name: string): Promise<void> {
    // Usable at 320 px: nothing wider than the screen, so nothing scrolls sideways (WCAG 1.4.10 reflow).
    await page.setViewportSize({ width: 320, height: 900 });
    const overflow = await page.evaluate('document.documentElement.scrollWidth');
    if (Number(overflow) > 320) findings.push(`${name} @320px: the page is ${String(overflow)} px wide`);
    for (const width of [375, 1280]) {
      await page.setViewportSize({ width, height: 900 });
      findings.push(...(await checkAccessibility(page, `${name} @${width}px`)));
    }
    await screenshot(page, `record-${name}`);
  }

  const visit = async (page: Page, path: string) => {
    const response = await page.goto(`${portal.url}${path}`);
    expect(response?.status(), path).to.equal(200);
  };

  for (const language of ['es', 'en'] as const) {
    it(`shows the longest demo record as HAPI holds it, in ${language === 'es' ? 'Spanish' : 'English'}, and every page passes axe`, async () => {
      const patient = `Patient/${long.patientId}`;
      const findings: string[] = [];
      const page = await signedIn(long, language);
      expect(await page.locator('html').getAttribute('lang')).to.equal(language);
      const born = new Intl.DateTimeFormat(language === 'es' ? 'es-US' : 'en-US', { dateStyle: 'long', timeZone: 'UTC' }).format(Date.parse(long.birthDate));
      expect(collapse(await page.locator('.banner').textContent()))
        .to.include(long.name)
        .and.to.include(born);
      await inspect(page, findings, `${language}-home`);

      const conditions = (await all<Condition>(portal, 'Condition', { patient })).filter((c) => code(c.verificationStatus) !== 'entered-in-error');
      const current = conditions.filter((c) => ['active', 'recurrence', 'relapse'].includes(code(c.clinicalStatus) ?? 'active')).length;
      await visit(page, '/record/problems');
      expect(await groupCounts(page)).to.deep.equal([current, conditions.length - current]);
      await inspect(page, findings, `${language}-problems`);

      const requests = (await all<MedicationRequest>(portal, 'MedicationRequest', { patient })).filter((m) => m.status !== 'entered-in-error');
      const active = requests.filter((m) => ['active', 'on-hold', 'draft'].includes(m.status)).length;
      await visit(page, '/record/medications');
      expect(await groupCounts(page)).to.deep.equal([active, requests.length - active]);
      await inspect(page, findings, `${language}-medications`);

      const allergies = await all<AllergyIntolerance>(portal, 'AllergyIntolerance', { patient });
      await visit(page, '/record/allergies');
      expect(await groupCounts(page)).to.deep.equal([allergies.length]);
      await inspect(page, findings, `${language}-allergies`);

      const immunizations = (await all<Immunization>(portal, 'Immunization', { patient })).filter((i) => i.status !== 'entered-in-error');
      await visit(page, '/record/immunizations');
      expect(await groupCounts(page)).to.deep.equal([immunizations.length]);
      await inspect(page, findings, `${language}-immunizations`);

      const procedures = (await all<Procedure>(portal, 'Procedure', { patient })).filter((p) => p.status !== 'entered-in-error');
      await visit(page, '/record/procedures');
      expect(await groupCounts(page)).to.deep.equal([procedures.length]);
      await inspect(page, findings, `${language}-procedures`);

      const encounters = (await all<Encounter>(portal, 'Encounter', { patient })).filter((e) => e.status !== 'entered-in-error' && e.status !== 'cancelled');
      await visit(page, '/record/visits');
      expect(await groupCounts(page)).to.deep.equal([encounters.length]);
      // Who saw the patient: the practitioner's name, resolved through the facade's _include.
      expect(collapse(await page.locator('main').textContent())).to.include('Dr. Jonah');
      await inspect(page, findings, `${language}-visits`);

      const documents = (await all<DocumentReference>(portal, 'DocumentReference', { patient })).filter((d) => d.status === 'current');
      await visit(page, '/record/documents');
      expect(await groupCounts(page)).to.deep.equal([documents.length]);
      await inspect(page, findings, `${language}-documents`);

      const teams = await all<CareTeam>(portal, 'CareTeam', { patient, status: 'active' });
      await visit(page, '/record/care-team');
      expect(await groupCounts(page)).to.deep.equal(teams.map((t) => (t.participant ?? []).filter((p) => p.member?.reference !== patient).length));
      expect(collapse(await page.locator('main').textContent())).to.include('Dra. Ana Morales');
      await inspect(page, findings, `${language}-care-team`);

      const appointments = (await all<Appointment>(portal, 'Appointment', { patient })).filter((a) => a.status !== 'entered-in-error');
      const upcoming = appointments.filter((a) => a.start && new Date(a.start) >= new Date() && !['cancelled', 'noshow', 'fulfilled'].includes(a.status)).length;
      await visit(page, '/record/appointments');
      expect(await groupCounts(page)).to.deep.equal([upcoming, appointments.length - upcoming]);
      await inspect(page, findings, `${language}-appointments`);

      const plans = (await all<CarePlan>(portal, 'CarePlan', { patient })).filter((p) => p.status !== 'entered-in-error');
      const goals = (await all<Goal>(portal, 'Goal', { patient })).filter((g) => g.lifecycleStatus !== 'entered-in-error');
      await visit(page, '/record/care-plan');
      expect(await groupCounts(page)).to.deep.equal([plans.length, goals.length]);
      await inspect(page, findings, `${language}-care-plan`);

      // Test results: the newest report first, with exactly its results, values and units as HAPI holds them.
      await visit(page, '/record/results');
      const firstReport = page.locator('section.report').first();
      const reports = await all<DiagnosticReport>(portal, 'DiagnosticReport', { patient, _sort: '-date' });
      const newestDay = reports[0]!.effectiveDateTime!.slice(0, 10);
      const shownTitle = collapse(await firstReport.locator('h2').textContent());
      // Reports of the same day may come in either order, and a day may hold two reports of one title
      // (Josue's newest day has two Lipid Panels): the page's first must be exactly one of them.
      const candidates = reports.filter((r) => r.effectiveDateTime!.startsWith(newestDay) && shownTitle.startsWith(r.code!.text!));
      expect(candidates, `${shownTitle} is one of the reports of ${newestDay}`).to.not.have.length(0);
      const rows = await firstReport
        .locator('tbody tr')
        .evaluateAll((trs) => trs.map((tr) => [tr.querySelector('th')!.textContent!.trim(), tr.querySelector('td')!.textContent!.trim()]));
      const number = (value: number) =>
        new Intl.NumberFormat(language === 'es' ? 'es' : 'en-US', { maximumFractionDigits: Math.abs(value) >= 100 ? 0 : Math.abs(value) >= 10 ? 1 : 2 }).format(value);
      const expectedRows = async (report: DiagnosticReport) => {
        const results = await Promise.all((report.result ?? []).map((ref) => portal.ctx.fhir.read<Observation>('Observation', ref.reference!.split('/')[1]!)));
        return results.map((o) => [
          o.code!.text!.replace(/\u200b/g, ''),
          o.valueQuantity ? `${number(o.valueQuantity.value!)} ${o.valueQuantity.unit}` : o.valueCodeableConcept!.text!,
        ]);
      };
      const shown = rows.map(([name, value]) => [name!.split(' — ')[0]!, value!]);
      const matching = [];
      for (const candidate of candidates) if (JSON.stringify(await expectedRows(candidate)) === JSON.stringify(shown)) matching.push(candidate.id);
      expect(matching, `the rows shown (${JSON.stringify(shown)}) are exactly one ${newestDay} report's results, names, values and units`).to.not.have.length(0);
      await inspect(page, findings, `${language}-results`);
      await visit(page, `/record/results?before=${(await page.locator('a.button[href*="before="]').getAttribute('href'))!.split('before=')[1]}`);
      expect(await page.locator('section.report').count()).to.be.greaterThan(0);

      // A trend for a numeric result with history: one table row per value HAPI holds.
      const glucose = (await all<Observation>(portal, 'Observation', { patient, code: 'http://loinc.org|2339-0' })).filter((o) => o.valueQuantity);
      expect(glucose.length).to.be.greaterThan(1);
      await visit(page, `/record/results/trend?code=${encodeURIComponent('http://loinc.org|2339-0')}`);
      expect(await page.locator('figure.trend svg[role=img]').count()).to.equal(1);
      expect(await page.locator('figure.trend table tbody tr').count()).to.equal(glucose.length);
      await inspect(page, findings, `${language}-trend`);

      // Vital signs: a chart for each measure with history, with as many points as HAPI holds.
      const weights = await all<Observation>(portal, 'Observation', { patient, code: 'http://loinc.org|29463-7' });
      const pressures = await all<Observation>(portal, 'Observation', { patient, code: 'http://loinc.org|55284-4,http://loinc.org|85354-9' });
      await visit(page, '/record/vitals');
      expect(await page.locator('#vital-weight + figure table tbody tr, section[aria-labelledby="vital-weight"] table tbody tr').count()).to.equal(weights.length);
      expect(await page.locator('section[aria-labelledby="vital-blood-pressure"] table tbody tr').count()).to.equal(new Set(pressures.map((o) => o.effectiveDateTime)).size);
      expect(await page.locator('section[aria-labelledby="vital-blood-pressure"] svg[role=img]').count()).to.equal(1);
      await inspect(page, findings, `${language}-vitals`);

      await visit(page, `/record/search?q=${language === 'es' ? 'GLUCOSA' : 'glucose'}`);
      await inspect(page, findings, `${language}-search`);
      await visit(page, '/record/search?q=hydrochlorothiazide');
      expect(await page.locator('main ul.records > li').count()).to.be.greaterThan(0);

      expect(findings).to.deep.equal([]);
    });

    it(`says so kindly when the record is almost empty, in ${language === 'es' ? 'Spanish' : 'English'}, and every page passes axe`, async () => {
      const findings: string[] = [];
      const page = await signedIn(sparse, language);
      await inspect(page, findings, `${language}-empty-home`);
      for (const slug of ['problems', 'medications', 'allergies', 'results', 'vitals', 'immunizations', 'procedures', 'visits', 'care-team', 'appointments', 'care-plan']) {
        await visit(page, `/record/${slug}`);
        const empties = await page.locator('main .empty').count();
        expect(empties, slug).to.be.greaterThan(0);
        expect(await page.locator('main ul.records > li').count(), slug).to.equal(0);
        await inspect(page, findings, `${language}-empty-${slug}`);
      }
      // Documents: only the signed authorization form.
      await visit(page, '/record/documents');
      expect(await groupCounts(page)).to.deep.equal([1]);
      expect(findings).to.deep.equal([]);
    });
  }

  it('never shows another patient’s data, whatever ids or URLs are typed', async () => {
    const page = await signedIn(long, 'en');
    // The search for the other patient's marker finds nothing (the query itself is echoed back).
    await page.goto(`${portal.url}/record/search?q=ZZOTHERZZ`);
    expect(await page.locator('main ul.records > li').count()).to.equal(0);
    const probes = [
      `/record/problems?patient=${otherPatientId}`,
      `/record/results?patient=${otherPatientId}&before=2100-01-01`,
      `/record/results/trend?code=${encodeURIComponent('http://loinc.org|2339-0')}&patient=${otherPatientId}`,
    ];
    for (const path of probes) {
      const response = await page.goto(`${portal.url}${path}`);
      const body = (await response!.text()) ?? '';
      expect(body, path).not.to.include('ZZOTHERZZ');
      expect(body, path).not.to.include('Otro-Paciente');
    }
    // Another patient's document by id: not found, exactly like a document that does not exist.
    const theirs = await page.goto(`${portal.url}/documents/${otherDocumentId}`);
    const missing = await page.goto(`${portal.url}/documents/does-not-exist-123`);
    expect([theirs!.status(), missing!.status()]).to.deep.equal([404, 404]);
    // Unknown sections and malformed trend codes are not found either.
    expect((await page.goto(`${portal.url}/record/Patient`))!.status()).to.equal(404);
    expect((await page.goto(`${portal.url}/record/results/trend?code=${encodeURIComponent('<script>')}`))!.status()).to.equal(404);
  });

  it('shows a proxy the record of the patient they act for, saying whose it is and as whom they read it', async () => {
    const alexis = await loadSyntheaPatient(portal.ctx, 'Alexis_Toy');
    const mother = await registerAccountFor(portal.ctx, alexis, { designee: { name: 'Ana Toy', relationship: 'Mother / Madre' } });
    const page = await signedIn(mother, 'en');
    expect(collapse(await page.locator('main h1').textContent())).to.equal('Hello, Ana Toy');
    const banner = collapse(await page.locator('.banner').textContent());
    expect(banner).to.include(mother.name).and.to.include('You are reading this record as Ana Toy');
    const immunizations = (await all<Immunization>(portal, 'Immunization', { patient: `Patient/${alexis.id}` })).filter((i) => i.status !== 'entered-in-error');
    await visit(page, '/record/immunizations');
    expect(await groupCounts(page)).to.deep.equal([immunizations.length]);
    expect(collapse(await page.locator('.banner').textContent())).to.include('Ana Toy');
    expect(await checkAccessibility(page, 'proxy-immunizations')).to.deep.equal([]);
  });

  it('reads through the facade of its own process: each read audited and counted as a facade decision, none sent over HTTP', async () => {
    const seeded = await seedPatient(portal.ctx, { given: 'Enproceso' });
    const user = await registerAccountFor(portal.ctx, await portal.ctx.fhir.read<Patient>('Patient', seeded.id));
    const page = await signedIn(user, 'en');
    const sample = async () => {
      const metrics = await portal.ctx.metrics.registry.getMetricsAsJSON();
      const values = (name: string) => metrics.find((m) => m.name === name)?.values ?? [];
      return {
        facadeOverHttp: values('puente_http_request_duration_seconds_count')
          .filter((v) => String(v.labels['route']).startsWith('/fhir'))
          .reduce((n, v) => n + v.value, 0),
        allowed: values('puente_fhir_facade_decisions_total').find((v) => v.labels['decision'] === 'allowed' && v.labels['method'] === 'GET')?.value ?? 0,
      };
    };
    const before = await sample();
    const auditedBefore = Number((await portal.ctx.db.query<{ n: string }>('SELECT count(*) AS n FROM audit_events WHERE patient = $1', [`Patient/${seeded.id}`])).rows[0]!.n);
    await visit(page, '/record/immunizations');
    const after = await sample();
    const audited = await portal.ctx.db.query<{ resource: { entity?: { query?: string }[] } }>('SELECT resource FROM audit_events WHERE patient = $1 ORDER BY recorded_at DESC', [
      `Patient/${seeded.id}`,
    ]);
    const queries = audited.rows.flatMap((r) => (r.resource.entity ?? []).map((e) => (e.query ? Buffer.from(e.query, 'base64').toString('utf8') : '')));
    expect(after.facadeOverHttp - before.facadeOverHttp, 'facade requests over HTTP').to.equal(0);
    expect(after.allowed - before.allowed, 'facade decisions counted').to.be.greaterThan(0);
    expect(audited.rows.length - auditedBefore, 'AuditEvents of the page view').to.equal(after.allowed - before.allowed);
    expect(queries.some((q) => q.startsWith('GET /Immunization?'))).to.equal(true);
  });

  it('downloads documents kept inline or as a Binary, through the facade, and never another patient’s', async () => {
    const seeded = await seedPatient(portal.ctx, { given: 'Documentos' });
    const { ids } = await seedClinicalRecord(portal.ctx, seeded.id, 'DOCMARK');
    const user = await registerAccountFor(portal.ctx, await portal.ctx.fhir.read<Patient>('Patient', seeded.id));
    const page = await signedIn(user, 'en');
    await visit(page, '/record/documents');
    const links = await page.locator('main a[href^="/documents/"]').evaluateAll((as) => as.map((a) => a.getAttribute('href')));
    expect(links).to.include(`/documents/${ids['document']}`).and.to.include(`/documents/${ids['linkedDocument']}`);
    const cookie = (await page.context().cookies()).map((c) => `${c.name}=${c.value}`).join('; ');
    const download = (id: string) => fetch(`${portal.url}/documents/${id}`, { headers: { cookie } });
    expect(await (await download(ids['document']!)).text()).to.equal('DOCMARK private note');
    expect(await (await download(ids['linkedDocument']!)).text()).to.equal('DOCMARK binary content');
    const theirs = await download(otherLinkedDocumentId);
    expect(theirs.status).to.equal(404);
    expect(await theirs.text()).not.to.include('ZZOTHERZZ');
  });

  it('prints cleanly: the record without the site header, menus and forms', async () => {
    const page = await signedIn(long, 'en');
    await visit(page, '/record/vitals');
    await page.emulateMedia({ media: 'print' });
    for (const hidden of ['header.site', '.section-menu', '.breadcrumb', 'main form']) {
      expect(await page.locator(hidden).first().isVisible(), hidden).to.equal(false);
    }
    expect(await page.locator('.banner').isVisible()).to.equal(true);
    expect(await page.locator('section[aria-labelledby="vital-weight"] svg').isVisible()).to.equal(true);
    // The data tables behind "see the measurements" print too.
    expect(await page.locator('section[aria-labelledby="vital-weight"] table').isVisible()).to.equal(true);
    const pdf = await page.pdf({ format: 'Letter' });
    expect(pdf.subarray(0, 5).toString()).to.equal('%PDF-');
  });

  it('sends a visitor whose session ended to sign in, and back to the page they wanted', async () => {
    const page = await signedIn(long, 'es');
    await page.context().clearCookies();
    await page.goto(`${portal.url}/record/vitals`);
    expect(new URL(page.url()).pathname).to.match(/^\/interaction\//);
    await page.fill('#email', long.email);
    await page.fill('#password', long.password);
    await page.fill('#birthDate', long.birthDate);
    await Promise.all([page.waitForURL((url) => url.pathname === '/record/vitals'), page.click('main form button[type=submit]')]);
    expect(collapse(await page.locator('main h1').textContent())).to.equal('Signos vitales');
  });
});

describe('the health record when HAPI is down (issue #5)', function () {
  this.timeout(300_000);
  let portal: RunningPortal;
  let browser: Browser;
  let upstream: { url: string; up(): Promise<void>; down(): Promise<void> };

  before(async () => {
    upstream = await switchableProxy(testEnvironment().hapi.baseUrl);
    await upstream.up();
    [portal, browser] = await Promise.all([startPortal({ FHIR_UPSTREAM_URL: upstream.url, FHIR_TIMEOUT_MS: '3000' }), launchChromium()]);
  });
  after(async () => {
    await browser?.close();
    await portal?.stop();
    await upstream?.down();
  });

  it('shows a friendly page in the visitor’s language with a way to try again, never an error trace, and recovers', async () => {
    const patient = await seedPatient(portal.ctx, { given: 'Rocío' });
    const user = await registerAccountFor(portal.ctx, await portal.ctx.fhir.read<Patient>('Patient', patient.id));
    const context = await browser.newContext({ locale: 'es-ES' });
    const page = await context.newPage();
    await page.goto(`${portal.url}/auth/login`);
    await page.fill('#email', user.email);
    await page.fill('#password', user.password);
    await page.fill('#birthDate', user.birthDate);
    await Promise.all([page.waitForURL((url) => url.pathname === '/'), page.click('main form button[type=submit]')]);

    await upstream.down();
    const failed = await page.goto(`${portal.url}/record/medications`);
    expect(failed!.status()).to.equal(503);
    expect(collapse(await page.locator('main h1').textContent())).to.equal('Su historia clínica no está disponible por el momento. Inténtelo de nuevo en unos minutos.');
    const retry = page.locator('main a.button');
    expect(collapse(await retry.textContent())).to.equal('Intentar de nuevo');
    const body = await failed!.text();
    expect(body).not.to.match(/at \w+ \(|Error:|ECONNREFUSED|stack/i);
    expect(await checkAccessibility(page, 'hapi-down')).to.deep.equal([]);

    await upstream.up();
    await Promise.all([page.waitForEvent('load'), retry.click()]);
    expect(collapse(await page.locator('main h1').textContent())).to.equal('Medicamentos');
    await context.close();
  });
});

/** A loopback TCP relay to HAPI that the test switches off and on (HAPI itself keeps running for the other suites). */
async function switchableProxy(target: string): Promise<{ url: string; up(): Promise<void>; down(): Promise<void> }> {
  const targetUrl = new URL(target);
  const port = await freePort();
  let server: NetServer | undefined;
  const sockets = new Set<Socket>();
  return {
    url: `http://127.0.0.1:${port}${targetUrl.pathname}`,
    up: () =>
      new Promise((resolve) => {
        server = createServer((client) => {
          const upstreamSocket = connect(Number(targetUrl.port), targetUrl.hostname);
          for (const s of [client, upstreamSocket]) {
            sockets.add(s);
            s.on('close', () => sockets.delete(s));
            s.on('error', () => s.destroy());
          }
          client.pipe(upstreamSocket).pipe(client);
        });
        server.listen(port, '127.0.0.1', () => resolve());
      }),
    down: () =>
      new Promise((resolve) => {
        for (const s of sockets) s.destroy();
        if (!server) return resolve();
        server.close(() => resolve());
        server = undefined;
      }),
  };
}
