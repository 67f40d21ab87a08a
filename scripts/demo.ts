/**
 * `npm run demo`: the whole portal on one machine with demo data. Builds and starts the HAPI FHIR
 * server (H2 under var/hapi), a mail inbox (MailDev), the portal store (PGlite under var/pglite) and
 * the portal, loads the demo record, and prints where everything is. Ctrl-C stops it all.
 */
import { spawn, spawnSync } from 'node:child_process';
import { mkdirSync, writeFileSync } from 'node:fs';
import { openDb } from '../src/store/open-db.ts';
import { migrate } from '../src/store/migrate.ts';
import { createFhirClient } from '../src/store/fhir-client.ts';
import { ensureSystemDependencies } from './lib/system-deps.ts';
import { buildHapi, startHapi, stopProcess, type RunningHapi } from './lib/hapi-process.ts';
import { startMaildev } from './lib/maildev-process.ts';
import { ensureDirectDemoCertificates } from './lib/demo-certificates.ts';
import { waitFor } from './lib/net.ts';
import { fromRoot } from './lib/paths.ts';
import { loadDemoData, type DemoSummary } from './demo/load-demo-data.ts';

const port = Number(process.env['PORT'] ?? 3000);
const hapiPort = Number(process.env['DEMO_HAPI_PORT'] ?? 8091);
const smtpPort = Number(process.env['DEMO_SMTP_PORT'] ?? 1025);
const inboxPort = Number(process.env['DEMO_INBOX_PORT'] ?? 1080);
// The demo outside doctor's HISP: a second inbox that receives the portal's Direct messages.
const hispSmtpPort = Number(process.env['DEMO_HISP_SMTP_PORT'] ?? 1026);
const hispInboxPort = Number(process.env['DEMO_HISP_INBOX_PORT'] ?? 1081);
const publicUrl = `http://localhost:${port}`;
const say = (line: string) => process.stdout.write(`${line}\n`);
const stops: (() => Promise<void>)[] = [];

