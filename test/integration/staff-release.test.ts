/**
 * Issue "Download the health record", point 6: release of information from the staff console. A staff
 * member downloads a patient's C-CDA (valid: CDA_SDTC.xsd, 0 schematron errors) and summary PDF (Spanish
 * labels, the patient's name) from the patient page, without the patient having a portal account; each
 * download leaves an export AuditEvent with the staff member's Practitioner as the requesting agent and the
 * patient as entity. A signed-in patient is sent to the staff sign-in instead.
 */
import { expect } from 'chai';
import { execFileSync } from 'node:child_process';
import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { AuditEvent, Patient } from '@medplum/fhirtypes';
import { createStaffRecordClient } from '../../src/export/staff-record-client.ts';
import { findStaffByEmail } from '../../src/store/accounts.ts';
import { describeValidation, validateCcda } from '../../scripts/lib/ccda-validator.ts';
import { formAction, HttpClient } from '../support/http-client.ts';
import { startPortal, type RunningPortal } from '../support/portal.ts';
import { loadSyntheaPatient, registerAccountFor } from '../support/record-patient.ts';
import { seedStaff } from '../support/seed.ts';

const collapse = (text: string) => text.replace(/\s+/g, ' ').trim();

/** The text of a PDF as poppler's pdftotext reads it. */
const pdfText = (pdf: Buffer): string => {
  const file = join(mkdtempSync(join(tmpdir(), 'puente-release-')), 'summary.pdf');
  writeFileSync(file, pdf);
  return execFileSync('pdftotext', ['-layout', file, '-'], { encoding: 'utf8' });
};

describe('release of information: staff download a patient’s summary PDF and C-CDA', function () {
  this.timeout(600_000);
  let portal: RunningPortal;
  let patient: Patient;
  let practitioner: string;
  const staffBrowser = () => new HttpClient(portal.url, 'en');
  let staff: HttpClient;

  before(async () => {
    portal = await startPortal({ PRACTICE_NAME: 'Clínica Puente', PRACTICE_TIME_ZONE: 'America/Chicago' });
    patient = await loadSyntheaPatient(portal.ctx, 'Carla_Echevarria');
    const member = await seedStaff(portal.ctx);
    practitioner = (await findStaffByEmail(portal.ctx.db, member.email))!.fhir_user!;
    staff = staffBrowser();
    await staff.get('/staff/login');
    await staff.submit('/staff/login', { email: member.email, password: member.password, code: member.code() });
  });
  after(() => portal?.stop());

  /** A download with the staff session's cookies, read as bytes. */
  const download = (client: HttpClient, path: string) =>
    fetch(`${portal.url}${path}`, { redirect: 'manual', headers: { cookie: [...client.cookies].map(([k, v]) => `${k}=${v}`).join('; ') } });

  const exports = async () =>
    (
      await portal.ctx.db.query<{ agent: string; patient: string; resource: AuditEvent }>(
        `SELECT agent, patient, resource FROM audit_events WHERE agent = $1 AND resource->'type'->>'code' = '110106' ORDER BY recorded_at`,
        [practitioner],
      )
    ).rows;

  it('offers the release form on the patient page, and the C-CDA and the PDF it gives are audited as the staff member', async () => {
    const page = await staff.get(`/staff/patients/${patient.id}`);
    expect(page.status).to.equal(200);
    expect(page.body).to.include(`action="/staff/patients/${patient.id}/summary.pdf"`).and.to.include(`formaction="/staff/patients/${patient.id}/ccd.xml"`);
    expect(page.body).to.include('Release of information');

    const ccd = await download(staff, `/staff/patients/${patient.id}/ccd.xml?from=&to=&lang=es`);
    expect(ccd.status).to.equal(200);
    expect(ccd.headers.get('content-type')).to.match(/^application\/xml/);
    expect(ccd.headers.get('content-disposition')).to.match(/^attachment; filename="health-record-ccd-\d{4}-\d{2}-\d{2}\.xml"$/);
    const xml = await ccd.text();
    expect(xml).to.include('<languageCode code="es-US"/>').and.to.include(`<family>${patient.name?.[0]?.family}</family>`);
    const validation = await validateCcda(xml);
    expect(validation.xsdValid && validation.failedAsserts.length === 0, describeValidation(validation)).to.equal(true);

    const pdf = await download(staff, `/staff/patients/${patient.id}/summary.pdf?from=2019-06-01&to=2020-12-31&lang=es`);
    expect(pdf.status).to.equal(200);
    expect(pdf.headers.get('content-type')).to.equal('application/pdf');
    const text = collapse(pdfText(Buffer.from(await pdf.arrayBuffer())));
    expect(text).to.include('Echevarría').and.to.include('Alergias').and.to.include('Medicamentos').and.to.include('Clínica Puente');

    const events = await exports();
    expect(events.map((e) => [e.patient, e.resource.entity?.find((x) => x.detail)?.detail?.find((d) => d.type === 'mimeType')?.valueString])).to.deep.equal([
      [`Patient/${patient.id}`, 'application/xml'],
      [`Patient/${patient.id}`, 'application/pdf'],
    ]);
    for (const { resource } of events) {
      expect(resource.agent).to.have.length(1);
      expect(resource.agent?.[0]).to.deep.include({ requestor: true, who: { reference: practitioner } });
      expect(resource.entity?.[0]?.what).to.deep.equal({ reference: `Patient/${patient.id}` });
    }
  });

  it('reads every page of a search through HAPI’s own next links, and says when it stopped short', async () => {
    const record = createStaffRecordClient(portal.ctx.fhir, patient.id!);
    const total = (await portal.ctx.fhir.search('Observation', { patient: patient.id!, _summary: 'count' })).total!;
    expect(total).to.be.greaterThan(60);
    const all = await record.search(`Observation?patient=${patient.id}&_count=20`, { maxPages: 1000 });
    expect(all.complete).to.equal(true);
    expect(new Set(all.matches.map((o) => o.id)).size).to.equal(total);
    const cut = await record.search(`Observation?patient=${patient.id}&_count=20`, { maxPages: 2 });
    expect([cut.complete, cut.matches.length]).to.deep.equal([false, 40]);
  });

  it('sends bad dates back to the patient page with a message, and audits nothing', async () => {
    const before = (await exports()).length;
    const answer = await download(staff, `/staff/patients/${patient.id}/summary.pdf?from=2020-12-31&to=2019-06-01&lang=en`);
    expect(answer.status).to.equal(303);
    expect(answer.headers.get('location')).to.equal(`/staff/patients/${patient.id}?done=releaseInvalid`);
    const page = await staff.get(answer.headers.get('location')!);
    expect(page.body).to.include('The dates for the release were not valid');
    expect(await exports()).to.have.length(before);
  });

  it('gives a signed-in patient no access: both URLs send them to the staff sign-in', async () => {
    const user = await registerAccountFor(portal.ctx, patient);
    const browser = new HttpClient(portal.url, 'en');
    const signIn = await browser.get('/auth/login?next=/share');
    const signedIn = await browser.submit(formAction(signIn.body, /^\/interaction\//), { email: user.email, password: user.password, birthDate: user.birthDate });
    expect(signedIn.status).to.equal(200);
    expect(signedIn.url).to.match(/\/share$/);
    const before = (await exports()).length;
    for (const path of [`/staff/patients/${patient.id}/ccd.xml`, `/staff/patients/${patient.id}/summary.pdf?lang=es`]) {
      const answer = await download(browser, path);
      expect(answer.status, path).to.equal(303);
      expect(answer.headers.get('location'), path).to.equal('/staff/login');
    }
    expect(await exports()).to.have.length(before);
  });
});
