/**
 * `npm run bench:facade`: the FHIR facade against direct HAPI, same requests, same concurrency, one run.
 * Starts HAPI (fresh data directory), loads the largest demo patient (Josue Sipes, 959 resources),
 * gives them a portal account, signs in through the real authorization server, then sends the same
 * mix of patient-compartment reads and searches straight to HAPI and through the facade.
 * Prints throughput for each, their ratio, and the latency the facade adds at p50 and p99.
 * Settings: BENCH_REQUESTS (per side, default 400), BENCH_CONCURRENCY (default 8), BENCH_HAPI_URL
 * (use a running HAPI instead of starting one), BENCH_FHIR_TIMEOUT_MS (portal's upstream timeout,
 * default 120000: loading the 959-resource record into a freshly started HAPI on a busy machine
 * can take longer than the portal's 10 s default).
 */
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Writable } from 'node:stream';
import type { Server } from 'node:http';
import { loadConfig } from '../src/config/config.ts';
import { readEnv } from '../src/config/env.ts';
import { createLogger } from '../src/core/log.ts';
import { createContext } from '../src/context.ts';
import { createApp } from '../src/app.ts';
import { recordAuthorization } from '../src/accounts/record-authorization.ts';
import { completeRegistration } from '../src/accounts/registration.ts';
import { createStaffAccount } from '../src/accounts/create-staff-account.ts';
import { HttpClient, formAction } from '../test/support/http-client.ts';
import { buildHapi, startHapi } from './lib/hapi-process.ts';
import { freePort } from './lib/net.ts';
import { fromRoot } from './lib/paths.ts';
import { patientOf, readBundle, toIdempotentTransaction } from './lib/synthea.ts';
import { demoPractitioners, practiceBundle } from './demo/practice-resources.ts';

const requestsPerSide = Number(process.env['BENCH_REQUESTS'] ?? 400);
const concurrency = Number(process.env['BENCH_CONCURRENCY'] ?? 8);
const say = (line: string) => process.stdout.write(`${line}\n`);

