/**
 * Issue "Download the health record": the /share page in real Chromium (axe at 375 px, both languages),
 * the C-CDA and FHIR downloads through the facade with the patient's own token, whole record and a date
 * range, in Spanish and English. The CCD is valid (CDA_SDTC.xsd, 0 schematron errors) and holds as many
 * problems, medications and allergies as HAPI does by select.ts's documented rules; the FHIR Bundle holds
 * only this patient's compartment; every download leaves an AuditEvent in the store; bad dates answer 422
 * in the visitor's language; without a session, sign-in first.
 */
import { expect } from 'chai';
import { execFileSync } from 'node:child_process';
import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { Browser, BrowserContext, Page } from 'playwright-core';
import type { AllergyIntolerance, Bundle, Condition, Encounter, MedicationRequest, Patient, Resource } from '@medplum/fhirtypes';
import { checkAccessibility, collapse, launchChromium } from '../support/browser.ts';
import { startPortal, type RunningPortal } from '../support/portal.ts';
import { loadSyntheaPatient, registerAccountFor, type RecordUser } from '../support/record-patient.ts';
import { validateCcda, describeValidation } from '../../scripts/lib/ccda-validator.ts';
import { sectionOf } from '../unit/export/ccda/synthea.ts';
import { en } from '../../src/core/i18n/catalog-en.ts';
import { es } from '../../src/core/i18n/catalog-es.ts';

const locales = { es: 'es-ES', en: 'en-US' } as const;
const catalogs = { es, en } as const;
type Language = keyof typeof locales;

const SECTION = {
  allergies: '2.16.840.1.113883.10.20.22.2.6.1:2015-08-01',
  medications: '2.16.840.1.113883.10.20.22.2.1.1:2014-06-09',
  problems: '2.16.840.1.113883.10.20.22.2.5.1:2015-08-01',
} as const;

const RANGE = { from: '2019-06-01', to: '2020-12-31' } as const;

/** The text of a PDF as poppler's pdftotext reads it. */
const pdfText = (pdf: Buffer): string => {
  const file = join(mkdtempSync(join(tmpdir(), 'puente-summary-')), 'summary.pdf');
  writeFileSync(file, pdf);
  return execFileSync('pdftotext', ['-layout', file, '-'], { encoding: 'utf8' });
};

const code = (concept: { coding?: { code?: string }[] } | undefined) => concept?.coding?.[0]?.code;

