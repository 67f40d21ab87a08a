/**
 * The set-up the measurement scripts share (bench:*, lighthouse:record): HAPI FHIR (started with a
 * fresh data directory, or BENCH_HAPI_URL), the portal in this process on PGlite, the largest demo
 * patient (Josue Sipes, 959 resources) with the practice's resources, and a portal account for them
 * made the real way and signed in through the real authorization server.
 */
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Writable } from 'node:stream';
import type { Server } from 'node:http';
import { loadConfig } from '../../src/config/config.ts';
import { readEnv } from '../../src/config/env.ts';
import { createLogger } from '../../src/core/log.ts';
import { createContext, type Context } from '../../src/context.ts';
import { createApp } from '../../src/app.ts';
import { recordAuthorization } from '../../src/accounts/record-authorization.ts';
import { completeRegistration } from '../../src/accounts/registration.ts';
import { inviteFamilyMember } from '../../src/proxies/invite-family-member.ts';
import { familyAcceptance } from '../../src/proxies/accept-family-invitation.ts';
import { createStaffAccount } from '../../src/accounts/create-staff-account.ts';
import { HttpClient, formAction } from '../../test/support/http-client.ts';
import { buildHapi, startHapi } from './hapi-process.ts';
import { freePort } from './net.ts';
import { fromRoot } from './paths.ts';
import { ownCpuSeconds } from './proc-cpu.ts';
import { patientOf, readBundle, toIdempotentTransaction } from './synthea.ts';
import { demoPractitioners, practiceBundle } from '../demo/practice-resources.ts';

export interface BenchPortal {
  /** The portal's own address (PUBLIC_URL). */
  readonly url: string;
  readonly hapiBase: string;
  readonly patientId: string;
  /** A signed-in browser stand-in (its cookie jar holds the patient's session). */
  readonly browser: HttpClient;
  /** The web app's access token for the facade. */
  readonly accessToken: string;
  /** The HAPI process this set-up started (absent with BENCH_HAPI_URL), for CPU accounting. */
  readonly hapiPid?: number | undefined;
  /** With `family`: the web app's access token of a family member the patient invited (everything the patient sees). */
  readonly familyAccessToken?: string | undefined;
  /** The portal's composition root (system FHIR client, store), for scripts that seed more data. */
  readonly ctx: Context;
  /** The bench staff member, to sign in to the staff console (email, password, TOTP secret). */
  readonly staff: { readonly email: string; readonly password: string; readonly totpSecret: string; readonly practitioner: string };
  stop(): Promise<void>;
}