async function main(): Promise<void> {
  const started = Date.now();
  ensureSystemDependencies(['java', 'maven']);
  await buildHapi();

  say('\nCompiling the portal (TypeScript → dist/)…');
  if (spawnSync('tsc', ['-p', fromRoot('tsconfig.build.json')], { stdio: 'inherit' }).status !== 0) throw new Error('TypeScript build failed');

  say(`Starting the HAPI FHIR server on port ${hapiPort} (about a minute on 2 cores)…`);
  const existing = await fetch(`http://127.0.0.1:${hapiPort}/fhir/metadata?_summary=true`).then(
    (r) => r.ok,
    () => false,
  );
  let hapiBase = `http://127.0.0.1:${hapiPort}/fhir`;
  if (existing) {
    say('  a HAPI server is already answering there; using it');
  } else {
    const hapi: RunningHapi = await startHapi({ port: hapiPort, dataDir: fromRoot('var/hapi'), logFile: fromRoot('var/log/hapi.log') });
    stops.push(hapi.stop);
    hapiBase = hapi.baseUrl;
    say(`  ready in ${(hapi.startupMs / 1000).toFixed(0)} s (log: var/log/hapi.log)`);
  }

  say('Starting the mail inbox (MailDev)…');
  const maildev = await startMaildev({ smtpPort, webPort: inboxPort, logFile: fromRoot('var/log/maildev.log'), mailDir: fromRoot('var/mail') });
  stops.push(maildev.stop);
  say('Starting the demo doctor’s Direct inbox (a second MailDev standing for their HISP)…');
  const hisp = await startMaildev({ smtpPort: hispSmtpPort, webPort: hispInboxPort, logFile: fromRoot('var/log/maildev-hisp.log'), mailDir: fromRoot('var/mail-hisp') });
  stops.push(hisp.stop);
  // The practice's Direct certificate and the demo doctor's, made once under var/demo/direct (kept while valid).
  const direct = ensureDirectDemoCertificates(fromRoot('var/demo/direct'));

  say('Loading the demo record (idempotent: a second run updates, never duplicates)…');
  const db = await openDb({ kind: 'pglite', dataDir: fromRoot('var/pglite') });
  let summary: DemoSummary;
  try {
    await migrate(db);
    summary = await loadDemoData(
      {
        db,
        fhir: createFhirClient({ baseUrl: hapiBase, timeoutMs: 300_000 }),
        publicUrl: new URL(publicUrl),
        practice: { name: 'Clínica Puente (demo)', phone: '+1 555 0100', timeZone: 'America/Chicago' },
      },
      say,
    );
  } finally {
    await db.close(); // PGlite allows one process per data directory: the portal opens it next.
  }
  mkdirSync(fromRoot('var/demo'), { recursive: true });
  const accounts = {
    portal: publicUrl,
    mailInbox: maildev.webUrl,
    direct: {
      practiceAddress: direct.practiceAddress,
      doctorAddress: direct.doctorAddress,
      doctorInbox: hisp.webUrl,
      doctorCertificate: direct.doctorCert,
      doctorKey: direct.doctorKey,
      practiceTrustAnchor: direct.practiceAnchor,
    },
    fhirServer: hapiBase,
    staff: [{ ...summary.staff, signIn: `${publicUrl}/staff` }],
    portalUsers: summary.portalUsers.map((u) => ({ ...u, signIn: `${publicUrl}/auth/login` })),
    patients: summary.patients,
  };
  writeFileSync(fromRoot('var/demo/accounts.json'), `${JSON.stringify(accounts, null, 2)}\n`);

  say('Starting the portal…');
  const portal = spawn(process.execPath, [fromRoot('dist/main.js')], {
    stdio: ['ignore', 'inherit', 'inherit'],
    env: {
      ...process.env,
      PUENTE_ENV: 'development',
      HOST: '127.0.0.1',
      PORT: String(port),
      PUBLIC_URL: publicUrl,
      FHIR_UPSTREAM_URL: hapiBase,
      SMTP_URL: maildev.smtpUrl,
      DIRECT_SMTP_URL: hisp.smtpUrl,
      DIRECT_ADDRESS: direct.practiceAddress,
      DIRECT_CERT: direct.practiceCert,
      DIRECT_KEY: direct.practiceKey,
      DIRECT_CERTS_DIR: direct.certsDir,
      DIRECT_TRUST_ANCHORS: direct.trustAnchors,
      PGLITE_DATA_DIR: fromRoot('var/pglite'),
      PRACTICE_NAME: 'Clínica Puente (demo)',
      PRACTICE_PHONE: '+1 555 0100',
      PRACTICE_TIME_ZONE: 'America/Chicago',
      // The front desk is told (no health data) when a message arrives in either pool: the demo inbox shows the notice.
      MESSAGE_POOL_EMAILS: 'care-team:recepcion@clinica-puente.example,front-desk:recepcion@clinica-puente.example',
      PRACTICE_ADDRESS: '1200 Calle Principal, Suite 3, San Antonio, TX, 78207',
      LOG_LEVEL: process.env['LOG_LEVEL'] ?? 'warn',
    },
  });
  stops.unshift(() => stopProcess(portal, 10_000));
  let portalExit: string | undefined;
  portal.once('exit', (code) => {
    portalExit = `portal exited (${code})`;
  });
  await waitFor('portal', async () => (await fetch(`${publicUrl}/readyz`)).ok, { timeoutMs: 60_000, failed: () => portalExit });

  say(`
────────────────────────────────────────────────────────────────────────
 Puente demo is running (ready in ${Math.round((Date.now() - started) / 1000)} s)

   Portal           ${publicUrl}            (health: ${publicUrl}/readyz)
   Mail inbox       ${maildev.webUrl}          (every email the portal sends)
   HAPI FHIR        ${hapiBase}

 Outside doctor (Direct secure messaging, to try "Send or share" on /share)
   Direct address   ${direct.doctorAddress}
   their inbox      ${hisp.webUrl}          (messages arrive encrypted: smime.p7m)
   read one with    openssl cms -decrypt -in message.eml -recip ${direct.doctorCert} -inkey ${direct.doctorKey} -out inner.eml
                    openssl cms -verify -in inner.eml -CAfile ${direct.practiceAnchor} -out content.eml

 Staff (front desk, admin)
   email            ${summary.staff.email}
   password         ${summary.staff.password}
   TOTP secret      ${summary.staff.totpSecret}   (add to an authenticator app)
   sign in at       ${publicUrl}/staff

 Portal sign-ins (${publicUrl}/auth/login: email, password and the patient's date of birth)
${summary.portalUsers.map((u) => `   ${u.email.padEnd(28)} ${u.password.padEnd(34)} born ${u.birthDate}  (${u.role === 'patient' ? 'patient' : `designee for ${u.actsFor}`})`).join('\n')}

 Demo patients in the record
${summary.patients.map((p) => `   ${p.name.padEnd(22)} born ${p.birthDate}   MRN ${p.mrn ?? '-'}   ${p.resources} resources`).join('\n')}

 Accounts and addresses are also in var/demo/accounts.json.
 Ctrl-C stops everything; data stays in var/ (delete var/ to start over).
────────────────────────────────────────────────────────────────────────`);

  await new Promise<void>((resolve) => portal.once('exit', () => resolve()));
  await shutdown(portalExit ? 1 : 0);
}

let shuttingDown = false;
async function shutdown(code: number): Promise<void> {
  if (shuttingDown) return;
  shuttingDown = true;
  say('\nStopping the demo…');
  for (const stop of stops) await stop().catch(() => {});
  process.exit(code);
}

process.on('SIGINT', () => void shutdown(0));
process.on('SIGTERM', () => void shutdown(0));
main().catch(async (error: unknown) => {
  process.stderr.write(`\nThe demo could not start: ${(error as Error).message}\n`);
  await shutdown(1);
});