describe('downloading the health record: /share, the C-CDA and the FHIR data', function () {
  this.timeout(600_000);
  let portal: RunningPortal;
  let browser: Browser;
  let user: RecordUser;
  let otherPatientId: string;
  const contexts: BrowserContext[] = [];

  before(async () => {
    [portal, browser] = await Promise.all([
      startPortal({ PRACTICE_NAME: 'Clínica Puente', PRACTICE_TIME_ZONE: 'America/Chicago', PRACTICE_ADDRESS: '100 Main St, Suite 2, Springfield, IL, 62701' }),
      launchChromium(),
    ]);
    user = await registerAccountFor(portal.ctx, await loadSyntheaPatient(portal.ctx, 'Carla_Echevarria'));
    // A second patient of the practice whose record must never appear in the first one's downloads.
    otherPatientId = (await loadSyntheaPatient(portal.ctx, 'Luigi_Wiegand')).id!;
  });
  afterEach(async () => {
    await Promise.all(contexts.splice(0).map((c) => c.close()));
  });
  after(async () => {
    await browser?.close();
    await portal?.stop();
  });

  async function signedIn(language: Language, path: string, who: RecordUser = user): Promise<Page> {
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

  /** Everything HAPI holds of one type for the patient (read directly with the system client). */
  async function all<T extends Resource>(type: T['resourceType']): Promise<T[]> {
    const bundle = (await portal.ctx.fhir.search(type as never, { patient: `Patient/${user.patientId}`, _count: '500' })) as Bundle<T>;
    return (bundle.entry ?? []).map((e) => e.resource!).filter((r) => r.resourceType === type);
  }

  /** select.ts's rules for the three sections, restated: left out when entered in error or refuted; a range keeps what overlaps it. */
  async function expectedCounts(range?: { from: string; to: string }): Promise<Record<keyof typeof SECTION, number>> {
    const timeZone = portal.ctx.config.practice.timeZone;
    const day = (value: string | undefined) =>
      !value ? undefined : value.includes('T') ? new Intl.DateTimeFormat('en-CA', { timeZone, year: 'numeric', month: '2-digit', day: '2-digit' }).format(new Date(value)) : value;
    const from = range?.from ?? '0000-01-01';
    const to = range?.to ?? '9999-12-31';
    const span = (start: string | undefined, end: string | undefined, ongoing: boolean) => {
      const first = day(start);
      const last = ongoing ? '9999-12-31' : (day(end) ?? first);
      return (first === undefined || first <= to) && (last === undefined || last >= from);
    };
    const [allergies, medications, conditions] = await Promise.all([
      all<AllergyIntolerance>('AllergyIntolerance'),
      all<MedicationRequest>('MedicationRequest'),
      all<Condition>('Condition'),
    ]);
    return {
      allergies: allergies.filter(
        (a) => !['entered-in-error', 'refuted'].includes(code(a.verificationStatus) ?? '') && span(a.recordedDate, a.recordedDate, code(a.clinicalStatus) === 'active'),
      ).length,
      medications: medications.filter((m) => m.status !== 'entered-in-error' && span(m.authoredOn, m.authoredOn, m.status === 'active')).length,
      problems: conditions
        .filter((c) => !['entered-in-error', 'refuted'].includes(code(c.verificationStatus) ?? ''))
        .filter((c) => span(c.onsetDateTime, c.abatementDateTime, !c.abatementDateTime && code(c.clinicalStatus) === 'active')).length,
    };
  }

  const downloadAudits = async (patient = `Patient/${user.patientId}`) =>
    (
      await portal.ctx.db.query<{ agent: string; resource: { entity: { detail?: { type: string; valueString: string }[] }[] } }>(
        `SELECT agent, resource FROM audit_events WHERE patient = $1 AND resource->'type'->>'code' = '110106' ORDER BY recorded_at`,
        [patient],
      )
    ).rows.map((row) => ({ agent: row.agent, detail: Object.fromEntries(row.resource.entity.flatMap((e) => e.detail ?? []).map((d) => [d.type, d.valueString])) }));

  it('sends a visitor without a session to sign-in and back, for the page and both downloads', async () => {
    const context = await browser.newContext();
    contexts.push(context);
    for (const path of ['/share', '/share/download/ccd.xml', '/share/download/record.json?from=2020-01-01']) {
      const response = await context.request.get(`${portal.url}${path}`, { maxRedirects: 0 });
      expect(response.status(), path).to.equal(303);
      expect(response.headers()['location'], path).to.equal(`/auth/login?next=${encodeURIComponent(path)}`);
    }
  });

  for (const language of ['es', 'en'] as const) {
    const t = catalogs[language];
    it(`offers the downloads in ${language === 'es' ? 'Spanish' : 'English'}: the page passes axe at 375 px, the CCD is valid with HAPI's counts, the JSON holds only this patient, each download is audited`, async () => {
      const page = await signedIn(language, '/share');
      expect(await page.locator('html').getAttribute('lang')).to.equal(language);
      expect(collapse(await page.locator('main h1').textContent())).to.equal(t['share.title']);
      expect(collapse(await page.locator('main').textContent()))
        .to.include(t['share.ccdTitle'])
        .and.to.include(user.name);
      expect(await page.locator(`#lang-${language}`).isChecked()).to.equal(true);
      expect(await checkAccessibility(page, `share-${language}`)).to.deep.equal([]);
      const overflow = await page.evaluate('document.documentElement.scrollWidth');
      expect(Number(overflow)).to.be.at.most(375);

      const before = (await downloadAudits()).length;
      const bundleSizes: number[] = [];
      for (const range of [undefined, RANGE]) {
        const query = range ? `from=${range.from}&to=${range.to}&lang=${language}` : `lang=${language}`;
        // Through the form: choose, then the download button (no JavaScript needed).
        if (range) {
          await page.check('#what-range');
          await page.fill('#from', range.from);
          await page.fill('#to', range.to);
          const [saved] = await Promise.all([page.waitForEvent('download'), page.click('button[formaction="/share/download/ccd.xml"]')]);
          expect(saved.suggestedFilename()).to.match(/ccd-\d{4}-\d{2}-\d{2}\.xml$/);
          expect(await saved.failure()).to.equal(null);
        }
        const ccd = await page.request.get(`${portal.url}/share/download/ccd.xml?${query}`);
        expect(ccd.status()).to.equal(200);
        expect(ccd.headers()['content-type']).to.match(/^application\/xml/);
        expect(ccd.headers()['cache-control']).to.equal('no-store');
        expect(ccd.headers()['content-disposition']).to.match(/^attachment; filename="[^"]*ccd-\d{4}-\d{2}-\d{2}\.xml"$/);
        const xml = await ccd.text();
        expect(xml).to.include(`<languageCode code="${language === 'es' ? 'es-US' : 'en-US'}"/>`);
        // The practice's configured address, as the custodian's (US Realm Address).
        expect(xml).to.include('<streetAddressLine>100 Main St</streetAddressLine>').and.to.include('<city>Springfield</city>').and.to.include('<postalCode>62701</postalCode>');
        const validation = await validateCcda(xml);
        expect(validation.xsdValid && validation.failedAsserts.length === 0, describeValidation(validation)).to.equal(true);
        const expected = await expectedCounts(range);
        // Carla Echevarria's record has problems, medications and allergies: the counts are not vacuous.
        if (!range)
          expect(
            Object.values(expected).every((n) => n > 0),
            JSON.stringify(expected),
          ).to.equal(true);
        for (const [name, templateId] of Object.entries(SECTION) as [keyof typeof SECTION, string][]) {
          expect(sectionOf(xml, templateId)?.entries.length, `${name}${range ? ' (range)' : ''}`).to.equal(expected[name]);
        }
        expect(xml).to.not.include(otherPatientId);

        const json = await page.request.get(`${portal.url}/share/download/record.json?${query}`);
        expect(json.status()).to.equal(200);
        expect(json.headers()['content-type']).to.match(/^application\/fhir\+json/);
        expect(json.headers()['cache-control']).to.equal('no-store');
        expect(json.headers()['content-disposition']).to.match(/^attachment; filename="[^"]*\.json"$/);
        const bundle = (await json.json()) as Bundle;
        expect(bundle.resourceType).to.equal('Bundle');
        expect(bundle.type).to.equal('collection');
        const resources = (bundle.entry ?? []).map((e) => e.resource!);
        bundleSizes.push(resources.length);
        expect(resources[0]).to.include({ resourceType: 'Patient', id: user.patientId });
        expect(resources.filter((r) => r.resourceType === 'Patient').map((r) => r.id)).to.deep.equal([user.patientId]);
        expect(JSON.stringify(bundle)).to.not.include(otherPatientId);
        // Every compartment resource names this patient (subject or patient), none another one.
        for (const resource of resources) {
          const owner =
            (resource as { subject?: { reference?: string }; patient?: { reference?: string } }).subject?.reference ??
            (resource as { patient?: { reference?: string } }).patient?.reference;
          if (owner?.startsWith('Patient/')) expect(owner, `${resource.resourceType}/${resource.id}`).to.equal(`Patient/${user.patientId}`);
        }
        const conditions = resources.filter((r) => r.resourceType === 'Condition').length;
        const allConditions = (await all<Condition>('Condition')).length;
        if (range) expect(conditions).to.be.at.most(allConditions);
        else expect(conditions).to.equal(allConditions);
      }
      // Her record runs from 2010: the range leaves most of it out.
      expect(bundleSizes[1]).to.be.below(bundleSizes[0]!);
      const audits = (await downloadAudits()).slice(before);
      expect(audits.map((a) => [a.agent, a.detail['mimeType'], a.detail['range'], a.detail['language']])).to.deep.equal([
        [`Patient/${user.patientId}`, 'application/xml', 'all', language],
        [`Patient/${user.patientId}`, 'application/fhir+json', 'all', language],
        // The form's own download button, then the same download as a link.
        [`Patient/${user.patientId}`, 'application/xml', `${RANGE.from}/${RANGE.to}`, language],
        [`Patient/${user.patientId}`, 'application/xml', `${RANGE.from}/${RANGE.to}`, language],
        [`Patient/${user.patientId}`, 'application/fhir+json', `${RANGE.from}/${RANGE.to}`, language],
      ]);
    });

    it(`answers a malformed range with 422 and the message next to the field, in ${language === 'es' ? 'Spanish' : 'English'}`, async () => {
      const page = await signedIn(language, '/share');
      const before = (await downloadAudits()).length;
      let response = await page.goto(`${portal.url}/share?what=range&from=2020-02-30&to=2020-03-01`);
      expect(response?.status()).to.equal(422);
      expect(collapse(await page.locator('#from-error').textContent())).to.equal(t['share.error.date']);
      expect(await page.locator('#from').getAttribute('aria-invalid')).to.equal('true');
      expect(await checkAccessibility(page, `share-error-${language}`)).to.deep.equal([]);

      response = await page.goto(`${portal.url}/share/download/ccd.xml?from=2020-05-01&to=2020-01-01&lang=${language}`);
      expect(response?.status()).to.equal(422);
      expect(collapse(await page.locator('#to-error').textContent())).to.equal(t['share.error.order']);

      response = await page.goto(`${portal.url}/share/download/record.json?from=yesterday`);
      expect(response?.status()).to.equal(422);
      expect(collapse(await page.locator('#from-error').textContent())).to.equal(t['share.error.date']);
      // Nothing was produced, so nothing was audited as downloaded.
      expect((await downloadAudits()).length).to.equal(before);
    });
  }

  it('downloads the summary PDF in the chosen language: the patient, every allergy and problem HAPI holds, Spanish accents, a range said in words; audited', async () => {
    const page = await signedIn('en', '/share');
    const before = (await downloadAudits()).length;
    const [saved] = await Promise.all([page.waitForEvent('download'), page.click('button[formaction="/share/download/summary.pdf"]')]);
    expect(saved.suggestedFilename()).to.match(/^health-summary-\d{4}-\d{2}-\d{2}\.pdf$/);
    const whole = await page.request.get(`${portal.url}/share/download/summary.pdf?lang=es`);
    expect(whole.status()).to.equal(200);
    expect(whole.headers()['content-type']).to.equal('application/pdf');
    expect(whole.headers()['cache-control']).to.equal('no-store');
    const text = collapse(pdfText(await whole.body()));
    const patient = await portal.ctx.fhir.read<Patient>('Patient', user.patientId);
    expect(text).to.include('Echevarría').and.to.include('Alergias').and.to.include('Medicamentos').and.to.include('Clínica Puente').and.to.include('Springfield, IL 62701');
    const [allergies, conditions] = await Promise.all([all<AllergyIntolerance>('AllergyIntolerance'), all<Condition>('Condition')]);
    for (const name of [...allergies.map((a) => a.code?.text ?? a.code?.coding?.[0]?.display), ...conditions.map((c) => c.code?.text ?? c.code?.coding?.[0]?.display)]) {
      expect(text, String(name)).to.include(collapse(String(name)));
    }
    expect(text).to.include(patient.birthDate!.slice(0, 4));
    const ranged = await page.request.get(`${portal.url}/share/download/summary.pdf?from=${RANGE.from}&to=${RANGE.to}&lang=en`);
    expect(ranged.status()).to.equal(200);
    expect(collapse(pdfText(await ranged.body()))).to.include('From June 1, 2019 to December 31, 2020');
    const audits = (await downloadAudits()).slice(before);
    expect(audits.map((a) => [a.agent, a.detail['mimeType'], a.detail['range'], a.detail['language']])).to.deep.equal([
      [`Patient/${user.patientId}`, 'application/pdf', 'all', 'en'],
      [`Patient/${user.patientId}`, 'application/pdf', 'all', 'es'],
      [`Patient/${user.patientId}`, 'application/pdf', `${RANGE.from}/${RANGE.to}`, 'en'],
    ]);
  });

  it('gives a family member acting for the patient only what the facade releases to them, audited with them as the agent', async () => {
    const luigi = await portal.ctx.fhir.read<Patient>('Patient', otherPatientId);
    const mother = await registerAccountFor(portal.ctx, luigi, { designee: { name: 'Ana Wiegand', relationship: 'Mother / Madre' } });
    const page = await signedIn('en', '/share', mother);
    expect(collapse(await page.locator('.banner').textContent()))
      .to.include(mother.name)
      .and.to.include('Ana Wiegand');
    expect(await checkAccessibility(page, 'share-proxy')).to.deep.equal([]);
    const json = await page.request.get(`${portal.url}/share/download/record.json`);
    expect(json.status()).to.equal(200);
    const bundle = (await json.json()) as Bundle;
    const patients = (bundle.entry ?? []).filter((e) => e.resource?.resourceType === 'Patient').map((e) => e.resource!.id);
    expect(patients).to.deep.equal([otherPatientId]);
    expect(JSON.stringify(bundle)).to.not.include(user.patientId);
    const ccd = await page.request.get(`${portal.url}/share/download/ccd.xml?lang=es`);
    expect(ccd.status()).to.equal(200);
    expect(await ccd.text()).to.not.include(user.patientId);
    const audits = await downloadAudits(`Patient/${otherPatientId}`);
    expect(audits.map((a) => [a.agent.split('/')[0], a.detail['mimeType'], a.detail['range']])).to.deep.equal([
      ['RelatedPerson', 'application/fhir+json', 'all'],
      ['RelatedPerson', 'application/xml', 'all'],
    ]);
  });

  it('downloads one visit: the document covers that visit’s day, and a visit not in the record is refused with 422', async () => {
    const timeZone = portal.ctx.config.practice.timeZone;
    const day = (value: string) => new Intl.DateTimeFormat('en-CA', { timeZone, year: 'numeric', month: '2-digit', day: '2-digit' }).format(new Date(value));
    const bundle = (await portal.ctx.fhir.search('Encounter' as never, {
      patient: `Patient/${user.patientId}`,
      _sort: '-date',
      _count: '1',
      status: 'finished',
    })) as Bundle<Encounter>;
    const visit = bundle.entry![0]!.resource!;
    const page = await signedIn('es', '/share');
    expect(await page.locator(`#visit option[value="${visit.id}"]`).count()).to.equal(1);
    const before = (await downloadAudits()).length;
    await page.check('#what-visit');
    await page.selectOption('#visit', visit.id!);
    const [saved] = await Promise.all([page.waitForEvent('download'), page.click('button[formaction="/share/download/ccd.xml"]')]);
    expect(saved.suggestedFilename()).to.match(/ccd-\d{4}-\d{2}-\d{2}\.xml$/);
    const ccd = await page.request.get(`${portal.url}/share/download/ccd.xml?what=visit&visit=${visit.id}&lang=en`);
    expect(ccd.status()).to.equal(200);
    const validation = await validateCcda(await ccd.text());
    expect(validation.xsdValid && validation.failedAsserts.length === 0, describeValidation(validation)).to.equal(true);
    const range = `${day(visit.period!.start!)}/${day(visit.period!.end ?? visit.period!.start!)}`;
    const audits = (await downloadAudits()).slice(before);
    expect(audits.map((a) => [a.detail['visit'], a.detail['range'], a.detail['language']])).to.deep.equal([
      [`Encounter/${visit.id}`, range, 'es'],
      [`Encounter/${visit.id}`, range, 'en'],
    ]);

    // Another patient's visit is not in this record: the same refusal as a visit that does not exist.
    const theirs = (await portal.ctx.fhir.search('Encounter' as never, { patient: `Patient/${otherPatientId}`, _count: '1' })) as Bundle<Encounter>;
    for (const id of [theirs.entry![0]!.resource!.id!, 'no-such-visit']) {
      const response = await page.goto(`${portal.url}/share/download/record.json?what=visit&visit=${id}`);
      expect(response?.status(), id).to.equal(422);
      expect(collapse(await page.locator('#visit-error').textContent())).to.equal(es['share.error.visit']);
    }
    expect(await checkAccessibility(page, 'share-visit-error')).to.deep.equal([]);
    expect((await downloadAudits()).length).to.equal(before + 2);
  });
});
