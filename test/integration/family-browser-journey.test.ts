import { expect } from 'chai';
import type { Browser, BrowserContext, Page } from 'playwright-core';
import type { CarePlan } from '@medplum/fhirtypes';
import { translate } from '../../src/core/i18n/translate.ts';
import { checkAccessibility, collapse, h1, launchChromium, screenshot, submit } from '../support/browser.ts';
import { startPortal, type RunningPortal } from '../support/portal.ts';
import { onboard } from '../support/onboard.ts';

/** Every page the journey visits; each is checked with axe at 375 and 1280 px. */
const pagesVisited = ['family', 'family-invited', 'member-registration', 'member-home', 'member-care-plan', 'family-ended'];
/** The second journey's pages: pending invitations, an existing account accepting signed in, "not shared with". */
const leftoverPages = ['family-pending', 'family-resent', 'family-cancelled', 'accept-sign-in', 'accept-offer', 'accepted', 'conversation-sharing', 'conversation-not-shared'];

/**
 * Issue 13's journey in real Chromium, in both languages: the patient invites a family member at
 * /account/family → the email → the family member registers (with the patient's date of birth) and signs
 * in → sees whose record it is (the banner) and the plan of treatment → the patient ends access → the
 * family member's next page asks them to sign in. Every page passes axe (WCAG 2.2 AA).
 */
