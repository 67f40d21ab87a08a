import { expect } from 'chai';
import { execFileSync } from 'node:child_process';
import type { Browser, BrowserContext, Page } from 'playwright-core';
import { checkAccessibility, collapse, h1, launchChromium, screenshot, submit } from '../support/browser.ts';
import { startPortal, type RunningPortal } from '../support/portal.ts';
import { seedPatient, seedPhysician, seedStaff } from '../support/seed.ts';

const practiceName = 'Clínica Puente';

/** What each page says, in each language (exact, from the catalogs and the form's text). */
const expected = {
  es: {
    locale: 'es-ES',
    given: 'Carmen Lucía',
    staffSignIn: 'Acceso del personal',
    staffSearch: 'Buscar un paciente',
    recorded: 'La autorización quedó registrada y la invitación está en camino.',
    download: 'Descargar el formulario firmado (PDF)',
    consentStatement: `Autorizo a ${practiceName} a crear una cuenta en el portal del paciente para el paciente nombrado en este formulario y a comunicarse por correo electrónico con la persona indicada abajo como usuaria del portal.`,
    formTitle: 'Autorización para el portal del paciente y el correo electrónico',
    register: 'Cree su contraseña',
    registered: 'Su cuenta está lista',
    linkUsed: 'Este enlace ya se usó',
    signIn: 'Inicie sesión en su portal del paciente',
    signInFailed: 'No pudimos iniciar su sesión con esos datos. Revise su correo electrónico, su contraseña y la fecha de nacimiento, e inténtelo de nuevo.',
    greeting: (name: string) => `Hola, ${name}`,
    forgot: 'Restablezca su contraseña',
  },
  en: {
    locale: 'en-US',
    given: 'Grace',
    staffSignIn: 'Staff sign-in',
    staffSearch: 'Find a patient',
    recorded: 'The authorization was recorded and the invitation is on its way.',
    download: 'Download the signed form (PDF)',
    consentStatement: `I authorize ${practiceName} to create a patient portal account for the patient named on this form and to communicate by email with the person named below as the portal user.`,
    formTitle: 'Patient portal and email authorization',
    register: 'Create your password',
    registered: 'Your account is ready',
    linkUsed: 'This link has already been used',
    signIn: 'Sign in to your patient portal',
    signInFailed: 'We could not sign you in with those details. Check your email, password and date of birth, and try again.',
    greeting: (name: string) => `Hello, ${name}`,
    forgot: 'Reset your password',
  },
} as const;

/** Every page the journey visits; each is checked with axe and photographed at both widths. */
const pagesVisited = [
  'staff-sign-in',
  'staff-search-results',
  'staff-patient',
  'staff-patient-recorded',
  'registration',
  'registration-done',
  'link-used',
  'sign-in',
  'sign-in-failed',
  'home',
  'forgot-password',
];

