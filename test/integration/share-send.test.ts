/**
 * Issue "Send the record to an outside doctor", end to end on the real portal, HAPI, Chromium and two
 * real SMTP servers (the practice's mail relay and the doctor's HISP):
 * - the send page passes axe at 375 px in both languages;
 * - a share link: its `shlink:/` payload decodes, the manifest refuses a wrong passcode with
 *   remainingAttempts, each file decrypts independently with jose, the CCD validates, the opening is
 *   listed on /share and in the activity log by the name the doctor gave;
 * - email: the default message holds no PHI (the raw message is grepped for the patient's name, birth
 *   date and MRN), only the link; attaching files needs the warning acknowledged;
 * - Direct: the HISP receives an S/MIME message that `openssl cms -decrypt` (doctor's key) and
 *   `openssl cms -verify` (practice trust anchor) accept, carrying an XDM zip whose CCD validates; a
 *   tampered copy fails verification; an address without a certificate is refused and nothing is queued;
 *   with the HISP down the message waits and arrives exactly once when it is back;
 * - bad input (malformed address, short passcode, past expiry, nothing chosen) is refused with nothing sent;
 * - every send is in the activity log with its addressee.
 */
import { expect } from 'chai';
import { execFileSync } from 'node:child_process';
import { mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { compactDecrypt } from 'jose';
import { unzipSync, strFromU8 } from 'fflate';
import { simpleParser } from 'mailparser';
import type { Browser, BrowserContext, Page } from 'playwright-core';
import type { Bundle, Patient } from '@medplum/fhirtypes';
import { checkAccessibility, collapse, launchChromium, screenshot } from '../support/browser.ts';
import { createCaptureSmtp, type CaptureSmtp } from '../support/capture-smtp.ts';
import { startPortal, type RunningPortal } from '../support/portal.ts';
import { loadSyntheaPatient, registerAccountFor, type RecordUser } from '../support/record-patient.ts';
import { ensureDirectDemoCertificates, type DirectDemoCertificates } from '../../scripts/lib/demo-certificates.ts';
import { validateCcda, describeValidation } from '../../scripts/lib/ccda-validator.ts';
import { en } from '../../src/core/i18n/catalog-en.ts';
import { es } from '../../src/core/i18n/catalog-es.ts';

const locales = { es: 'es-ES', en: 'en-US' } as const;

describe('sending the record to an outside doctor: share links, email, Direct', function () {
  this.timeout(600_000);
  let portal: RunningPortal;
  let browser: Browser;
  let hisp: CaptureSmtp;
  let certs: DirectDemoCertificates;
  let user: RecordUser;
  let patient: Patient;
  const contexts: BrowserContext[] = [];
  const work = mkdtempSync(join(tmpdir(), 'puente-send-'));

  before(async () => {
    certs = ensureDirectDemoCertificates(join(work, 'direct'));
    hisp = await createCaptureSmtp();
    await hisp.start();
    [portal, browser] = await Promise.all([
      startPortal({
        PRACTICE_NAME: 'Clínica Puente',
        PRACTICE_TIME_ZONE: 'America/Chicago',
        DIRECT_SMTP_URL: hisp.url,
        DIRECT_ADDRESS: certs.practiceAddress,
        DIRECT_CERT: certs.practiceCert,
        DIRECT_KEY: certs.practiceKey,
        DIRECT_CERTS_DIR: certs.certsDir,
        DIRECT_TRUST_ANCHORS: certs.trustAnchors,
        OUTBOX_RETRY_BASE_MS: '200',
        OUTBOX_RETRY_MAX_MS: '1000',
      }),
      launchChromium(),
    ]);
    patient = await loadSyntheaPatient(portal.ctx, 'Carla_Echevarria');
    user = await registerAccountFor(portal.ctx, patient);
  });
  afterEach(async () => {
    await Promise.all(contexts.splice(0).map((c) => c.close()));
  });
  after(async () => {
    await browser?.close();
    await portal?.stop();
    await hisp?.stop();
  });

  async function signedIn(language: keyof typeof locales, path: string): Promise<Page> {
    const context = await browser.newContext({ locale: locales[language], viewport: { width: 375, height: 900 } });
    contexts.push(context);
    const page = await context.newPage();
    await page.goto(`${portal.url}/auth/login?next=${encodeURIComponent(path)}`);
    await page.fill('#email', user.email);
    await page.fill('#password', user.password);
    await page.fill('#birthDate', user.birthDate);
    await Promise.all([page.waitForURL((url) => `${url.pathname}${url.search}` === path), page.click('main form button[type=submit]')]);
    return page;
  }

  const transmissions = async () => (await portal.ctx.db.query<{ method: string; addressee: string }>('SELECT method, addressee FROM transmissions ORDER BY created_at')).rows;
  const mrn = () => patient.identifier?.find((i) => i.type?.coding?.some((c) => c.code === 'MR'))?.value ?? '';
  const name = () => `${patient.name?.[0]?.given?.[0] ?? ''}`;
  const family = () => `${patient.name?.[0]?.family ?? ''}`;

  for (const language of ['es', 'en'] as const) {
    it(`shows the send page in ${language === 'es' ? 'Spanish' : 'English'}, axe-clean at 375 px, with the choice in words`, async () => {
      const page = await signedIn(language, '/share');
      await page.check('#what-range');
      await page.fill('#from', '2019-06-01');
      await Promise.all([page.waitForURL((url) => url.pathname === '/share/send'), page.click('button[formaction="/share/send"]')]);
      const t = language === 'es' ? es : en;
      expect(collapse(await page.locator('main h1').textContent())).to.equal(t['send.title']);
      expect(await page.locator('#direct-address').count()).to.equal(1);
      expect(await checkAccessibility(page, `send page ${language}`)).to.deep.equal([]);
      await screenshot(page, `send-page-${language}`);
    });
  }

  it('creates a share link whose files decrypt with jose, refuses a wrong passcode, and tells the patient who opened it', async () => {
    const page = await signedIn('en', '/share/send?what=all&lang=en');
    await page.fill('#link-label', 'Dr. Rivera');
    await page.fill('#link-passcode', 'blue-river-42');
    await Promise.all([page.waitForURL((url) => url.pathname === '/share/send/link'), page.click('form[action="/share/send/link"] button[type=submit]')]);
    expect(collapse(await page.locator('main h1').textContent())).to.equal(en['send.ready.title']);
    expect(await checkAccessibility(page, 'link ready')).to.deep.equal([]);
    await screenshot(page, 'send-link-ready');
    const link = (await page.locator('#share-link').inputValue()).trim();
    expect(link.startsWith(`${portal.url}/s#shlink:/`)).to.equal(true);
    const payload = JSON.parse(Buffer.from(link.split('#shlink:/')[1]!, 'base64url').toString('utf8')) as { url: string; key: string; flag: string; exp: number; label: string };
    expect(payload.flag).to.equal('P');
    expect(payload.label).to.equal('Dr. Rivera');
    expect(payload.url.length).to.be.at.most(128);
    expect(Buffer.from(payload.key, 'base64url')).to.have.length(32);
    // The manifest URL names nothing about the patient.
    for (const secret of [patient.id!, name(), family(), mrn()].filter(Boolean)) expect(payload.url).not.to.include(secret);

    const manifest = (body: object) => fetch(payload.url, { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify(body) });
    const wrong = await manifest({ recipient: 'Dr. Rivera', passcode: 'not-it' });
    expect(wrong.status).to.equal(401);
    const { remainingAttempts } = (await wrong.json()) as { remainingAttempts: number };
    expect(remainingAttempts).to.be.a('number').and.to.be.greaterThan(0);
    const right = await manifest({ recipient: 'Dr. Ana Rivera', passcode: 'blue-river-42', embeddedLengthMax: 100_000_000 });
    expect(right.status).to.equal(200);
    const { files } = (await right.json()) as { files: { contentType: string; embedded?: string; location?: string }[] };
    expect(files.map((f) => f.contentType)).to.deep.equal(['application/pdf', 'application/xml', 'application/fhir+json']);
    const key = Buffer.from(payload.key, 'base64url');
    const plain: Record<string, Buffer> = {};
    for (const file of files) {
      const jwe = file.embedded ?? (await (await fetch(file.location!)).text());
      plain[file.contentType] = Buffer.from((await compactDecrypt(jwe, key)).plaintext);
    }
    expect(plain['application/pdf']!.subarray(0, 5).toString()).to.equal('%PDF-');
    const validation = await validateCcda(plain['application/xml']!.toString('utf8'));
    expect(validation.xsdValid && validation.failedAsserts.length === 0, describeValidation(validation)).to.equal(true);
    const bundle = JSON.parse(plain['application/fhir+json']!.toString('utf8')) as Bundle;
    const patients = (bundle.entry ?? []).filter((e) => e.resource?.resourceType === 'Patient').map((e) => e.resource!.id);
    expect(patients).to.deep.equal([patient.id]);

    await page.goto(`${portal.url}/share`);
    const sent = collapse(await page.locator('#sent').locator('..').textContent());
    expect(sent).to.include('Link for Dr. Rivera').and.to.include('Opened by “Dr. Ana Rivera”');
    await page.goto(`${portal.url}/account/activity?kind=sent`);
    const log = collapse(await page.locator('main').textContent());
    expect(log).to.include('“Dr. Ana Rivera”, outside the practice').and.to.include('Created a secure link');

    // Turned off at once: the manifest then answers 404, even with the right passcode.
    await page.goto(`${portal.url}/share`);
    await Promise.all([page.waitForResponse((r) => r.url().includes('/share?sent=')), page.click('form[action^="/share/links/"] button')]);
    expect(collapse(await page.locator('main').textContent())).to.include(en['sent.done.revoked']);
    expect((await manifest({ recipient: 'Dr. Rivera', passcode: 'blue-river-42' })).status).to.equal(404);
  });

  it('opens a link of a real record in the viewer: the doctor sees the PDF and downloads a CCD that validates', async () => {
    const page = await signedIn('es', '/share/send?what=range&from=2019-06-01&lang=es');
    await page.fill('#link-label', 'Dra. Rivera');
    await page.fill('#link-passcode', 'sol-de-mayo');
    await Promise.all([page.waitForURL((url) => url.pathname === '/share/send/link'), page.click('form[action="/share/send/link"] button[type=submit]')]);
    const link = (await page.locator('#share-link').inputValue()).trim();
    const doctor = await browser.newContext({ locale: locales.es, viewport: { width: 375, height: 900 }, acceptDownloads: true });
    contexts.push(doctor);
    const viewer = await doctor.newPage();
    await viewer.goto(link);
    await viewer.fill('#recipient', 'Dra. Ana Rivera');
    await viewer.fill('#passcode', 'sol-de-mayo');
    await viewer.click('#shl-open');
    await viewer.locator('#shl-result').waitFor({ state: 'visible' });
    expect(await checkAccessibility(viewer, 'viewer with a real record')).to.deep.equal([]);
    const [ccdDownload] = await Promise.all([viewer.waitForEvent('download'), viewer.click('#shl-ccd')]);
    const validation = await validateCcda(readFileSync((await ccdDownload.path())!, 'utf8'));
    expect(validation.xsdValid && validation.failedAsserts.length === 0, describeValidation(validation)).to.equal(true);
  });

  it('emails only the link by default, with no health information in the message', async () => {
    const before = portal.smtp.messages.length;
    const page = await signedIn('es', '/share/send?what=all&lang=es');
    await page.fill('#email-address', 'doctora@example.org');
    await page.fill('#email-passcode', 'codigo-123');
    await Promise.all([page.waitForURL((url) => url.pathname === '/share'), page.click('form[action="/share/send/email"] button[type=submit]')]);
    expect(collapse(await page.locator('main').textContent())).to.include(es['sent.done.email']);
    const [mail] = (await portal.smtp.waitForMessages(before + 1)).slice(before);
    expect(mail!.envelopeTo).to.deep.equal(['doctora@example.org']);
    const raw = `${mail!.parsed.subject}\n${mail!.parsed.text}\n${mail!.parsed.html}\n${JSON.stringify(mail!.parsed.headers)}`;
    expect(raw).to.include('/s#shlink:/');
    expect(mail!.parsed.attachments).to.have.length(0);
    for (const phi of [name(), family(), patient.birthDate!, mrn(), patient.id!].filter(Boolean)) expect(raw, phi).not.to.include(phi);
    await new Promise((resolve) => setTimeout(resolve, 500)); // the worker marks the row sent right after the relay accepted it
    await page.goto(`${portal.url}/share`);
    expect(collapse(await page.locator('#sent').locator('..').textContent()))
      .to.include('Correo a doctora@example.org')
      .and.to.include('Enviado el');
  });

  it('attaches the files to an email only once the warning is acknowledged', async () => {
    const page = await signedIn('en', '/share/send?what=all&lang=en');
    await page.fill('#email-address', 'doctor@example.org');
    await page.check('#email-attach-files');
    await page.uncheck('#email-format-fhir');
    await page.click('form[action="/share/send/email"] button[type=submit]');
    await page.waitForSelector('#email-understood-error');
    expect(await checkAccessibility(page, 'send page refused')).to.deep.equal([]);
    const before = portal.smtp.messages.length;
    await page.check('#email-understood');
    await Promise.all([page.waitForURL((url) => url.pathname === '/share'), page.click('form[action="/share/send/email"] button[type=submit]')]);
    const [mail] = (await portal.smtp.waitForMessages(before + 1)).slice(before);
    expect(mail!.parsed.attachments.map((a) => a.contentType)).to.deep.equal(['application/pdf', 'application/xml']);
  });

  it('refuses bad input with a message and sends nothing', async () => {
    const sentBefore = (await transmissions()).length;
    const linksBefore = (await portal.ctx.db.query<{ n: number }>('SELECT count(*)::int AS n FROM share_links')).rows[0]!.n;
    const page = await signedIn('en', '/share/send?what=all&lang=en');
    const cases: [string, () => Promise<void>, string][] = [
      ['direct', async () => page.fill('#direct-address', 'not-an-address'), '#direct-address-error'],
      ['link', async () => page.fill('#link-passcode', '12345'), '#link-passcode-error'],
      [
        'link',
        async () => {
          await page.fill('#link-passcode', '123456');
          await page.fill('#link-expires', '2020-01-01');
        },
        '#link-expires-error',
      ],
      [
        'link',
        async () => {
          await page.fill('#link-passcode', '123456');
          for (const f of ['pdf', 'ccd', 'fhir']) await page.uncheck(`#link-format-${f}`);
        },
        '#link-formats-error',
      ],
    ];
    for (const [form, fill, error] of cases) {
      await page.goto(`${portal.url}/share/send?what=all&lang=en`);
      await fill();
      const [response] = await Promise.all([
        page.waitForResponse((r) => r.url().endsWith(`/share/send/${form}`)),
        page.click(`form[action="/share/send/${form}"] button[type=submit]`),
      ]);
      expect(response.status(), error).to.equal(422);
      expect(await page.locator(error).count(), error).to.equal(1);
    }
    expect((await transmissions()).length).to.equal(sentBefore);
    expect((await portal.ctx.db.query<{ n: number }>('SELECT count(*)::int AS n FROM share_links')).rows[0]!.n).to.equal(linksBefore);
  });

  it('refuses a Direct address with no certificate before anything is made or queued', async () => {
    const sentBefore = (await transmissions()).length;
    const page = await signedIn('es', '/share/send?what=all&lang=es');
    await page.fill('#direct-address', 'nadie@direct.unknown-hisp.example');
    const [response] = await Promise.all([
      page.waitForResponse((r) => r.url().endsWith('/share/send/direct')),
      page.click('form[action="/share/send/direct"] button[type=submit]'),
    ]);
    expect(response.status()).to.equal(422);
    expect(collapse(await page.locator('main').textContent())).to.include(es['send.direct.noCertificate']);
    expect((await transmissions()).length).to.equal(sentBefore);
  });

  it('sends a Direct message the doctor can decrypt and verify, carrying an XDM zip with a valid CCD; waits while the HISP is down and arrives exactly once', async () => {
    await hisp.stop();
    const page = await signedIn('en', '/share/send?what=all&lang=en');
    await page.fill('#direct-address', certs.doctorAddress);
    const [sendResponse] = await Promise.all([
      page.waitForResponse((r) => r.url().endsWith('/share/send/direct')),
      page.click('form[action="/share/send/direct"] button[type=submit]'),
    ]);
    await page.waitForLoadState('load');
    expect(sendResponse.status(), collapse(await page.locator('main').textContent())).to.equal(303);
    expect(collapse(await page.locator('main').textContent())).to.include(en['sent.done.direct']);
    // The relay is down: the message stays queued (and retried) — never lost, never failed yet.
    await new Promise((resolve) => setTimeout(resolve, 1500));
    const queued = await portal.ctx.db.query<{ status: string; attempts: number }>("SELECT status, attempts FROM outbox WHERE kind = 'direct'");
    expect(queued.rows).to.have.length(1);
    expect(queued.rows[0]!.status).to.be.oneOf(['pending', 'sending']);
    await page.goto(`${portal.url}/share`);
    expect(collapse(await page.locator('#sent').locator('..').textContent())).to.match(
      /Direct message to dra\.rivera@direct\.demo-hisp\.example.*(Waiting to be sent|Not sent yet)/,
    );

    await hisp.start();
    const [message] = await hisp.waitForMessages(1, 30_000);
    await new Promise((resolve) => setTimeout(resolve, 1500));
    expect(hisp.messages).to.have.length(1);
    expect(message!.envelopeTo).to.deep.equal([certs.doctorAddress]);
    expect(message!.parsed.subject).to.not.include(family());
    const p7m = message!.parsed.attachments.find((a) => /pkcs7-mime/.test(a.contentType));
    expect(p7m, 'an enveloped S/MIME part').to.not.equal(undefined);
    const dir = mkdtempSync(join(work, 'direct-'));
    writeFileSync(join(dir, 'smime.p7m'), p7m!.content);
    execFileSync('openssl', [
      'cms',
      '-decrypt',
      '-inform',
      'DER',
      '-in',
      join(dir, 'smime.p7m'),
      '-recip',
      certs.doctorCert,
      '-inkey',
      certs.doctorKey,
      '-out',
      join(dir, 'inner.eml'),
    ]);
    execFileSync('openssl', ['cms', '-verify', '-in', join(dir, 'inner.eml'), '-CAfile', certs.practiceAnchor, '-out', join(dir, 'content.eml')], { stdio: 'pipe' });
    // A changed byte in the signed content fails verification.
    const inner = readFileSync(join(dir, 'inner.eml'), 'latin1');
    // One base64 character of the zip attachment changed, inside the signed content.
    const zipData = inner.indexOf('\r\n\r\n', inner.indexOf('application/zip')) + 4;
    const tampered = `${inner.slice(0, zipData)}${inner[zipData] === 'A' ? 'B' : 'A'}${inner.slice(zipData + 1)}`;
    expect(tampered).to.not.equal(inner);
    writeFileSync(join(dir, 'tampered.eml'), tampered, 'latin1');
    expect(() =>
      execFileSync('openssl', ['cms', '-verify', '-in', join(dir, 'tampered.eml'), '-CAfile', certs.practiceAnchor, '-out', join(dir, 'x.eml')], { stdio: 'pipe' }),
    ).to.throw();

    const content = await simpleParser(readFileSync(join(dir, 'content.eml')));
    const zip = content.attachments.find((a) => a.contentType === 'application/zip');
    const entries = unzipSync(new Uint8Array(zip!.content));
    const names = Object.keys(entries);
    expect(names).to.include.members(['INDEX.HTM', 'README.TXT', 'IHE_XDM/SUBSET01/METADATA.XML']);
    expect(strFromU8(entries['IHE_XDM/SUBSET01/METADATA.XML']!)).to.include('authorInstitution');
    const ccd = names.find((n) => n.startsWith('IHE_XDM/SUBSET01/') && n.endsWith('.xml') && !n.endsWith('METADATA.XML'));
    const validation = await validateCcda(strFromU8(entries[ccd!]!));
    expect(validation.xsdValid && validation.failedAsserts.length === 0, describeValidation(validation)).to.equal(true);
    expect(names.some((n) => n.endsWith('.pdf'))).to.equal(true);

    await page.goto(`${portal.url}/share`);
    expect(collapse(await page.locator('#sent').locator('..').textContent())).to.match(/Direct message to dra\.rivera@direct\.demo-hisp\.example.*Sent on/);
    await page.locator('#sent').scrollIntoViewIfNeeded();
    await screenshot(page, 'share-sent-list');
  });

  it('lists every send in the activity log with its addressee', async () => {
    const page = await signedIn('en', '/account/activity?kind=sent');
    const log = collapse(await page.locator('main').textContent());
    expect(log).to.include(`by Direct secure message to ${certs.doctorAddress}`);
    expect(log).to.include('by email to doctora@example.org');
    expect(log).to.include('by email to doctor@example.org');
    expect(log).to.include('for “Dr. Rivera”');
    expect(await checkAccessibility(page, 'activity sent')).to.deep.equal([]);
  });

  it('lets a family member send for the patient and names them as the sender', async () => {
    const designee = await registerAccountFor(portal.ctx, patient, { designee: { name: 'Rosa Echevarria', relationship: 'MTH' } });
    const context = await browser.newContext({ locale: locales.en, viewport: { width: 375, height: 900 } });
    contexts.push(context);
    const page = await context.newPage();
    await page.goto(`${portal.url}/auth/login?next=${encodeURIComponent('/share/send?what=all&lang=en')}`);
    await page.fill('#email', designee.email);
    await page.fill('#password', designee.password);
    await page.fill('#birthDate', designee.birthDate);
    await Promise.all([page.waitForURL((url) => url.pathname === '/share/send'), page.click('main form button[type=submit]')]);
    await page.fill('#link-label', 'Dr. Lee');
    await page.fill('#link-passcode', 'family-123');
    await Promise.all([page.waitForURL((url) => url.pathname === '/share/send/link'), page.click('form[action="/share/send/link"] button[type=submit]')]);
    const audited = await portal.ctx.db.query<{ agent: string }>(
      `SELECT resource->'agent'->0->'who'->>'reference' AS agent FROM audit_events WHERE resource->'subtype' @> '[{"code":"share-link"}]' ORDER BY recorded_at DESC LIMIT 1`,
    );
    expect(audited.rows[0]!.agent).to.match(/^RelatedPerson\//);
    await page.goto(`${portal.url}/share`);
    expect(collapse(await page.locator('#sent').locator('..').textContent())).to.match(/Link for Dr\. Lee.*by Rosa Echevarria/);
    await page.goto(`${portal.url}/account/activity?kind=sent`);
    const row = collapse(await page.locator('main li', { hasText: 'for “Dr. Lee”' }).first().textContent());
    expect(row).to.include('Rosa Echevarria');
  });

  it('keeps passcodes and the patient out of every URL and log line', () => {
    const logs = portal.logLines.join('\n');
    for (const secret of ['blue-river-42', 'sol-de-mayo', 'codigo-123', 'family-123', name(), family(), mrn(), patient.birthDate!].filter(Boolean)) {
      expect(logs, secret).not.to.include(secret);
    }
  });
});
