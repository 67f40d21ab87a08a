import { expect } from 'chai';
import type { Browser, BrowserContext, Page } from 'playwright-core';
import { checkAccessibility, collapse, h1, launchChromium, screenshot, submit } from '../support/browser.ts';
import { startPortal, type RunningPortal } from '../support/portal.ts';
import { onboard } from '../support/onboard.ts';
import { seedStaff } from '../support/seed.ts';

const pdf = Buffer.from('%PDF-1.4\n1 0 obj<<>>endobj\ntrailer<<>>\n%%EOF\n');

const expected = {
  es: {
    locale: 'es-US',
    messages: 'Mensajes con su equipo de atención',
    newConversation: 'Nueva conversación',
    emergency: 'Los mensajes no son para emergencias. En una emergencia, llame al 911.',
    answer: 'El consultorio suele contestar en 2 días hábiles.',
    textEmpty: 'Escriba su mensaje.',
    fileEmpty: 'vacio.pdf: el archivo está vacío.',
    sent: 'Su mensaje se envió.',
    inbox: 'Bandeja de mensajes',
    unread: '1 sin leer',
    replied: 'Respuesta enviada.',
    unreadPatient: /\d sin leer/,
    staffRole: 'Rosa Díaz, Equipo de atención',
    closed: 'Esta conversación está cerrada. Para escribir de nuevo, empiece una conversación nueva.',
    email: 'Tiene un mensaje nuevo de Clínica Puente; inicie sesión para leerlo.',
    topic: 'doctor',
  },
  en: {
    locale: 'en-US',
    messages: 'Messages with your care team',
    newConversation: 'New conversation',
    emergency: 'Messages are not for emergencies. In an emergency, call 911.',
    answer: 'The practice usually answers within 2 business days.',
    textEmpty: 'Write your message.',
    fileEmpty: 'vacio.pdf: the file is empty.',
    sent: 'Your message was sent.',
    inbox: 'Message inbox',
    unread: '1 unread',
    replied: 'Reply sent.',
    unreadPatient: /\d unread/,
    staffRole: 'Rosa Díaz, Care team',
    closed: 'This conversation is closed. To write again, start a new conversation.',
    email: 'You have a new message from Clínica Puente; sign in to read it.',
    topic: 'refill',
  },
} as const;

/**
 * Secure messages in real Chromium, both sides, both languages (issue #14): the patient writes with an
 * attachment; the staff pool sees it unread, assigns it, adds an internal note and replies; the patient gets
 * the no-PHI email, reads the reply without the note; staff close it and the patient sees it closed. Every
 * page passes axe-core (WCAG 2.2 AA) at 375 and 1280 px.
 */
