/**
 * Issues "Download the health record" and "Send the record": everything is built only from what the
 * facade releases to the person asking. A family member whose Consent permits only appointments and the
 * care plan downloads the FHIR data, the CCD and the PDF summary of a real Synthea record, and creates a
 * share link: the FHIR data holds no type outside those parts, the CCD (still valid) has no problem,
 * allergy, medication or result entries, the PDF names none of the patient's problems, and the link's
 * files are just as narrow. The same downloads by the patient hold all of them (so the check can fail).
 */
import { expect } from 'chai';
import { execFileSync } from 'node:child_process';
import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { compactDecrypt } from 'jose';
import type { Bundle, Condition, Patient } from '@medplum/fhirtypes';
import { HttpClient, formAction } from '../support/http-client.ts';
import { startPortal, type RunningPortal } from '../support/portal.ts';
import { loadSyntheaPatient, registerAccountFor, type RecordUser } from '../support/record-patient.ts';
import { tokenOf } from '../support/onboard.ts';
import { inviteFamilyMember } from '../../src/proxies/invite-family-member.ts';
import { familyAcceptance } from '../../src/proxies/accept-family-invitation.ts';
import { completeRegistration } from '../../src/accounts/registration.ts';
import { validateCcda, describeValidation } from '../../scripts/lib/ccda-validator.ts';

const pdfText = (pdf: Buffer): string => {
  const file = join(mkdtempSync(join(tmpdir(), 'puente-limited-')), 'summary.pdf');
  writeFileSync(file, pdf);
  return execFileSync('pdftotext', ['-layout', file, '-'], { encoding: 'utf8' });
};

/** The CCD sections whose entries a limited Consent (appointments, care plan) must leave empty. */
const withheldSections = {
  problems: '2.16.840.1.113883.10.20.22.2.5.1',
  allergies: '2.16.840.1.113883.10.20.22.2.6.1',
  medications: '2.16.840.1.113883.10.20.22.2.1.1',
  results: '2.16.840.1.113883.10.20.22.2.3.1',
} as const;

/** How many entries the CCD's section with this template holds. */
function entriesIn(xml: string, templateRoot: string): number {
  const start = xml.indexOf(`<templateId root="${templateRoot}"`);
  if (start < 0) return 0;
  const end = xml.indexOf('</section>', start);
  return (xml.slice(start, end).match(/<entry[ >]/g) ?? []).length;
}