async function main(): Promise<void> {
  const work = mkdtempSync(join(tmpdir(), 'puente-bench-'));
  let stopHapi = async () => {};
  let hapiBase = process.env['BENCH_HAPI_URL'];
  if (!hapiBase) {
    buildHapi();
    say('Starting HAPI FHIR…');
    const hapi = await startHapi({ port: await freePort(), dataDir: join(work, 'hapi'), logFile: join(work, 'hapi.log') });
    hapiBase = hapi.baseUrl;
    stopHapi = hapi.stop;
  }
  const port = await freePort();
  const url = `http://127.0.0.1:${port}`;
  const config = loadConfig(readEnv({ PUENTE_ENV: 'development', PUBLIC_URL: url, FHIR_UPSTREAM_URL: hapiBase, PGLITE_DATA_DIR: join(work, 'pglite'), SMTP_URL: 'smtp://127.0.0.1:9', LOG_LEVEL: 'silent', FHIR_TIMEOUT_MS: process.env['BENCH_FHIR_TIMEOUT_MS'] ?? '120000' }));
  const ctx = await createContext(config, createLogger('silent', new Writable({ write: (_c, _e, done) => done() })));
  const server: Server = createApp(ctx).listen(port, '127.0.0.1');
  try {
    say('Loading the largest demo patient…');
    const bundle = readBundle(fromRoot('data/synthea/Josue_Sipes_7d27f180-98d6-456d-98c0-d91df32cd023.json'));
    const patient = patientOf(bundle);
    await ctx.fhir.transaction(toIdempotentTransaction(bundle));
    await ctx.fhir.transaction(practiceBundle([patient]));
    const staff = await createStaffAccount({ db: ctx.db, fhir: ctx.fhir }, { email: 'bench@clinic.example', password: 'bench staff passphrase', givenName: 'Bench', familyName: 'Staff', roles: ['staff'] });
    const email = 'josue.bench@example.org';
    const { accountId } = await recordAuthorization(
      ctx.accounts,
      { accountId: staff.accountId, practitioner: staff.practitioner, name: 'Bench Staff' },
      { patientId: patient.id!, signer: { kind: 'patient' }, patientEmail: email, physicianId: demoPractitioners[0]!.id!, identityConfirmed: true, locale: 'en' },
      '127.0.0.1',
    );
    const text = (await ctx.db.query<{ text: string }>("SELECT o.payload->>'text' AS text FROM invitations i JOIN outbox o ON o.id = i.outbox_id WHERE i.account_id = $1", [accountId])).rows[0]!.text;
    const token = /register\?t=([A-Za-z0-9_-]+)/.exec(text)![1]!;
    await completeRegistration(ctx.accounts, { token, birthDate: patient.birthDate!, password: 'bench patient long passphrase', clientAddress: '127.0.0.1' });
    const browser = new HttpClient(url, 'en');
    const form = await browser.get('/auth/login');
    await browser.submit(formAction(form.body, /^\/interaction\//), { email, password: 'bench patient long passphrase', birthDate: patient.birthDate! });
    const accessToken = (await ctx.db.query<{ t: string }>("SELECT data->'tokens'->>'accessToken' AS t FROM web_sessions WHERE account_id = $1", [accountId])).rows[0]!.t;

    const pid = patient.id!;
    const mix = [
      `Patient/${pid}`,
      `Observation?patient=${pid}&_count=50`,
      `Observation?patient=${pid}&category=laboratory&_count=20`,
      `Condition?patient=${pid}`,
      `Encounter?patient=${pid}&_count=20`,
      `MedicationRequest?patient=${pid}`,
      `Immunization?patient=${pid}`,
      `DiagnosticReport?patient=${pid}&_count=20`,
    ];
    const direct = (path: string) => fetch(`${hapiBase}/${path}`, { headers: { accept: 'application/fhir+json', 'cache-control': 'no-cache' } });
    const facade = (path: string) => fetch(`${url}/fhir/${path}`, { headers: { accept: 'application/fhir+json', authorization: `Bearer ${accessToken}` } });

    say(`Warming up, then ${requestsPerSide} requests per side at concurrency ${concurrency}…`);
    await run(direct, mix, 80);
    await run(facade, mix, 80);
    const d = await run(direct, mix, requestsPerSide);
    const f = await run(facade, mix, requestsPerSide);
    say(`
machine: ${(await import('node:os')).cpus().length} cores, Node ${process.version}
direct HAPI : ${d.rps.toFixed(1)} req/s   p50 ${d.p50.toFixed(1)} ms   p99 ${d.p99.toFixed(1)} ms
facade      : ${f.rps.toFixed(1)} req/s   p50 ${f.p50.toFixed(1)} ms   p99 ${f.p99.toFixed(1)} ms
throughput ratio (facade / direct): ${(f.rps / d.rps).toFixed(2)}
added latency: p50 +${(f.p50 - d.p50).toFixed(1)} ms, p99 +${(f.p99 - d.p99).toFixed(1)} ms`);
  } finally {
    server.close();
    await ctx.close();
    await stopHapi();
    rmSync(work, { recursive: true, force: true });
  }
}

async function run(send: (path: string) => Promise<Response>, mix: string[], total: number): Promise<{ rps: number; p50: number; p99: number }> {
  const latencies: number[] = [];
  let next = 0;
  const started = performance.now();
  await Promise.all(
    Array.from({ length: concurrency }, async () => {
      while (next < total) {
        const path = mix[next++ % mix.length]!;
        const t0 = performance.now();
        const response = await send(path);
        await response.arrayBuffer();
        if (!response.ok) throw new Error(`${path}: ${response.status}`);
        latencies.push(performance.now() - t0);
      }
    }),
  );
  const seconds = (performance.now() - started) / 1000;
  latencies.sort((x, y) => x - y);
  const at = (q: number) => latencies[Math.min(latencies.length - 1, Math.floor(q * latencies.length))]!;
  return { rps: total / seconds, p50: at(0.5), p99: at(0.99) };
}

await main();
