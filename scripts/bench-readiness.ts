/**
 * `npm run bench:readiness`: what one /readyz FHIR probe costs, for each candidate request, against
 * a running HAPI (loopback). Sequential requests (a probe is one request at a time), the candidates
 * alternating in rounds so a burst of other work on the machine falls on all of them. Each request's
 * body is read and parsed as JSON, as the probe does. Prints per candidate: p50/p95/mean wall time,
 * response size, and the CPU time HAPI (BENCH_HAPI_PID) and this process spent per request.
 * Settings: BENCH_HAPI_URL (default http://127.0.0.1:8091/fhir, e.g. `npm run hapi:start` first),
 * BENCH_HAPI_PID (HAPI's process id, for its CPU time; `cat var/hapi.pid` after hapi:start),
 * BENCH_REQUESTS (per candidate, default 200), BENCH_ROUNDS (default 4).
 */
import { cpus } from 'node:os';
import { processCpuMs, quantile } from './lib/bench-portal.ts';
import { fhirProbePath } from '../src/store/readiness.ts';

const base = (process.env['BENCH_HAPI_URL'] ?? 'http://127.0.0.1:8091/fhir').replace(/\/$/, '');
const hapiPid = process.env['BENCH_HAPI_PID'] ? Number(process.env['BENCH_HAPI_PID']) : undefined;
const requests = Number(process.env['BENCH_REQUESTS'] ?? 200);
const rounds = Number(process.env['BENCH_ROUNDS'] ?? 4);
const say = (line: string) => process.stdout.write(`${line}\n`);

const candidates = [
  { name: 'metadata (before: the whole CapabilityStatement)', path: 'metadata' },
  { name: 'metadata?_summary=true', path: 'metadata?_summary=true' },
  { name: `${fhirProbePath} (after)`, path: fhirProbePath },
  { name: 'Patient?_count=0&_summary=count (asks the database)', path: 'Patient?_count=0&_summary=count' },
];

interface Tally {
  latencies: number[];
  bytes: number;
  selfCpuMs: number;
  hapiCpuMs: number | undefined;
}

async function once(path: string): Promise<{ ms: number; bytes: number }> {
  const started = performance.now();
  const response = await fetch(`${base}/${path}`, { headers: { accept: 'application/fhir+json' }, signal: AbortSignal.timeout(10_000) });
  const text = await response.text();
  JSON.parse(text);
  if (!response.ok) throw new Error(`${path}: HTTP ${response.status}`);
  return { ms: performance.now() - started, bytes: Buffer.byteLength(text) };
}

async function main(): Promise<void> {
  say(`HAPI at ${base}; warming up (20 requests per candidate)…`);
  for (const candidate of candidates) for (let i = 0; i < 20; i++) await once(candidate.path);
  const tallies = candidates.map((): Tally => ({ latencies: [], bytes: 0, selfCpuMs: 0, hapiCpuMs: 0 }));
  const perRound = Math.ceil(requests / rounds);
  for (let round = 0; round < rounds; round++) {
    for (const [index, candidate] of candidates.entries()) {
      const tally = tallies[index]!;
      const before = { self: process.cpuUsage(), hapi: hapiPid ? processCpuMs(hapiPid) : undefined };
      for (let i = 0; i < perRound; i++) {
        const { ms, bytes } = await once(candidate.path);
        tally.latencies.push(ms);
        tally.bytes = bytes;
      }
      const self = process.cpuUsage(before.self);
      tally.selfCpuMs += (self.user + self.system) / 1000;
      const hapiAfter = hapiPid ? processCpuMs(hapiPid) : undefined;
      tally.hapiCpuMs = tally.hapiCpuMs === undefined || before.hapi === undefined || hapiAfter === undefined ? undefined : tally.hapiCpuMs + (hapiAfter - before.hapi);
    }
  }
  say(`\nmachine: ${cpus().length} cores, Node ${process.version}; ${rounds} rounds × ${perRound} sequential requests per candidate`);
  for (const [index, candidate] of candidates.entries()) {
    const tally = tallies[index]!;
    const n = tally.latencies.length;
    const sorted = [...tally.latencies].sort((a, b) => a - b);
    const mean = sorted.reduce((sum, ms) => sum + ms, 0) / n;
    const hapiCpu = tally.hapiCpuMs === undefined ? 'n/a' : `${(tally.hapiCpuMs / n).toFixed(2)} ms`;
    say(
      `${candidate.name}\n  p50 ${quantile(sorted, 0.5).toFixed(1)} ms   p95 ${quantile(sorted, 0.95).toFixed(1)} ms   mean ${mean.toFixed(1)} ms   ` +
        `${(tally.bytes / 1024).toFixed(1)} KiB   CPU per request: HAPI ${hapiCpu}, this process ${(tally.selfCpuMs / n).toFixed(2)} ms`,
    );
  }
}

await main();
