/**
 * `npm run load` (issue 15, point 4): the cluster (scripts/lib/cluster.ts: PostgreSQL, HAPI on
 * PostgreSQL, 3 replicas, HAProxy) under autocannon, scenario by scenario, at rising concurrency,
 * against 3 replicas and then 1 (two replicas shut down gracefully, the balancer drains them):
 *
 *   facade-direct   the patient-compartment read mix straight to HAPI, as an app asks it (the issue's yardstick)
 *   direct-offset   the same, asked the way the facade asks HAPI (offset mode; 3 replicas only): the strictest yardstick
 *   facade          the same mix through HAProxy and the FHIR facade with a patient's SMART token
 *   record-pages    the record pages of a signed-in patient (session cookie), server-rendered
 *   sign-in         complete sign-ins (login form → OIDC interaction → callback), a few at a time
 *
 * First a warm-up of every kind of request, not counted, until HAPI's JIT has settled (LOAD_WARMUP_SECONDS, default
 * 120, at least; LOAD_WARMUP_MAX_SECONDS, default 900, at most); each run starts once the outbox has written the previous runs' AuditEvents to HAPI. Prints requests per second, p50/p95/p99 and errors per scenario, the scaling factor 1 → 3 replicas,
 * the facade/direct ratio, and CPU seconds per process group (portals, HAPI, each PostgreSQL server) so the
 * bottleneck shows; RSS of each replica at start and end. Short smoke runs: LOAD_SECONDS (default 10)
 * per run, LOAD_CONCURRENCY (default "5,20"); a soak: LOAD_SOAK_MINUTES (default 0: none; one-minute slices of
 * facade reads and record pages, each minute's rates, errors and replica RSS printed).
 */
import type autocannon from 'autocannon';
import { loadRun } from './lib/load-generator.ts';
import { readFileSync } from 'node:fs';
import { cpus, loadavg, totalmem } from 'node:os';
import pg from 'pg';
import { HttpClient, formAction } from '../test/support/http-client.ts';
import { startCluster, type Cluster } from './lib/cluster.ts';
import { processCpuSeconds, processTreeCpuSeconds, threadCpu, threadsOf } from './lib/proc-cpu.ts';
import { readMix } from './lib/read-mix.ts';
import { searchByOffset } from '../src/fhir/offset-paging.ts';

const seconds = Number(process.env['LOAD_SECONDS'] ?? 10);
const levels = (process.env['LOAD_CONCURRENCY'] ?? '5,20').split(',').map(Number);
const soakMinutes = Number(process.env['LOAD_SOAK_MINUTES'] ?? 0);
const warmUpSeconds = Number(process.env['LOAD_WARMUP_SECONDS'] ?? 120);
const warmUpMaxSeconds = Math.max(warmUpSeconds, Number(process.env['LOAD_WARMUP_MAX_SECONDS'] ?? 900));
const say = (line: string) => process.stdout.write(`${line}\n`);

interface Row {
  scenario: string;
  replicas: number;
  concurrency: number;
  rps: number;
  p50: number;
  p95: number;
  p99: number;
  errors: number;
  requests: number;
  cpu: Record<string, number>;
}

const rows: Row[] = [];

function rssMb(pid: number | undefined): number {
  if (!pid) return 0;
  try {
    const match = /VmRSS:\s+(\d+) kB/.exec(readFileSync(`/proc/${pid}/status`, 'utf8'));
    return match ? Number(match[1]) / 1024 : 0;
  } catch {
    return 0;
  }
}

function cpuSnapshot(cluster: Cluster): Record<string, number> {
  return {
    portals: cluster.replicas.reduce((sum, r) => sum + processCpuSeconds(r.process.pid), 0),
    hapi: processCpuSeconds(cluster.hapi.process.pid),
    store: processTreeCpuSeconds(cluster.store.postmasterPid()),
    hapiDb: processTreeCpuSeconds(cluster.hapiDb.postmasterPid()),
    haproxy: processCpuSeconds(cluster.haproxy.process.pid),
    loadgen: process.cpuUsage().user / 1e6 + process.cpuUsage().system / 1e6,
  };
}

