/**
 * `npm run bench:memory` (issue 15, memory): one portal replica as a real process, its memory when idle
 * after start and after a few hundred requests, against the goal of 150 MB RSS for an idle replica.
 *
 * It builds dist/ and runs `node dist/main.js`, as the container image does (BENCH_SOURCE=1 runs
 * `node src/main.ts` instead, whose type stripping costs about 20 MB more). The store is PGlite in a
 * fresh temporary directory, or the PostgreSQL database of DATABASE_URL. HAPI: BENCH_HAPI_URL, or one
 * started here with a fresh data directory. The requests are what an anonymous visitor and a client
 * can do without an account: the sign-in journey (authorization request, sign-in page, a refused
 * sign-in with its scrypt hash), the SMART and OpenID discovery documents, the facade's
 * CapabilityStatement, the forgotten-password page, the stylesheet and the probes.
 *
 * Figures: RSS (anonymous and file-backed) and its peak from /proc/<pid>/status; V8's heap and the
 * memory outside it (`external`: PGlite's WASM memory among it) from the replica's own /metrics
 * (prom-client's defaults), so nothing is added to the process measured. A measurement, not a test:
 * it prints the figures and whether the goal is met, and fails only when the replica does.
 * Settings: BENCH_REQUESTS (rounds of the request mix, default 50, seven requests each),
 * BENCH_SETTLE_SECONDS (the wait before each reading, default 15), DATABASE_URL, BENCH_HAPI_URL, BENCH_SOURCE,
 * BENCH_NODE_OPTIONS (extra Node flags for the replica, to compare settings).
 */
import { execFileSync } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { buildHapi, startHapi } from './lib/hapi-process.ts';
import { freePort, waitFor } from './lib/net.ts';
import { fromRoot } from './lib/paths.ts';
import { startPortal } from './lib/portal-process.ts';
import { HttpClient, formAction } from '../test/support/http-client.ts';

const goalMb = 150;
const rounds = Number(process.env['BENCH_REQUESTS'] ?? 50);
const settleMs = Number(process.env['BENCH_SETTLE_SECONDS'] ?? 15) * 1000;
const databaseUrl = process.env['DATABASE_URL'];
const fromSource = process.env['BENCH_SOURCE'] === '1';
// Extra Node flags for the replica (NODE_OPTIONS), to compare settings.
const nodeOptions = process.env['BENCH_NODE_OPTIONS'];
const say = (line: string) => process.stdout.write(`${line}\n`);
const mb = (bytes: number) => `${(bytes / 1024 / 1024).toFixed(0)} MB`;

interface Reading {
  readonly rss: number;
  readonly rssAnon: number;
  readonly rssFile: number;
  readonly peak: number;
  readonly heapUsed: number;
  readonly heapTotal: number;
  readonly external: number;
}

/** /proc/<pid>/status counts in kB. */
function procStatus(pid: number): Pick<Reading, 'rss' | 'rssAnon' | 'rssFile' | 'peak'> {
  const status = readFileSync(`/proc/${pid}/status`, 'utf8');
  const kb = (field: string) => Number(new RegExp(`^${field}:\\s+(\\d+) kB`, 'm').exec(status)?.[1] ?? Number.NaN) * 1024;
  return { rss: kb('VmRSS'), rssAnon: kb('RssAnon'), rssFile: kb('RssFile'), peak: kb('VmHWM') };
}

/** One unlabelled sample of prom-client's text format. */
function sample(metrics: string, name: string): number {
  return Number(new RegExp(`^${name} (\\S+)`, 'm').exec(metrics)?.[1] ?? Number.NaN);
}

async function read(pid: number, metricsUrl: string): Promise<Reading> {
  const metrics = await (await fetch(metricsUrl)).text();
  return {
    ...procStatus(pid),
    heapUsed: sample(metrics, 'nodejs_heap_size_used_bytes'),
    heapTotal: sample(metrics, 'nodejs_heap_size_total_bytes'),
    external: sample(metrics, 'nodejs_external_memory_bytes'),
  };
}

const describe = (r: Reading) =>
  `RSS ${mb(r.rss)} (anonymous ${mb(r.rssAnon)}, files ${mb(r.rssFile)}; peak ${mb(r.peak)}), heap used ${mb(r.heapUsed)} of ${mb(r.heapTotal)}, external ${mb(r.external)}`;