export async function startBenchPortal(say: (line: string) => void, language: 'en' | 'es' = 'en', options: { family?: boolean } = {}): Promise<BenchPortal> {
  const work = mkdtempSync(join(tmpdir(), 'puente-bench-'));
  let stopHapi = async () => {};
  let hapiBase = process.env['BENCH_HAPI_URL'];
  let hapiPid: number | undefined;
  if (!hapiBase) {
    await buildHapi();
    say('Starting HAPI FHIR…');
    const hapi = await startHapi({ port: await freePort(), dataDir: join(work, 'hapi'), logFile: join(work, 'hapi.log') });
    hapiBase = hapi.baseUrl;
    hapiPid = hapi.process.pid;
    stopHapi = hapi.stop;
  }
  const port = await freePort();
  const url = `http://127.0.0.1:${port}`;
  // A 959-resource record loads into a freshly started HAPI slower than the portal's 10 s default timeout.
  const config = loadConfig(
    readEnv({
      PUENTE_ENV: 'development',
      PUBLIC_URL: url,
      FHIR_UPSTREAM_URL: hapiBase,
      PGLITE_DATA_DIR: join(work, 'pglite'),
      SMTP_URL: 'smtp://127.0.0.1:9',
      LOG_LEVEL: 'silent',
      FHIR_TIMEOUT_MS: process.env['BENCH_FHIR_TIMEOUT_MS'] ?? '120000',
    }),
  );
  const ctx = await createContext(config, createLogger('silent', new Writable({ write: (_c, _e, done) => done() })));
  const server: Server = createApp(ctx).listen(port, '127.0.0.1');
  const stop = async () => {
    server.closeAllConnections();
    server.close();
    await ctx.close();
    await stopHapi();
    rmSync(work, { recursive: true, force: true });
  };
  try {
    say('Loading the largest demo patient…');
    const bundle = readBundle(fromRoot('data/synthea/Josue_Sipes_7d27f180-98d6-456d-98c0-d91df32cd023.json'));
    const patient = patientOf(bundle);
    await ctx.fhir.transaction(toIdempotentTransaction(bundle));
    await ctx.fhir.transaction(practiceBundle([patient]));
    const staff = await createStaffAccount(
      { db: ctx.db, fhir: ctx.fhir },
      { email: 'bench@clinic.example', password: 'bench staff passphrase', givenName: 'Bench', familyName: 'Staff', roles: ['staff'] },
    );
    const email = 'josue.bench@example.org';
    const password = 'bench patient long passphrase';
    const { accountId } = await recordAuthorization(
      ctx.accounts,
      { accountId: staff.accountId, practitioner: staff.practitioner, name: 'Bench Staff' },
      { patientId: patient.id!, signer: { kind: 'patient' }, patientEmail: email, physicianId: demoPractitioners[0]!.id!, identityConfirmed: true, locale: language },
      '127.0.0.1',
    );
    const text = (
      await ctx.db.query<{ text: string }>("SELECT o.payload->>'text' AS text FROM invitations i JOIN outbox o ON o.id = i.outbox_id WHERE i.account_id = $1", [accountId])
    ).rows[0]!.text;
    const token = /register\?t=([A-Za-z0-9_-]+)/.exec(text)![1]!;
    await completeRegistration(ctx.accounts, { token, birthDate: patient.birthDate!, password, clientAddress: '127.0.0.1' });
    const browser = new HttpClient(url, language);
    const form = await browser.get('/auth/login');
    await browser.submit(formAction(form.body, /^\/interaction\//), { email, password, birthDate: patient.birthDate! });
    const accessToken = (await ctx.db.query<{ t: string }>("SELECT data->'tokens'->>'accessToken' AS t FROM web_sessions WHERE account_id = $1", [accountId])).rows[0]!.t;
    const familyAccessToken = options.family
      ? await inviteFamilyMemberFor(ctx, url, { accountId, patientId: patient.id!, password, birthDate: patient.birthDate!, language })
      : undefined;
    return {
      url,
      hapiBase,
      patientId: patient.id!,
      browser,
      accessToken,
      hapiPid,
      familyAccessToken,
      ctx,
      staff: { email: 'bench@clinic.example', password: 'bench staff passphrase', totpSecret: staff.totpSecret, practitioner: staff.practitioner },
      stop,
    };
  } catch (error) {
    await stop();
    throw error;
  }
}

/**
 * A family member with access to everything the patient sees (issue 13), through the real invitation and
 * acceptance (RelatedPerson + Consent in HAPI, the proxy link in the store), signed in like any user: their
 * web app's access token.
 */
async function inviteFamilyMemberFor(
  ctx: Awaited<ReturnType<typeof createContext>>,
  url: string,
  patient: { accountId: string; patientId: string; password: string; birthDate: string; language: 'en' | 'es' },
): Promise<string> {
  const email = 'family.bench@example.org';
  const password = 'bench family long passphrase';
  const invited = await inviteFamilyMember(ctx.accounts, {
    accountId: patient.accountId,
    patientId: patient.patientId,
    password: patient.password,
    name: 'Bench Family',
    relationship: 'DAU',
    email,
    access: 'everything',
    parts: [],
    endDate: '',
    signature: 'Bench Patient',
    locale: patient.language,
    clientAddress: '127.0.0.1',
  });
  const text = (
    await ctx.db.query<{ text: string }>("SELECT o.payload->>'text' AS text FROM invitations i JOIN outbox o ON o.id = i.outbox_id WHERE i.account_id = $1", [invited.accountId])
  ).rows[0]!.text;
  const token = /register\?t=([A-Za-z0-9_-]+)/.exec(text)![1]!;
  await completeRegistration(
    ctx.accounts,
    { token, birthDate: patient.birthDate, password, clientAddress: '127.0.0.1' },
    { onAccept: familyAcceptance(ctx.accounts, '127.0.0.1') },
  );
  const browser = new HttpClient(url, patient.language);
  const form = await browser.get('/auth/login');
  await browser.submit(formAction(form.body, /^\/interaction\//), { email, password, birthDate: patient.birthDate });
  return (await ctx.db.query<{ t: string }>("SELECT data->'tokens'->>'accessToken' AS t FROM web_sessions WHERE account_id = $1", [invited.accountId])).rows[0]!.t;
}

/** The q-quantile of already sorted numbers (nearest rank). */
export const quantile = (sorted: readonly number[], q: number): number => sorted[Math.min(sorted.length - 1, Math.max(0, Math.ceil(q * sorted.length) - 1))]!;

/**
 * CPU time (ms) a process has used so far, from /proc (Linux); undefined elsewhere. Clock ticks are
 * 1/100 s on Linux, fine over a run of hundreds of requests.
 */
export function processCpuMs(pid: number): number | undefined {
  const seconds = ownCpuSeconds(pid);
  return seconds === undefined ? undefined : seconds * 1000;
}
