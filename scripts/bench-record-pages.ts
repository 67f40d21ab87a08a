/**
 * `npm run bench:record`: the server time of each health record page for the largest demo patient
 * (Josue Sipes, 959 resources), through the real facade and HAPI, one request at a time as a person
 * browsing would. Prints p50 and p95 per page; the goal is p95 ≤ 400 ms (issue #5).
 * Settings: BENCH_ROUNDS (requests per page after one warm-up, default 20), BENCH_HAPI_URL.
 * Note that web access tokens live 15 minutes: keep BENCH_ROUNDS × pages × latency below that.
 */
import { cpus } from 'node:os';
import { quantile, startBenchPortal } from './lib/bench-portal.ts';

const rounds = Number(process.env['BENCH_ROUNDS'] ?? 20);
const say = (line: string) => process.stdout.write(`${line}\n`);

const pages = [
  '/',
  '/record/problems',
  '/record/medications',
  '/record/allergies',
  '/record/results',
  `/record/results/trend?code=${encodeURIComponent('http://loinc.org|2339-0')}`,
  '/record/vitals',
  '/record/immunizations',
  '/record/procedures',
  '/record/visits',
  '/record/documents',
  '/record/care-team',
  '/record/appointments',
  '/record/care-plan',
  '/record/search?q=glucose',
];

const portal = await startBenchPortal(say);
try {
  say(`Each page: 1 warm-up, then ${rounds} requests, one at a time.\n`);
  say(`${'page'.padEnd(46)} ${'p50 ms'.padStart(8)} ${'p95 ms'.padStart(8)} ${'KiB'.padStart(6)}`);
  const allP95: number[] = [];
  for (const path of pages) {
    const times: number[] = [];
    let size = 0;
    for (let i = 0; i <= rounds; i++) {
      const started = performance.now();
      const page = await portal.browser.request('GET', path);
      const elapsed = performance.now() - started;
      if (page.status !== 200) throw new Error(`${path}: ${page.status}`);
      size = page.body.length;
      if (i > 0) times.push(elapsed);
    }
    times.sort((a, b) => a - b);
    allP95.push(quantile(times, 0.95));
    say(`${path.slice(0, 46).padEnd(46)} ${quantile(times, 0.5).toFixed(0).padStart(8)} ${quantile(times, 0.95).toFixed(0).padStart(8)} ${(size / 1024).toFixed(0).padStart(6)}`);
  }
  say(`\nslowest page p95: ${Math.max(...allP95).toFixed(0)} ms (goal ≤ 400 ms); machine: ${cpus().length} cores, Node ${process.version}`);
} finally {
  await portal.stop();
}