describe('downloads and sends hold only what the family member may see', function () {
  this.timeout(600_000);
  let portal: RunningPortal;
  let patient: Patient;
  let owner: RecordUser;
  let problems: string[];
  const memberPassword = 'un paseo largo por la orilla del mar';
  const memberEmail = `limited-${Date.now()}@example.org`;

  const signIn = async (email: string, password: string, lang = 'en'): Promise<HttpClient> => {
    const browser = new HttpClient(portal.url, lang);
    const form = await browser.get('/auth/login');
    await browser.submit(formAction(form.body, /^\/interaction\//), { email, password, birthDate: patient.birthDate! });
    return browser;
  };
  const download = async (browser: HttpClient, path: string): Promise<{ status: number; body: Buffer }> => {
    const response = await fetch(`${portal.url}${path}`, { headers: { cookie: [...browser.cookies].map(([k, v]) => `${k}=${v}`).join('; ') } });
    return { status: response.status, body: Buffer.from(await response.arrayBuffer()) };
  };
  const typesOf = (json: Buffer) => new Set(((JSON.parse(json.toString('utf8')) as Bundle).entry ?? []).map((e) => e.resource!.resourceType));

  before(async () => {
    portal = await startPortal({ PRACTICE_TIME_ZONE: 'America/Chicago' });
    patient = await loadSyntheaPatient(portal.ctx, 'Carla_Echevarria');
    owner = await registerAccountFor(portal.ctx, patient);
    const accountId = (await portal.ctx.db.query<{ id: string }>('SELECT id::text FROM accounts WHERE email = $1', [owner.email])).rows[0]!.id;
    const before = portal.smtp.messages.length;
    await inviteFamilyMember(portal.ctx.accounts, {
      accountId,
      patientId: patient.id!,
      password: owner.password,
      name: 'Lucía Echevarría',
      relationship: 'DAU',
      email: memberEmail,
      access: 'limited',
      parts: ['appointments', 'carePlan'],
      endDate: '',
      signature: owner.name,
      locale: 'en',
      clientAddress: '127.0.0.1',
    });
    await portal.ctx.outbox.runOnce();
    const mail = (await portal.smtp.waitForMessages(before + 1)).find((m) => m.envelopeTo.includes(memberEmail))!;
    const outcome = await completeRegistration(
      portal.ctx.accounts,
      { token: tokenOf(mail, '/register'), birthDate: patient.birthDate!, password: memberPassword, clientAddress: '127.0.0.2' },
      { onAccept: familyAcceptance(portal.ctx.accounts, '127.0.0.2') },
    );
    expect(outcome.status).to.equal('registered');
    const conditions = (await portal.ctx.fhir.search('Condition' as never, { patient: `Patient/${patient.id}`, _count: '200' })) as Bundle<Condition>;
    problems = [...new Set((conditions.entry ?? []).map((e) => e.resource?.code?.text ?? e.resource?.code?.coding?.[0]?.display ?? '').filter((t) => t.length > 5))];
    expect(problems.length, 'the record has problems to withhold').to.be.greaterThan(0);
  });
  after(() => portal?.stop());

  it('the patient’s own downloads hold problems, allergies, medications and results (the check can fail)', async () => {
    const browser = await signIn(owner.email, owner.password);
    const json = await download(browser, '/share/download/record.json');
    expect(json.status).to.equal(200);
    expect([...typesOf(json.body)]).to.include.members(['Condition', 'Observation', 'MedicationRequest']);
    const ccd = (await download(browser, '/share/download/ccd.xml')).body.toString('utf8');
    expect(entriesIn(ccd, withheldSections.problems)).to.be.greaterThan(0);
    expect(entriesIn(ccd, withheldSections.results)).to.be.greaterThan(0);
    const text = pdfText((await download(browser, '/share/download/summary.pdf?lang=en')).body);
    expect(problems.some((p) => text.includes(p))).to.equal(true);
  });

  it('a limited family member’s FHIR data, CCD and PDF hold only appointments and the care plan', async () => {
    const browser = await signIn(memberEmail, memberPassword);
    const json = await download(browser, '/share/download/record.json');
    expect(json.status).to.equal(200);
    const types = typesOf(json.body);
    for (const withheld of [
      'Condition',
      'Observation',
      'MedicationRequest',
      'AllergyIntolerance',
      'Immunization',
      'Procedure',
      'DiagnosticReport',
      'Encounter',
      'DocumentReference',
    ]) {
      expect(types.has(withheld as never), withheld).to.equal(false);
    }
    expect(types.has('CarePlan')).to.equal(true);

    const ccdResponse = await download(browser, '/share/download/ccd.xml');
    expect(ccdResponse.status).to.equal(200);
    const ccd = ccdResponse.body.toString('utf8');
    for (const [section, root] of Object.entries(withheldSections)) expect(entriesIn(ccd, root), section).to.equal(0);
    const validation = await validateCcda(ccd);
    expect(validation.xsdValid && validation.failedAsserts.length === 0, describeValidation(validation)).to.equal(true);

    const pdf = await download(browser, '/share/download/summary.pdf?lang=en');
    expect(pdf.status).to.equal(200);
    const text = pdfText(pdf.body);
    for (const problem of problems) expect(text, problem).not.to.include(problem);
  });

  it('a share link made by the limited family member carries the same narrow files', async () => {
    const browser = await signIn(memberEmail, memberPassword);
    await browser.get('/share/send?what=all&lang=en');
    const ready = await browser.submit('/share/send/link', { what: 'all', lang: 'en', label: 'Dr. Lee', passcode: 'limited-123', formats: 'fhir', from: '', to: '', visit: '' });
    expect(ready.status).to.equal(200);
    const link = /shlink:\/([A-Za-z0-9_-]+)/.exec(ready.body)![1]!;
    const payload = JSON.parse(Buffer.from(link, 'base64url').toString('utf8')) as { url: string; key: string };
    const manifest = await fetch(payload.url, {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify({ recipient: 'Dr. Lee', passcode: 'limited-123' }),
    });
    const { files } = (await manifest.json()) as { files: { embedded: string }[] };
    const json = Buffer.from((await compactDecrypt(files[0]!.embedded, Buffer.from(payload.key, 'base64url'))).plaintext);
    const types = typesOf(json);
    expect(types.has('Condition')).to.equal(false);
    expect(types.has('Observation')).to.equal(false);
    expect(types.has('CarePlan')).to.equal(true);
  });
});
