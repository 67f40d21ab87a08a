import { expect } from 'chai';
import { execFileSync } from 'node:child_process';
import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { Consent, OperationOutcome } from '@medplum/fhirtypes';
import { portalConsentProfile } from '../../src/core/fhir/profiles.ts';
import { HttpClient, formAction } from '../support/http-client.ts';
import { startPortal, type RunningPortal } from '../support/portal.ts';
import { seedPatient, seedPhysician, seedStaff, type SeededPatient } from '../support/seed.ts';
import type { CapturedMail } from '../support/capture-smtp.ts';

const pdfText = (pdf: Buffer): string => {
  const file = join(mkdtempSync(join(tmpdir(), 'puente-pdf-')), 'form.pdf');
  writeFileSync(file, pdf);
  return execFileSync('pdftotext', ['-layout', file, '-'], { encoding: 'utf8' });
};
const linkIn = (mail: CapturedMail, path: string) => {
  const match = new RegExp(`https?://[^\\s]+${path}\\?t=[A-Za-z0-9_-]+`).exec(mail.parsed.text ?? '');
  if (!match) throw new Error(`no ${path} link in the email`);
  return match[0];
};

describe('getting started: authorization form → invitation → registration → sign-in (HTTP, real HAPI and SMTP)', function () {
  this.timeout(120_000);
  let portal: RunningPortal;
  let staff: Awaited<ReturnType<typeof seedStaff>>;
  let physicianId: string;

  before(async () => {
    portal = await startPortal();
    staff = await seedStaff(portal.ctx);
    physicianId = await seedPhysician(portal.ctx);
  });
  after(() => portal.stop());

  async function staffBrowser(language: 'es' | 'en'): Promise<HttpClient> {
    const browser = new HttpClient(portal.url, language);
    await browser.get('/staff/login');
    const home = await browser.submit('/staff/login', { email: staff.email, password: staff.password, code: staff.code() });
    expect(home.url).to.match(/\/staff$/);
    return browser;
  }

  async function invite(patient: SeededPatient, language: 'es' | 'en', email: string): Promise<CapturedMail> {
    const browser = await staffBrowser(language);
    const results = await browser.get(`/staff?mrn=${patient.mrn}`);
    expect(results.body).to.include(`/staff/patients/${patient.id}`);
    await browser.get(`/staff/patients/${patient.id}`);
    const before = portal.smtp.messages.length;
    const recorded = await browser.submit(`/staff/patients/${patient.id}/authorization`, {
      signer: 'patient',
      patientEmail: email,
      physician: physicianId,
      language,
      verified: 'yes',
      note: 'Signed at the front desk',
    });
    expect(recorded.status).to.equal(200);
    expect(/<div class="notice[^>]*><p>([^<]*)/.exec(recorded.body)?.[1]).to.equal(
      language === 'es' ? 'La autorización quedó registrada y la invitación está en camino.' : 'The authorization was recorded and the invitation is on its way.',
    );
    const mails = await portal.smtp.waitForMessages(before + 1);
    return mails[mails.length - 1]!;
  }

  for (const language of ['es', 'en'] as const) {
    it(`runs the whole journey in ${language === 'es' ? 'Spanish' : 'English'}`, async () => {
      const patient = await seedPatient(portal.ctx, { given: language === 'es' ? 'Carmen Lucía' : 'Grace', birthDate: '1979-11-03' });
      const email = `patient-${patient.mrn.toLowerCase()}@example.org`;
      const mail = await invite(patient, language, email);

      // The invitation: in the patient's language, with the single-use link and the signed form attached.
      expect(mail.envelopeTo).to.deep.equal([email]);
      expect(mail.parsed.subject).to.include(language === 'es' ? 'Su enlace de registro' : 'registration link');
      const pdf = mail.parsed.attachments[0]!;
      expect(pdf.contentType).to.equal('application/pdf');
      const text = pdfText(pdf.content);
      expect(text).to.include(`${patient.given} ${patient.family}`);
      expect(text).to.include(language === 'es' ? '3 de noviembre de 1979' : 'November 3, 1979');
      expect(text).to.include(patient.mrn);

      // The stored Consent conforms to the project's profile.
      const consents = await portal.ctx.fhir.search<Consent>('Consent', { patient: `Patient/${patient.id}` });
      const consent = consents.entry![0]!.resource!;
      expect(consent.status).to.equal('active');
      expect(consent.verification?.[0]?.verified).to.equal(true);
      const outcome = await portal.ctx.fhir.operation<OperationOutcome>({
        name: `$validate?profile=${encodeURIComponent(portalConsentProfile)}`,
        resourceType: 'Consent',
        method: 'POST',
        input: consent,
      });
      expect((outcome.issue ?? []).filter((i) => i.severity === 'error' || i.severity === 'fatal')).to.deep.equal([]);

      // Registration: opening the link twice does not consume it; completing the form does.
      const patientBrowser = new HttpClient(portal.url, language);
      const link = linkIn(mail, '/register');
      expect((await patientBrowser.get(link)).status).to.equal(200);
      const form = await patientBrowser.get(link);
      expect(form.body).to.include('name="password"');
      const password = 'un paseo largo por el malecón';
      const registered = await patientBrowser.submit('/register', { t: new URL(link).searchParams.get('t')!, birthDate: patient.birthDate, password });
      expect(registered.status).to.equal(200);
      expect(registered.body).to.include(language === 'es' ? 'Su cuenta está lista' : 'Your account is ready');
      const reused = await patientBrowser.get(link);
      expect(reused.status).to.equal(410);

      // Sign-in through the authorization server, then the greeting read through the FHIR facade.
      const signInForm = await patientBrowser.get('/auth/login');
      const action = formAction(signInForm.body, /^\/interaction\//);
      const home = await patientBrowser.submit(action, { email, password, birthDate: patient.birthDate });
      expect(home.status).to.equal(200);
      expect(home.body).to.include(language === 'es' ? `Hola, ${patient.given} ${patient.family}` : `Hello, ${patient.given} ${patient.family}`);

      // The patient downloads their copy of the signed form, read through the facade with the app's token.
      const download = /href="(\/documents\/[A-Za-z0-9.-]+)"/.exec(home.body)?.[1];
      expect(download, 'a document link on the home page').to.be.a('string');
      const response = await fetch(`${portal.url}${download}`, { headers: { cookie: [...patientBrowser.cookies].map(([k, v]) => `${k}=${v}`).join('; ') } });
      expect(response.headers.get('content-type')).to.equal('application/pdf');
      expect(pdfText(Buffer.from(await response.arrayBuffer()))).to.include(`${patient.given} ${patient.family}`);
    });
  }
});