async function run(cluster: Cluster, scenario: string, replicas: number, concurrency: number, set: RequestSet): Promise<Row> {
  await outboxDrained(cluster);
  const before = cpuSnapshot(cluster);
  const result = await loadRun({ ...set, connections: concurrency, duration: seconds });
  const after = cpuSnapshot(cluster);
  const cpu = Object.fromEntries(Object.keys(after).map((k) => [k, after[k]! - before[k]!]));
  const row: Row = {
    scenario,
    replicas,
    concurrency,
    rps: result.requests.average,
    p50: result.latency.p50,
    p95: result.latency.p97_5 !== undefined ? percentile95(result) : result.latency.p99,
    p99: result.latency.p99,
    errors: result.errors + result.timeouts + result.non2xx,
    requests: result.requests.total,
    cpu,
  };
  rows.push(row);
  say(
    `  ${scenario.padEnd(14)} ${replicas} replica(s)  c=${String(concurrency).padStart(3)}  ${row.rps.toFixed(1).padStart(7)} req/s  p50 ${row.p50} ms  p95 ${row.p95} ms  p99 ${row.p99} ms  errors ${row.errors}/${row.requests}  CPU s: portals ${cpu['portals']!.toFixed(1)}, HAPI ${cpu['hapi']!.toFixed(1)}, PostgreSQL: store ${cpu['store']!.toFixed(1)}, HAPI's ${cpu['hapiDb']!.toFixed(1)}`,
  );
  return row;
}

/**
 * Waits (up to a minute) until the outbox holds nothing to send: every facade read and record page leaves an
 * AuditEvent for HAPI, and a run that started with the previous run's events still being written would
 * charge that work to itself (direct HAPI looked slower than it is, the facade better: a ratio of 1.35 once).
 */
async function outboxDrained(cluster: Cluster): Promise<void> {
  const store = new pg.Client({ connectionString: cluster.storeUrl });
  await store.connect();
  try {
    const until = Date.now() + 60_000;
    while (Date.now() < until) {
      const { rows } = await store.query<{ n: string }>("SELECT count(*) AS n FROM outbox WHERE status IN ('pending', 'sending')");
      if (Number(rows[0]?.n ?? 0) === 0) return;
      await new Promise((resolve) => setTimeout(resolve, 250));
    }
    say('  (the outbox still had events to send after 60 s; measuring anyway)');
  } finally {
    await store.end();
  }
}

/** autocannon reports p90 and p97.5; p95 is interpolated between them (said so in the output). */
function percentile95(result: autocannon.Result): number {
  const latency = result.latency as unknown as Record<string, number>;
  return Math.round((latency['p90']! + latency['p97_5']!) / 2);
}