describe('browser journeys in real Chromium: staff records the form, the patient registers and signs in (axe-core, WCAG 2.2 AA)', function () {
  this.timeout(180_000);
  let portal: RunningPortal;
  let browser: Browser;
  let staff: Awaited<ReturnType<typeof seedStaff>>;
  let physicianId: string;
  const contexts: BrowserContext[] = [];

  before(async () => {
    browser = await launchChromium();
    portal = await startPortal({ PRACTICE_NAME: practiceName });
    staff = await seedStaff(portal.ctx);
    physicianId = await seedPhysician(portal.ctx);
  });
  afterEach(async () => {
    await Promise.all(contexts.splice(0).map((c) => c.close()));
  });
  after(async () => {
    await browser?.close();
    await portal?.stop();
  });

  for (const language of ['es', 'en'] as const) {
    const says = expected[language];

    it(`runs the whole journey in ${language === 'es' ? 'Spanish' : 'English'}, and every page passes axe at 375 and 1280 px`, async () => {
      const newContext = async () => {
        const context = await browser.newContext({ locale: says.locale, viewport: { width: 1280, height: 800 } });
        contexts.push(context);
        return context;
      };
      const findings: string[] = [];
      const checked: string[] = [];
      /** axe at both widths (the layout differs, so target size and reflow can too), then the screenshots. */
      const inspect = async (page: Page, name: string) => {
        for (const width of [375, 1280]) {
          await page.setViewportSize({ width, height: 800 });
          findings.push(...(await checkAccessibility(page, `${language}/${name} @${width}px`)));
        }
        await screenshot(page, `${language}-${name}`);
        checked.push(name);
      };

      const patient = await seedPatient(portal.ctx, { given: says.given, birthDate: '1979-11-03' });
      const fullName = `${patient.given} ${patient.family}`;
      const email = `browser-${patient.mrn.toLowerCase()}@example.org`;

      // Staff: sign in with email, password and a TOTP code.
      const staffContext = await newContext();
      const desk = await staffContext.newPage();
      await desk.goto(`${portal.url}/staff/login`);
      expect(await h1(desk)).to.equal(says.staffSignIn);
      await inspect(desk, 'staff-sign-in');
      await desk.fill('#email', staff.email);
      await desk.fill('#password', staff.password);
      await desk.fill('#code', staff.code());
      await submit(desk, 'main form button[type=submit]');
      expect(new URL(desk.url()).pathname).to.equal('/staff');
      expect(await h1(desk)).to.equal(says.staffSearch);

      // Find the patient by MRN and open the record.
      await desk.fill('#mrn', patient.mrn);
      await submit(desk, 'main form[role=search] button[type=submit]');
      expect(new URL(desk.url()).searchParams.get('mrn')).to.equal(patient.mrn);
      const result = desk.locator(`main a[href="/staff/patients/${patient.id}"]`);
      expect(collapse((await result.textContent()) ?? '')).to.equal(fullName);
      await inspect(desk, 'staff-search-results');
      await Promise.all([desk.waitForEvent('load'), result.click()]);
      expect(await h1(desk)).to.equal(fullName);
      await inspect(desk, 'staff-patient');

      // The authorization form, signed by the patient on paper, recorded by the front desk.
      await desk.check('#signer-patient');
      await desk.fill('#patientEmail', email);
      await desk.selectOption('#physician', physicianId);
      await desk.selectOption('#language', language);
      await desk.check('#verified');
      const mailsBefore = portal.smtp.messages.length;
      await submit(desk, 'form[action$="/authorization"] button[type=submit]');
      expect(new URL(desk.url()).searchParams.get('done')).to.equal('recorded');
      expect(collapse((await desk.locator('main .notice').textContent()) ?? '')).to.equal(says.recorded);
      await inspect(desk, 'staff-patient-recorded');

      // The signed form downloads as a PDF with the patient's name and the consent statement in this language.
      const downloadLink = desk.getByRole('link', { name: says.download, exact: true });
      expect(await downloadLink.getAttribute('href')).to.match(/^\/staff\/consents\/[A-Za-z0-9.-]+\/form\.pdf$/);
      const [download] = await Promise.all([desk.waitForEvent('download'), downloadLink.click()]);
      expect(download.suggestedFilename()).to.match(/^authorization-[A-Za-z0-9.-]+\.pdf$/);
      const pdfPath = await download.path();
      const pdfText = collapse(execFileSync('pdftotext', ['-layout', pdfPath, '-'], { encoding: 'utf8' }));
      expect(pdfText).to.include(says.formTitle);
      expect(pdfText).to.include(fullName);
      expect(pdfText).to.include(says.consentStatement);

      // The invitation reaches the capturing SMTP server with the single-use registration link.
      const mails = await portal.smtp.waitForMessages(mailsBefore + 1);
      const invitation = mails.slice(mailsBefore).find((m) => m.envelopeTo.includes(email));
      expect(invitation, 'the invitation email').to.not.equal(undefined);
      const link = new RegExp(`${portal.url.replace(/[.]/g, '\\.')}/register\\?t=[A-Za-z0-9_-]+`).exec(invitation!.parsed.text ?? '')?.[0];
      expect(link, 'the /register link in the email text').to.be.a('string');

      // The patient, in a fresh browser: registration with the date of birth and a password.
      const patientContext = await newContext();
      const home = await patientContext.newPage();
      await home.goto(link!);
      expect(await h1(home)).to.equal(says.register);
      await inspect(home, 'registration');
      const password = 'un paseo largo por el malecón';
      await home.fill('#birthDate', patient.birthDate);
      await home.fill('#password', password);
      await submit(home, 'main form button[type=submit]');
      expect(await h1(home)).to.equal(says.registered);
      await inspect(home, 'registration-done');

      // The used link now says so.
      const reused = await patientContext.newPage();
      const reusedResponse = await reused.goto(link!);
      expect(reusedResponse?.status()).to.equal(410);
      expect(await h1(reused)).to.equal(says.linkUsed);
      await inspect(reused, 'link-used');
      await reused.close();

      // Sign-in through the authorization server: one wrong password first, then the right one.
      await home.goto(`${portal.url}/auth/login`);
      expect(new URL(home.url()).pathname).to.match(/^\/interaction\/[^/]+$/);
      expect(await h1(home)).to.equal(says.signIn);
      await inspect(home, 'sign-in');
      await home.fill('#email', email);
      await home.fill('#password', 'not the password at all');
      await home.fill('#birthDate', patient.birthDate);
      await submit(home, 'main form button[type=submit]');
      expect(collapse((await home.locator('main .notice.error').textContent()) ?? '')).to.equal(says.signInFailed);
      await inspect(home, 'sign-in-failed');
      await home.fill('#email', email);
      await home.fill('#password', password);
      await home.fill('#birthDate', patient.birthDate);
      await submit(home, 'main form button[type=submit]');
      expect(new URL(home.url()).pathname).to.equal('/');
      expect(await h1(home)).to.equal(says.greeting(fullName));
      await inspect(home, 'home');

      // The forgot-password page.
      const forgot = await patientContext.newPage();
      await forgot.goto(`${portal.url}/password/forgot`);
      expect(await h1(forgot)).to.equal(says.forgot);
      await inspect(forgot, 'forgot-password');

      expect(checked).to.deep.equal(pagesVisited);
      expect(findings, `axe-core found WCAG 2.2 AA violations:\n${findings.join('\n')}\n`).to.deep.equal([]);
    });
  }
});