describe('secure messages in real Chromium, patient and staff, Spanish and English (axe-core, WCAG 2.2 AA)', function () {
  this.timeout(240_000);
  let portal: RunningPortal;
  let browser: Browser;
  const contexts: BrowserContext[] = [];

  before(async () => {
    browser = await launchChromium();
    portal = await startPortal({ PRACTICE_NAME: 'Clínica Puente', PRACTICE_HOURS: 'mon-sun 00:00-23:59' });
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
    it(`runs both sides in ${language === 'es' ? 'Spanish' : 'English'}; every page passes axe at 375 and 1280 px`, async () => {
      const findings: string[] = [];
      const inspect = async (page: Page, name: string) => {
        for (const width of [375, 1280]) {
          await page.setViewportSize({ width, height: 800 });
          findings.push(...(await checkAccessibility(page, `${language}/${name} @${width}px`)));
        }
        await screenshot(page, `messages-${language}-${name}`);
      };
      const newContext = async () => {
        const context = await browser.newContext({ locale: says.locale, viewport: { width: 1280, height: 800 } });
        contexts.push(context);
        return context;
      };
      const person = await onboard(portal.ctx, portal.smtp, { locale: language });
      const staff = await seedStaff(portal.ctx);
      const subject = `Asunto ${language.toUpperCase()}-SUBJ-${person.patient.mrn}`;
      const text = `Texto del mensaje ${language.toUpperCase()}-BODY con detalles de salud`;

      // The patient signs in and opens Messages.
      const home = await (await newContext()).newPage();
      await home.goto(`${portal.url}/auth/login`);
      await home.fill('#email', person.email);
      await home.fill('#password', person.password);
      await home.fill('#birthDate', person.patient.birthDate);
      await submit(home, 'main form button[type=submit]');
      await home.click('header nav a[href="/messages"]');
      await home.waitForLoadState('load');
      expect(await h1(home)).to.equal(says.messages);
      expect(collapse(await home.locator('main').textContent()))
        .to.include(says.emergency)
        .and.include(says.answer);
      await inspect(home, 'patient-list-empty');
      await home.click('main a[href="/messages/new"]');
      await home.waitForLoadState('load');
      expect(await h1(home)).to.equal(says.newConversation);
      await inspect(home, 'patient-new');

      // Bad input: said next to the field, the typed text kept.
      await home.selectOption('#topic', says.topic);
      await home.fill('#subject', subject);
      await home.fill('#text', '   ');
      await home.setInputFiles('#files', [{ name: 'vacio.pdf', mimeType: 'application/pdf', buffer: Buffer.alloc(0) }]);
      await submit(home, 'main form button[type=submit]');
      const refused = collapse(await home.locator('main').textContent());
      expect(refused).to.include(says.textEmpty).and.include(says.fileEmpty);
      expect(await home.inputValue('#subject')).to.equal(subject);
      await inspect(home, 'patient-new-refused');

      // Sent with an upper-case PDF attachment.
      await home.fill('#text', text);
      await home.setInputFiles('#files', [{ name: 'RESULTADO.PDF', mimeType: 'application/pdf', buffer: pdf }]);
      await submit(home, 'main form button[type=submit]');
      expect(await h1(home)).to.equal(subject);
      const conversationUrl = home.url().split('?')[0]!;
      expect(collapse(await home.locator('main').textContent()))
        .to.include(says.sent)
        .and.include(text)
        .and.include('RESULTADO.PDF (PDF)');
      await inspect(home, 'patient-conversation');

      // Staff: the inbox shows it unread in the care-team pool.
      const desk = await (await newContext()).newPage();
      await desk.goto(`${portal.url}/staff/login`);
      await desk.fill('#email', staff.email);
      await desk.fill('#password', staff.password);
      await desk.fill('#code', staff.code());
      await submit(desk, 'main form button[type=submit]');
      await desk.click('header nav a[href="/staff/messages"]');
      await desk.waitForLoadState('load');
      expect(await h1(desk)).to.equal(says.inbox);
      const row = desk.locator('tbody tr', { hasText: subject });
      expect(collapse(await row.textContent())).to.include(says.unread);
      await inspect(desk, 'staff-inbox');
      await row.locator('a').click();
      await desk.waitForLoadState('load');
      expect(await h1(desk)).to.equal(subject);
      await inspect(desk, 'staff-conversation');
      // Assign to self, add an internal note, reply.
      const self = await desk.locator('#owner option', { hasText: 'Rosa Díaz' }).first().getAttribute('value');
      await desk.selectOption('#owner', self!);
      await submit(desk, 'form[action$="/assign"] button[type=submit]');
      await desk.fill('#note', `NOTA-INTERNA-${language}`);
      await submit(desk, 'form[action$="/note"] button[type=submit]');
      const mails = portal.smtp.messages.length;
      await desk.fill('#reply', `Respuesta del equipo ${language}-REPLY`);
      await submit(desk, 'form[action$="/reply"] button[type=submit]');
      expect(collapse(await desk.locator('main').textContent()))
        .to.include(says.replied)
        .and.include(`NOTA-INTERNA-${language}`);
      await inspect(desk, 'staff-replied');

      // The notice: no health data at all.
      const notice = (await portal.smtp.waitForMessages(mails + 1)).slice(mails).find((m) => m.envelopeTo.includes(person.email))!;
      const whole = `${notice.parsed.subject}\n${notice.parsed.text}\n${notice.parsed.html}`;
      expect(notice.parsed.text).to.include(says.email);
      for (const phi of [person.patient.given, person.patient.family, person.patient.birthDate, person.patient.mrn, subject, text, 'REPLY', 'Rosa', 'NOTA'])
        expect(whole, phi).not.to.include(phi);

      // The patient reads the reply (name and role), never the note; the unread count clears.
      await home.goto(`${portal.url}/messages`);
      expect(collapse(await home.locator('main').textContent())).to.match(says.unreadPatient);
      await inspect(home, 'patient-list-unread');
      await home.goto(conversationUrl);
      const read = collapse(await home.locator('main').textContent());
      expect(read).to.include(`${language}-REPLY`).and.include(says.staffRole);
      expect(await home.content()).not.to.include('NOTA-INTERNA');
      await inspect(home, 'patient-reply');
      await home.goto(`${portal.url}/messages`);
      expect(collapse(await home.locator('main').textContent())).not.to.match(says.unreadPatient);

      // Staff close it; the patient sees it closed with a way to start a new one.
      await submit(desk, 'form[action$="/close"] button[type=submit]');
      await home.goto(conversationUrl);
      expect(collapse(await home.locator('main').textContent())).to.include(says.closed);
      await inspect(home, 'patient-closed');

      expect(findings, `axe-core found WCAG 2.2 AA violations:\n${findings.join('\n')}\n`).to.deep.equal([]);
    });
  }
});