/** The request mix of one round: seven requests, one of them a refused sign-in. */
async function round(base: string, index: number): Promise<void> {
  const visitor = new HttpClient(base, index % 2 === 0 ? 'es' : 'en');
  const signIn = await visitor.get('/auth/login');
  const refused = await visitor.submit(formAction(signIn.body, /^\/interaction\//), {
    email: `nobody-${index}@example.org`,
    password: 'not the password',
    birthDate: '1970-01-01',
  });
  if (refused.status >= 500) throw new Error(`refused sign-in answered ${refused.status}`);
  for (const path of ['/fhir/.well-known/smart-configuration', '/oidc/.well-known/openid-configuration', '/fhir/metadata', '/password/forgot', '/assets/portal.css']) {
    const response = await fetch(new URL(path, base), { headers: { 'accept-language': 'es' } });
    await response.arrayBuffer();
    if (!response.ok) throw new Error(`${path} answered ${response.status}`);
  }
}

async function main(): Promise<void> {
  const work = mkdtempSync(join(tmpdir(), 'puente-bench-memory-'));
  let stopHapi = async () => {};
  let hapiBase = process.env['BENCH_HAPI_URL'];
  try {
    if (!fromSource) {
      say('Building dist/ (tsc -p tsconfig.build.json)…');
      execFileSync(fromRoot('node_modules/.bin/tsc'), ['-p', 'tsconfig.build.json'], { cwd: fromRoot(), stdio: 'inherit' });
    }
    if (!hapiBase) {
      await buildHapi();
      say('Starting HAPI FHIR…');
      const hapi = await startHapi({ port: await freePort(), dataDir: join(work, 'hapi'), logFile: join(work, 'hapi.log') });
      hapiBase = hapi.baseUrl;
      stopHapi = hapi.stop;
    }
    const [port, metricsPort] = [await freePort(), await freePort()];
    const store: Record<string, string> = databaseUrl ? { DATABASE_URL: databaseUrl } : { PGLITE_DATA_DIR: join(work, 'pglite') };
    say(`Starting one replica (${fromSource ? 'node src/main.ts' : 'node dist/main.js'}, store ${databaseUrl ? 'PostgreSQL' : 'PGlite'}, HAPI ${hapiBase})…`);
    const portal = await startPortal({
      name: 'bench-memory',
      port,
      compiled: !fromSource,
      logFile: join(work, 'portal.log'),
      env: {
        PUENTE_ENV: 'development',
        PUBLIC_URL: `http://127.0.0.1:${port}`,
        FHIR_UPSTREAM_URL: hapiBase,
        METRICS_PORT: String(metricsPort),
        LOG_LEVEL: 'warn',
        ...store,
        ...(nodeOptions ? { NODE_OPTIONS: nodeOptions } : {}),
      },
    });
    try {
      const pid = portal.process.pid!;
      const metricsUrl = `http://127.0.0.1:${metricsPort}/metrics`;
      await waitFor('/readyz', async () => (await fetch(`${portal.baseUrl}/readyz`)).ok, { timeoutMs: 60_000 });
      await new Promise((r) => setTimeout(r, settleMs));
      const idle = await read(pid, metricsUrl);
      say(`idle after start:          ${describe(idle)}`);
      for (let i = 0; i < rounds; i++) await round(portal.baseUrl, i);
      const busy = await read(pid, metricsUrl);
      say(`after ${rounds * 7} requests:        ${describe(busy)}`);
      await new Promise((r) => setTimeout(r, settleMs));
      const after = await read(pid, metricsUrl);
      say(`idle again ${settleMs / 1000} s later:    ${describe(after)}`);
      const met = idle.rss <= goalMb * 1024 * 1024;
      say(`Goal: an idle replica ≤ ${goalMb} MB RSS: ${met ? 'met' : 'NOT met'} (${mb(idle.rss)} after start, ${mb(after.rss)} after the requests).`);
    } finally {
      await portal.stop(10_000);
    }
  } finally {
    await stopHapi();
    rmSync(work, { recursive: true, force: true });
  }
}

main().catch((error: unknown) => {
  process.stderr.write(`bench:memory failed: ${(error as Error)?.stack ?? String(error)}\n`);
  process.exit(1);
});