async function signIn(cluster: Cluster, user: { email: string; password: string; birthDate: string }): Promise<{ browser: HttpClient; ms: number }> {
  const started = performance.now();
  const browser = new HttpClient(cluster.url, 'en');
  const form = await browser.get('/auth/login');
  const page = await browser.submit(formAction(form.body, /^\/interaction\//), { email: user.email, password: user.password, birthDate: user.birthDate });
  if (page.status !== 200 || !/\/$|\/home|\/\?/.test(page.url)) throw new Error(`sign-in ended at ${page.url} (${page.status})`);
  return { browser, ms: performance.now() - started };
}

const recordPages = ['/', '/record/problems', '/record/medications', '/record/allergies', '/record/immunizations', '/record/visits', '/record/results', '/record/vitals'];

interface RequestSet {
  readonly url: string;
  readonly headers: Record<string, string>;
  readonly requests: { method: 'GET'; path: string }[];
}

/**
 * The four kinds of request the runs, the warm-up and the soak send: the patient-compartment read mix straight to
 * HAPI (as an app asks it, and as the facade asks it: offset mode, src/fhir/offset-paging.ts), the same mix through
 * HAProxy and the facade with the patient's token, and the record pages with the patient's session.
 */
function requestSets(cluster: Cluster, token: string, cookie: string, patientId: string): Record<'direct' | 'directOffset' | 'facade' | 'pages', RequestSet> {
  const mix = readMix(patientId);
  const hapiUrl = new URL(cluster.hapi.baseUrl);
  const get = (paths: readonly string[]) => paths.map((path) => ({ method: 'GET' as const, path }));
  const hapiHeaders = { accept: 'application/fhir+json', 'cache-control': 'no-cache' };
  return {
    direct: { url: hapiUrl.origin, headers: hapiHeaders, requests: get(mix.map((p) => `${hapiUrl.pathname}/${p}`)) },
    directOffset: { url: hapiUrl.origin, headers: hapiHeaders, requests: get(mix.map((p) => `${hapiUrl.pathname}/${asTheFacadeAsks(p)}`)) },
    facade: { url: cluster.url, headers: { accept: 'application/fhir+json', authorization: `Bearer ${token}` }, requests: get(mix.map((p) => `/fhir/${p}`)) },
    pages: { url: cluster.url, headers: { cookie, accept: 'text/html' }, requests: get(recordPages) },
  };
}

/** A read-mix path as the facade sends it to HAPI: type searches in offset mode (src/fhir/offset-paging.ts). */
function asTheFacadeAsks(path: string): string {
  const [type, query] = path.split('?');
  return query === undefined ? path : `${type}?${searchByOffset(new URLSearchParams(query))}`;
}

/** CPU seconds HAPI's JIT compiler threads (C1, C2) have used, from /proc: how much compiling the JVM still does. */
function compilerSeconds(pid: number | undefined): number {
  if (!pid) return 0;
  let total = 0;
  for (const tid of threadsOf(pid)) {
    const thread = threadCpu(pid, tid);
    if (thread?.name.includes('CompilerThre')) total += thread.seconds;
  }
  return total;
}

/** A warm-up round ends the warm-up once HAPI's compilers used less than this share of one core during it. */
const settledCompilerShare = 0.1;
const warmUpRoundSeconds = 30;

/**
 * Every kind of request before anything is measured, not counted, until HAPI's JIT has settled. The JVM compiles
 * HAPI's hot paths with the optimising compiler (C2) over the first minutes of load, and on 2 cores that work is
 * charged to whatever runs meanwhile: for about eight minutes after a start the compiler thread took a third of
 * HAPI's CPU, and HAPI's CPU per record page fell from 41 to 12 ms as it finished. A server that has been up for a
 * day is warm; the figures should be too, for the facade and for direct HAPI alike. So the warm-up runs at least
 * LOAD_WARMUP_SECONDS (default 120), then in 30-second rounds until the compilers use less than a tenth of a core,
 * at most LOAD_WARMUP_MAX_SECONDS (default 900), and says how it ended.
 */
async function warmUp(cluster: Cluster, freshSets: FreshSets): Promise<void> {
  if (warmUpSeconds <= 0) return;
  const hapiPid = cluster.hapi.process.pid;
  const started = Date.now();
  const elapsed = () => (Date.now() - started) / 1000;
  let total = 0;
  let failed = 0;
  let share = 1;
  while (elapsed() < warmUpMaxSeconds) {
    // The first round lasts the minimum warm-up; later rounds are short, so the warm-up ends soon after the JIT settles.
    const round = Math.min(elapsed() < warmUpSeconds ? warmUpSeconds - elapsed() : warmUpRoundSeconds, warmUpMaxSeconds - elapsed());
    const sets = await freshSets();
    const compiledBefore = compilerSeconds(hapiPid);
    const roundStarted = Date.now();
    const results = await Promise.all([sets.direct, sets.facade, sets.pages].map((set) => loadRun({ ...set, connections: 2, duration: Math.max(1, Math.round(round)) })));
    share = (compilerSeconds(hapiPid) - compiledBefore) / ((Date.now() - roundStarted) / 1000);
    total += results.reduce((sum, r) => sum + r.requests.total, 0);
    failed += results.reduce((sum, r) => sum + r.errors + r.timeouts + r.non2xx, 0);
    say(`  warm-up ${Math.round(elapsed())} s: HAPI's JIT compilers used ${(share * 100).toFixed(0)}% of a core in the last ${Math.round(round)} s`);
    if (elapsed() >= warmUpSeconds && share < settledCompilerShare) break;
  }
  const settled = share < settledCompilerShare ? 'settled' : `still compiling after LOAD_WARMUP_MAX_SECONDS (${warmUpMaxSeconds} s): the figures include some JIT work`;
  say(`  warm-up: ${total} requests (direct HAPI, facade, record pages) in ${Math.round(elapsed())} s, not counted; ${failed} failed; HAPI's JIT ${settled}`);
}

async function scenarios(cluster: Cluster, replicas: number, sets: ReturnType<typeof requestSets>): Promise<void> {
  for (const concurrency of levels) {
    await run(cluster, 'facade-direct', replicas, concurrency, sets.direct);
    // The strictest yardstick: HAPI asked exactly as the facade asks it, so the ratio against it is the facade's own
    // cost, not HAPI's stored-search bookkeeping it avoids.
    if (replicas === 3) await run(cluster, 'direct-offset', replicas, concurrency, sets.directOffset);
    await run(cluster, 'facade', replicas, concurrency, sets.facade);
    await run(cluster, 'record-pages', replicas, concurrency, sets.pages);
  }
  // Sign-ins: whole journeys, 4 at a time, for the scenario's duration.
  const user = cluster.demo.portalUsers[0]!;
  const latencies: number[] = [];
  let errors = 0;
  const until = Date.now() + seconds * 1000;
  const before = cpuSnapshot(cluster);
  await Promise.all(
    Array.from({ length: 4 }, async () => {
      while (Date.now() < until) {
        try {
          latencies.push((await signIn(cluster, user)).ms);
        } catch {
          errors++;
        }
      }
    }),
  );
  const after = cpuSnapshot(cluster);
  latencies.sort((a, b) => a - b);
  const q = (p: number) => Math.round(latencies[Math.min(latencies.length - 1, Math.ceil(p * latencies.length) - 1)] ?? 0);
  const row: Row = {
    scenario: 'sign-in',
    replicas,
    concurrency: 4,
    rps: latencies.length / seconds,
    p50: q(0.5),
    p95: q(0.95),
    p99: q(0.99),
    errors,
    requests: latencies.length + errors,
    cpu: Object.fromEntries(Object.keys(after).map((k) => [k, after[k]! - before[k]!])),
  };
  rows.push(row);
  say(
    `  sign-in        ${replicas} replica(s)  c=  4  ${row.rps.toFixed(1).padStart(7)} sign-ins/s  p50 ${row.p50} ms  p95 ${row.p95} ms  p99 ${row.p99} ms  errors ${errors}/${row.requests}`,
  );
}

/** Each phase's requests, with the demo patient's session and access token as they stand (see patientSession). */
type FreshSets = () => Promise<ReturnType<typeof requestSets>>;

/**
 * The demo patient's session, signed in again once it is five minutes old. Access tokens live 15 minutes; a
 * warm-up on a slow day lasts up to LOAD_WARMUP_MAX_SECONDS (15 minutes by default), and when every phase reused
 * the first sign-in, the runs after a long warm-up were all refused (401) and counted as errors.
 */
function patientSession(cluster: Cluster): () => Promise<{ token: string; cookie: string }> {
  let current: { token: string; cookie: string } | undefined;
  let signedInAt = 0;
  return async () => {
    if (!current || Date.now() - signedInAt > 5 * 60_000) {
      current = await signedInPatient(cluster);
      signedInAt = Date.now();
    }
    return current;
  };
}

/** The demo patient signed in: the session cookie, and the SMART access token the web session holds (15 minutes' life). */
async function signedInPatient(cluster: Cluster): Promise<{ token: string; cookie: string }> {
  const { browser } = await signIn(cluster, cluster.demo.portalUsers[0]!);
  const cookie = [...browser.cookies].map(([k, v]) => `${k}=${v}`).join('; ');
  const store = new pg.Client({ connectionString: cluster.storeUrl });
  await store.connect();
  try {
    const session = (
      await store.query<{ t: string }>(
        "SELECT data->'tokens'->>'accessToken' AS t FROM web_sessions WHERE data->'tokens'->>'accessToken' IS NOT NULL ORDER BY created_at DESC LIMIT 1",
      )
    ).rows[0];
    if (!session) throw new Error('no access token in the signed-in session');
    return { token: session.t, cookie };
  } finally {
    await store.end();
  }
}

async function main(): Promise<void> {
  say(
    `npm run load: ${seconds} s per run, concurrency ${levels.join(', ')}${soakMinutes ? `, then a ${soakMinutes}-minute soak` : ' (smoke length; LOAD_SECONDS=60 for longer runs)'}`,
  );
  const cluster = await startCluster({ replicas: 3, env: { SIGN_IN_MAX_FAILURES: '100' } });
  // Ctrl-C (or a SIGTERM) mid-run stops the cluster too: left running, its fixed ports break the next run.
  const interrupted = () => {
    say('\nInterrupted: stopping the cluster…');
    void cluster.stop().finally(() => process.exit(130));
  };
  process.once('SIGINT', interrupted);
  process.once('SIGTERM', interrupted);
  try {
    const patientId = cluster.demo.patients.find((p) => p.name.startsWith('Reyna'))?.id ?? cluster.demo.patients[0]!.id;
    const session = patientSession(cluster);
    const freshSets: FreshSets = async () => {
      const { token, cookie } = await session();
      return requestSets(cluster, token, cookie, patientId);
    };
    const rssStart = cluster.replicas.map((r) => rssMb(r.process.pid));

    say('\n3 replicas behind HAProxy:');
    await warmUp(cluster, freshSets);
    await scenarios(cluster, 3, await freshSets());
    let soak: string | undefined;
    if (soakMinutes > 0) soak = await soakRun(cluster, freshSets);
    const rssEnd3 = cluster.replicas.map((r) => rssMb(r.process.pid));

    say('\n1 replica (two shut down gracefully with SIGTERM; the balancer drains them):');
    const codes = await Promise.all([cluster.replicas[1]!.stop(), cluster.replicas[2]!.stop()]);
    say(`  replicas 2 and 3 exited with ${codes.join(', ')}`);
    await new Promise((r) => setTimeout(r, 2500));
    await scenarios(cluster, 1, await freshSets());

    report(rssStart, rssEnd3, soak);
  } finally {
    await cluster.stop();
  }
}

/**
 * The soak (issue 15 point 4): the facade's read mix and the record pages at once, for LOAD_SOAK_MINUTES, in
 * one-minute slices so a trend shows: each minute's requests, errors and every replica's RSS. Growth is
 * measured from the end of the first minute (warm: JIT, pools and caches filled) to the end, and from the
 * start, both printed.
 */
async function soakRun(cluster: Cluster, freshSets: FreshSets): Promise<string> {
  const rss = () => cluster.replicas.map((r) => rssMb(r.process.pid));
  const fmt = (values: number[]) => values.map((v) => v.toFixed(0)).join('/');
  const start = rss();
  const lines = [`| minute | facade req/s | record pages/s | errors | replica RSS MB |`, '|---|---|---|---|---|', `| 0 | | | | ${fmt(start)} |`];
  const perMinute: number[][] = [];
  let errors = 0;
  let requests = 0;
  for (let minute = 1; minute <= soakMinutes; minute++) {
    const sets = await freshSets();
    const [facade, pages] = await Promise.all([loadRun({ ...sets.facade, connections: 5, duration: 60 }), loadRun({ ...sets.pages, connections: 3, duration: 60 })]);
    const failed = [facade, pages].reduce((n, r) => n + r.errors + r.non2xx + r.timeouts, 0);
    errors += failed;
    requests += facade.requests.total + pages.requests.total;
    const now = rss();
    perMinute.push(now);
    lines.push(`| ${minute} | ${facade.requests.average.toFixed(1)} | ${pages.requests.average.toFixed(1)} | ${failed} | ${fmt(now)} |`);
    say(
      `  soak minute ${minute}/${soakMinutes}: facade ${facade.requests.average.toFixed(1)} req/s, pages ${pages.requests.average.toFixed(1)}/s, errors ${failed}, RSS ${fmt(now)} MB`,
    );
  }
  const sum = (values: number[]) => values.reduce((a, b) => a + b, 0);
  const warm = perMinute[0]!;
  const end = perMinute.at(-1)!;
  const middle = perMinute[Math.floor((perMinute.length - 1) / 2)]!;
  const growth = (from: number[]) => ((sum(end) / sum(from) - 1) * 100).toFixed(1);
  // V8 and the allocator keep growing for the first minutes under a new load; the second half shows whether it levels off.
  return [
    `soak ${soakMinutes} min (facade reads c=5 and record pages c=3 at once, through HAProxy): errors ${errors}/${requests}`,
    `replica RSS MB: start ${fmt(start)}, after minute 1 ${fmt(warm)}, middle ${fmt(middle)}, end ${fmt(end)}; growth of the three together ${growth(middle)}% over the second half (middle → end), ${growth(warm)}% from minute 1, ${growth(start)}% from the start (goal ≤ 10%)`,
    '',
    ...lines,
  ].join('\n');
}

function report(rssStart: number[], rssEnd: number[], soak: string | undefined): void {
  const find = (scenario: string, replicas: number, concurrency: number) => rows.find((r) => r.scenario === scenario && r.replicas === replicas && r.concurrency === concurrency);
  say(
    `\nmachine: ${cpus().length} cores (${cpus()[0]?.model ?? '?'}), ${(totalmem() / 2 ** 30).toFixed(0)} GiB, load average ${loadavg()[0]!.toFixed(1)}; Node ${process.version}; everything (HAPI, 2 PostgreSQL, ${3} replicas, HAProxy, autocannon) on this machine`,
  );
  say('\n| scenario | replicas | concurrency | req/s | p50 ms | p95 ms | p99 ms | errors |');
  say('|---|---|---|---|---|---|---|---|');
  for (const r of rows) say(`| ${r.scenario} | ${r.replicas} | ${r.concurrency} | ${r.rps.toFixed(1)} | ${r.p50} | ${r.p95} | ${r.p99} | ${r.errors}/${r.requests} |`);
  say('');
  for (const c of levels) {
    const f3 = find('facade', 3, c);
    const d3 = find('facade-direct', 3, c);
    const f1 = find('facade', 1, c);
    const p3 = find('record-pages', 3, c);
    const p1 = find('record-pages', 1, c);
    const o3 = find('direct-offset', 3, c);
    if (f3 && d3) say(`c=${c}: facade / direct HAPI throughput with 3 replicas: ${(f3.rps / d3.rps).toFixed(2)} (goal ≥ 0.9)`);
    if (f3 && o3) say(`c=${c}: facade / HAPI asked the facade's way (offset mode): ${(f3.rps / o3.rps).toFixed(2)} (the facade's own cost)`);
    if (f3 && f1) say(`c=${c}: scaling 1 → 3 replicas: facade ×${(f3.rps / f1.rps).toFixed(2)}${p3 && p1 ? `, record pages ×${(p3.rps / p1.rps).toFixed(2)}` : ''}`);
    if (p3) say(`c=${c}: record pages p95 with 3 replicas: ${p3.p95} ms (goal ≤ 400 ms at c=20)`);
    const busiest = f3 ? Object.entries(f3.cpu).sort((a, b) => b[1] - a[1])[0] : undefined;
    if (f3 && busiest)
      say(
        `c=${c}: CPU during the facade run: ${Object.entries(f3.cpu)
          .map(([k, v]) => `${k} ${v.toFixed(1)} s`)
          .join(', ')} of ${(seconds * cpus().length).toFixed(0)} core-seconds → most: ${busiest[0]}`,
      );
  }
  const failed = rows.filter((r) => r.errors > 0);
  say(
    `failed requests outside planned outages: ${rows.reduce((n, r) => n + r.errors, 0)}${failed.length ? ` (in ${failed.map((r) => `${r.scenario}/${r.replicas}/c=${r.concurrency}`).join(', ')})` : ''}`,
  );
  say(`replica RSS MB at start ${rssStart.map((v) => v.toFixed(0)).join('/')}, after the 3-replica runs ${rssEnd.map((v) => v.toFixed(0)).join('/')}`);
  if (soak) say(soak);
  say('p95 is interpolated between autocannon’s p90 and p97.5 for the autocannon scenarios.');
}

await main();