describe('family journey in real Chromium: invite, register, read the plan of treatment, access ended (axe-core)', function () {
  this.timeout(240_000);
  let portal: RunningPortal;
  let browser: Browser;
  const contexts: BrowserContext[] = [];

  before(async () => {
    browser = await launchChromium();
    portal = await startPortal();
  });
  afterEach(async () => {
    await Promise.all(contexts.splice(0).map((c) => c.close()));
  });
  after(async () => {
    await browser?.close();
    await portal?.stop();
  });

  async function mailTo(address: string) {
    for (let i = 0; i < 100; i++) {
      await portal.ctx.outbox.runOnce();
      const found = portal.smtp.messages.findLast((m) => m.envelopeTo.includes(address));
      if (found) return found;
      await new Promise((resolve) => setTimeout(resolve, 100));
    }
    throw new Error(`no email to ${address}`);
  }

  for (const language of ['es', 'en'] as const) {
    const t = (key: Parameters<typeof translate>[1], params: Record<string, string | number> = {}) => translate(language, key, params);
    it(`runs in ${language === 'es' ? 'Spanish' : 'English'}, and every page passes axe at 375 and 1280 px`, async () => {
      const newContext = async () => {
        const context = await browser.newContext({ locale: language === 'es' ? 'es-ES' : 'en-US', viewport: { width: 1280, height: 800 } });
        contexts.push(context);
        return context;
      };
      const findings: string[] = [];
      const checked: string[] = [];
      const inspect = async (page: Page, name: string) => {
        for (const width of [375, 1280]) {
          await page.setViewportSize({ width, height: 800 });
          findings.push(...(await checkAccessibility(page, `${language}/${name} @${width}px`)));
        }
        await screenshot(page, `family-${language}-${name}`);
        checked.push(name);
      };
      const signIn = async (page: Page, email: string, password: string, birthDate: string) => {
        await page.goto(`${portal.url}/auth/login`);
        await page.fill('#email', email);
        await page.fill('#password', password);
        await page.fill('#birthDate', birthDate);
        await submit(page, 'main form button[type=submit]');
      };

      const patient = await onboard(portal.ctx, portal.smtp, { locale: language });
      const plan = `Plan ${language.toUpperCase()} caminar 30 minutos`;
      await portal.ctx.fhir.create<CarePlan>({
        resourceType: 'CarePlan',
        status: 'active',
        intent: 'plan',
        title: plan,
        category: [{ text: plan }],
        subject: { reference: `Patient/${patient.patient.id}` },
      });

      // The patient invites their daughter from /account/family, typing their password again.
      const patientPage = await (await newContext()).newPage();
      await signIn(patientPage, patient.email, patient.password, patient.patient.birthDate);
      await patientPage.goto(`${portal.url}/account/family`);
      expect(await h1(patientPage)).to.equal(t('family.title'));
      await inspect(patientPage, 'family');
      const memberEmail = `daughter-${language}-${Date.now()}@example.org`;
      await patientPage.fill('#name', 'Lucía Herrera');
      await patientPage.selectOption('#relationship', 'DAU');
      await patientPage.fill('#email', memberEmail);
      await patientPage.check('#invite-everything');
      await patientPage.fill('#signature', `${patient.patient.given} ${patient.patient.family}`);
      await patientPage.fill('#password', patient.password);
      await submit(patientPage, 'form[action="/account/family/invite"] button[type=submit]');
      expect(collapse(await patientPage.locator('main .notice').first().textContent())).to.equal(t('family.invited', { email: memberEmail }));
      await inspect(patientPage, 'family-invited');

      // The email carries the single-use registration link.
      const mail = await mailTo(memberEmail);
      expect(mail.parsed.subject).to.equal(t('family.email.invitation.subject', { practice: portal.ctx.config.practice.name }));
      const link = /http:\/\/127\.0\.0\.1:\d+\/register\?t=[A-Za-z0-9_-]+/.exec(mail.parsed.text ?? '')?.[0];
      expect(link).to.be.a('string');

      // The family member registers with the patient's date of birth and a password, then signs in.
      const memberPage = await (await newContext()).newPage();
      await memberPage.goto(link!);
      expect(await h1(memberPage)).to.equal(t('register.title'));
      await inspect(memberPage, 'member-registration');
      const memberPassword = 'la casa azul junto al parque';
      await memberPage.fill('#birthDate', patient.patient.birthDate);
      await memberPage.fill('#password', memberPassword);
      await submit(memberPage, 'main form button[type=submit]');
      expect(await h1(memberPage)).to.equal(t('register.doneTitle'));
      await signIn(memberPage, memberEmail, memberPassword, patient.patient.birthDate);
      expect(new URL(memberPage.url()).pathname).to.equal('/');
      expect(collapse(await memberPage.locator('.banner-proxy').textContent())).to.equal(t('banner.proxy', { name: 'Lucía Herrera' }));
      await inspect(memberPage, 'member-home');
      await memberPage.goto(`${portal.url}/record/care-plan`);
      expect(await memberPage.locator('main').textContent()).to.include(plan);
      expect(collapse(await memberPage.locator('.banner-proxy').textContent())).to.equal(t('banner.proxy', { name: 'Lucía Herrera' }));
      await inspect(memberPage, 'member-care-plan');

      // The patient ends the access.
      await patientPage.goto(`${portal.url}/account/family`);
      await submit(patientPage, 'form[action="/account/family/end"] button[type=submit]');
      expect(collapse(await patientPage.locator('main .notice').first().textContent())).to.equal(t('family.ended', { name: 'Lucía Herrera' }));
      await inspect(patientPage, 'family-ended');

      // The family member's next page asks them to sign in.
      await memberPage.goto(`${portal.url}/record/care-plan`);
      expect(new URL(memberPage.url()).pathname).to.match(/^\/interaction\/[^/]+$/);
      expect(await h1(memberPage)).to.equal(t('signIn.title'));
      expect(await memberPage.content()).not.to.include(plan);

      expect(checked).to.deep.equal(pagesVisited);
      expect(findings, `axe-core found WCAG 2.2 AA violations:\n${findings.join('\n')}\n`).to.deep.equal([]);
    });

    it(`${language === 'es' ? 'Spanish' : 'English'}: an invitation sent again and cancelled, one accepted signed in by an existing account, a conversation not shared with it; axe at 375 and 1280 px`, async () => {
      const newPage = async () => {
        const context = await browser.newContext({ locale: language === 'es' ? 'es-ES' : 'en-US', viewport: { width: 375, height: 800 } });
        contexts.push(context);
        return context.newPage();
      };
      const findings: string[] = [];
      const checked: string[] = [];
      const inspect = async (page: Page, name: string) => {
        for (const width of [375, 1280]) {
          await page.setViewportSize({ width, height: 800 });
          findings.push(...(await checkAccessibility(page, `${language}/${name} @${width}px`)));
        }
        await page.setViewportSize({ width: 375, height: 800 });
        await screenshot(page, `family-${language}-${name}`);
        checked.push(name);
      };
      const fillSignIn = async (page: Page, person: { email: string; password: string; patient: { birthDate: string } }) => {
        await page.fill('#email', person.email);
        await page.fill('#password', person.password);
        await page.fill('#birthDate', person.patient.birthDate);
        await submit(page, 'main form button[type=submit]');
      };
      const notice = async (page: Page) => collapse(await page.locator('main .notice').first().textContent());
      const linkIn = async (email: string, path: string, after: number) => {
        for (let i = 0; i < 100; i++) {
          await portal.ctx.outbox.runOnce();
          const mail = portal.smtp.messages.slice(after).findLast((m) => m.envelopeTo.includes(email));
          const link = mail && new RegExp(`http://127\\.0\\.0\\.1:\\d+${path}\\?t=[A-Za-z0-9_-]+`).exec(mail.parsed.text ?? '')?.[0];
          if (link) return link;
          await new Promise((resolve) => setTimeout(resolve, 100));
        }
        throw new Error(`no email to ${email}`);
      };

      const patient = await onboard(portal.ctx, portal.smtp, { locale: language });
      const holder = await onboard(portal.ctx, portal.smtp, { locale: language });
      const patientPage = await newPage();
      await patientPage.goto(`${portal.url}/auth/login`);
      await fillSignIn(patientPage, patient);
      const invite = async (name: string, email: string) => {
        await patientPage.goto(`${portal.url}/account/family`);
        await patientPage.fill('#name', name);
        await patientPage.selectOption('#relationship', 'SIS');
        await patientPage.fill('#email', email);
        await patientPage.fill('#signature', `${patient.patient.given} ${patient.patient.family}`);
        await patientPage.fill('#password', patient.password);
        await submit(patientPage, 'form[action="/account/family/invite"] button[type=submit]');
        expect(await notice(patientPage)).to.equal(t('family.invited', { email }));
      };

      // A new email: its card under "not yet accepted" offers "send again" and "cancel", each naming the person.
      const pendingEmail = `pending-${language}-${Date.now()}@example.org`;
      let mails = portal.smtp.messages.length;
      await invite('Rosa Herrera', pendingEmail);
      const firstLink = await linkIn(pendingEmail, '/register', mails);
      const card = patientPage.locator('main li.card', { hasText: pendingEmail });
      expect((await card.locator('button').allTextContents()).map(collapse)).to.deep.equal([
        `${t('family.resend')} (Rosa Herrera)`,
        `${t('family.cancelInvitation')} (Rosa Herrera)`,
      ]);
      await inspect(patientPage, 'family-pending');

      // Sent again: a new link by email, and the first one no longer works.
      mails = portal.smtp.messages.length;
      await submit(patientPage, 'main li.card form[action="/account/family/invitations/resend"] button');
      expect(await notice(patientPage)).to.equal(t('family.invitationResent', { email: pendingEmail }));
      await inspect(patientPage, 'family-resent');
      const secondLink = await linkIn(pendingEmail, '/register', mails);
      expect(secondLink).not.to.equal(firstLink);
      const visitor = await newPage();
      await visitor.goto(firstLink);
      expect(await h1(visitor)).to.equal(t('link.voided.title'));

      // Cancelled: gone from the list, and its link no longer works either.
      await submit(patientPage, 'main li.card form[action="/account/family/invitations/cancel"] button');
      expect(await notice(patientPage)).to.equal(t('family.invitationCancelled', { email: pendingEmail }));
      expect(await patientPage.locator('main li.card', { hasText: pendingEmail }).count()).to.equal(0);
      await inspect(patientPage, 'family-cancelled');
      await visitor.goto(secondLink);
      expect(await h1(visitor)).to.equal(t('link.voided.title'));

      // Someone who already has an account here: the email's link asks them to sign in, comes back, and they accept.
      mails = portal.smtp.messages.length;
      await invite('Ana Herrera', holder.email);
      const acceptLink = await linkIn(holder.email, '/account/family/accept', mails);
      const holderPage = await newPage();
      await holderPage.goto(acceptLink);
      expect(await h1(holderPage)).to.equal(t('family.accept.title'));
      await inspect(holderPage, 'accept-sign-in');
      await Promise.all([holderPage.waitForEvent('load'), holderPage.click('main a.button')]);
      await fillSignIn(holderPage, holder);
      expect(new URL(holderPage.url()).pathname).to.equal('/account/family/accept');
      expect(collapse(await holderPage.locator('main').textContent())).to.include(t('family.accept.intro', { name: `${patient.patient.given} ${patient.patient.family}` }));
      await inspect(holderPage, 'accept-offer');
      await submit(holderPage, 'form[action="/account/family/accept"] button[type=submit]');
      expect(await notice(holderPage)).to.equal(t('family.accept.done', { name: `${patient.patient.given} ${patient.patient.family}` }));
      await inspect(holderPage, 'accepted');

      // The patient's conversation: "not shared with" lists the new family member; ticking them keeps it from them.
      await patientPage.goto(`${portal.url}/messages/new`);
      await patientPage.selectOption('#topic', 'doctor');
      await patientPage.fill('#subject', `Privado ${language}`);
      await patientPage.fill('#text', 'Solo para mí');
      await submit(patientPage, 'main form button[type=submit]');
      const conversation = new URL(patientPage.url()).pathname;
      expect(conversation)
        .to.match(/^\/messages\/[A-Za-z0-9\-.]+$/)
        .and.not.equal('/messages/new');
      const box = patientPage.getByRole('checkbox', { name: 'Ana Herrera' });
      expect(await box.isChecked()).to.equal(false);
      await inspect(patientPage, 'conversation-sharing');
      await box.check();
      await submit(patientPage, 'form[action$="/sharing"] button[type=submit]');
      expect(new URL(patientPage.url()).pathname).to.equal(conversation);
      expect(collapse(await patientPage.locator('#sharing .notice').textContent())).to.equal(t('family.threadSharing.saved'));
      expect(await patientPage.getByRole('checkbox', { name: 'Ana Herrera' }).isChecked()).to.equal(true);
      await inspect(patientPage, 'conversation-not-shared');

      expect(checked).to.deep.equal(leftoverPages);
      expect(findings, `axe-core found WCAG 2.2 AA violations:\n${findings.join('\n')}\n`).to.deep.equal([]);
    });
  }
});
