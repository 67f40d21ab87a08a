/**
 * `npm run bench:facade`: the FHIR facade against direct HAPI, same requests, same concurrency, one run.
 * Starts HAPI (fresh data directory), loads the largest demo patient (Josue Sipes, 959 resources),
 * gives them a portal account, signs in through the real authorization server, then sends the same
 * mix of patient-compartment reads and searches straight to HAPI and through the facade.
 * The sides alternate for BENCH_ROUNDS rounds (default 3; keep it a multiple of 3), in an order that turns
 * every round, so a burst of other work on the machine, and the AuditEvents one side leaves for HAPI to
 * store, fall on every side alike rather than on one. Prints throughput for each, their ratio, the latency the
 * facade adds at p50 and p99, and the CPU time each process spent per request (the figure that
 * explains the ratio on a machine where HAPI and the portal share the cores). A third side sends the same
 * requests with the token of a family member the patient invited (issue 13: reach read from the Consent's
 * proxy link must not slow the facade): both ratios are printed, and their difference (goal ≤ 0.05).
 * Settings: BENCH_REQUESTS (per side and round, default 400), BENCH_CONCURRENCY (default 8), BENCH_HAPI_URL
 * (use a running HAPI instead of starting one), BENCH_FHIR_TIMEOUT_MS (portal's upstream timeout,
 * default 120000: loading the 959-resource record into a freshly started HAPI on a busy machine
 * can take longer than the portal's 10 s default).
 */
import { cpus } from 'node:os';
import { processCpuMs, quantile, startBenchPortal } from './lib/bench-portal.ts';
import { readMix } from './lib/read-mix.ts';

const requestsPerSide = Number(process.env['BENCH_REQUESTS'] ?? 400);
const concurrency = Number(process.env['BENCH_CONCURRENCY'] ?? 8);
const rounds = Number(process.env['BENCH_ROUNDS'] ?? 3);
const say = (line: string) => process.stdout.write(`${line}\n`);

async function main(): Promise<void> {
  // HAPI (fresh, or BENCH_HAPI_URL), the portal on PGlite, Josue Sipes loaded and signed in (BENCH_FHIR_TIMEOUT_MS applies).
  const portal = await startBenchPortal(say, 'en', { family: true });
  try {
    const { url, hapiBase, accessToken, familyAccessToken, patientId: pid } = portal;
    const mix = readMix(pid);
    const direct = (path: string) => fetch(`${hapiBase}/${path}`, { headers: { accept: 'application/fhir+json', 'cache-control': 'no-cache' } });
    const facade = (path: string) => fetch(`${url}/fhir/${path}`, { headers: { accept: 'application/fhir+json', authorization: `Bearer ${accessToken}` } });
    const family = (path: string) => fetch(`${url}/fhir/${path}`, { headers: { accept: 'application/fhir+json', authorization: `Bearer ${familyAccessToken}` } });

    say(`Warming up, then ${rounds} rounds of ${requestsPerSide} requests per side at concurrency ${concurrency}, the sides alternating…`);
    await run(direct, mix, 80);
    await run(facade, mix, 80);
    await run(family, mix, 80);
    const hapiCpu = () => (portal.hapiPid ? processCpuMs(portal.hapiPid) : undefined);
    const sides = { direct: new Side(), facade: new Side(), family: new Side() };
    const order = [
      ['direct', direct],
      ['facade', facade],
      ['family', family],
    ] as const;
    for (let round = 0; round < rounds; round++) {
      // The order turns every round: a side that follows the facade also meets the AuditEvents of the facade's
      // requests being delivered to HAPI, and with a fixed order the family side always paid for the patient's.
      for (const [name, send] of [...order.slice(round % order.length), ...order.slice(0, round % order.length)]) {
        const before = { self: process.cpuUsage(), hapi: hapiCpu() };
        const result = await run(send, mix, requestsPerSide);
        const self = process.cpuUsage(before.self);
        const hapiAfter = hapiCpu();
        sides[name].add(result, (self.user + self.system) / 1000, before.hapi !== undefined && hapiAfter !== undefined ? hapiAfter - before.hapi : undefined);
      }
    }
    const d = sides.direct.summary();
    const f = sides.facade.summary();
    const m = sides.family.summary();
    const cpu = (s: Summary) => `CPU per request: HAPI ${s.hapiCpuMs?.toFixed(1) ?? 'n/a'} ms, this process ${s.selfCpuMs.toFixed(1)} ms`;
    say(`
machine: ${cpus().length} cores, Node ${process.version}; ${rounds} × ${requestsPerSide} requests per side, concurrency ${concurrency}
direct HAPI : ${d.rps.toFixed(1)} req/s   p50 ${d.p50.toFixed(1)} ms   p99 ${d.p99.toFixed(1)} ms   ${cpu(d)} (the load generator)
facade      : ${f.rps.toFixed(1)} req/s   p50 ${f.p50.toFixed(1)} ms   p99 ${f.p99.toFixed(1)} ms   ${cpu(f)} (portal and load generator)
family      : ${m.rps.toFixed(1)} req/s   p50 ${m.p50.toFixed(1)} ms   p99 ${m.p99.toFixed(1)} ms   ${cpu(m)} (a family member's token)
rounds (ratio each): ${sides.facade.rounds.map((r, i) => (r.rps / sides.direct.rounds[i]!.rps).toFixed(2)).join(', ')}
family rounds (ratio each): ${sides.family.rounds.map((r, i) => (r.rps / sides.direct.rounds[i]!.rps).toFixed(2)).join(', ')}
throughput ratio (facade / direct), the patient's token: ${(f.rps / d.rps).toFixed(2)}
throughput ratio (facade / direct), a family member's token: ${(m.rps / d.rps).toFixed(2)} (difference ${(f.rps / d.rps - m.rps / d.rps).toFixed(3)}, goal ≤ 0.05)
added latency: p50 +${(f.p50 - d.p50).toFixed(1)} ms, p99 +${(f.p99 - d.p99).toFixed(1)} ms
the portal's own CPU per request: ${(f.selfCpuMs - d.selfCpuMs).toFixed(1)} ms`);
  } finally {
    await portal.stop();
  }
}

interface RunResult {
  readonly seconds: number;
  readonly rps: number;
  readonly latencies: readonly number[];
}

interface Summary {
  readonly rps: number;
  readonly p50: number;
  readonly p99: number;
  readonly selfCpuMs: number;
  readonly hapiCpuMs: number | undefined;
}

/** One side's rounds, pooled: throughput over the total time, percentiles over every latency. */
class Side {
  readonly rounds: RunResult[] = [];
  private selfCpu = 0;
  private hapiCpu: number | undefined = 0;

  add(result: RunResult, selfCpuMs: number, hapiCpuMs: number | undefined): void {
    this.rounds.push(result);
    this.selfCpu += selfCpuMs;
    this.hapiCpu = this.hapiCpu === undefined || hapiCpuMs === undefined ? undefined : this.hapiCpu + hapiCpuMs;
  }

  summary(): Summary {
    const requests = this.rounds.reduce((n, r) => n + r.latencies.length, 0);
    const seconds = this.rounds.reduce((n, r) => n + r.seconds, 0);
    const latencies = this.rounds.flatMap((r) => r.latencies).sort((x, y) => x - y);
    return {
      rps: requests / seconds,
      p50: quantile(latencies, 0.5),
      p99: quantile(latencies, 0.99),
      selfCpuMs: this.selfCpu / requests,
      hapiCpuMs: this.hapiCpu === undefined ? undefined : this.hapiCpu / requests,
    };
  }
}

async function run(send: (path: string) => Promise<Response>, mix: string[], total: number): Promise<RunResult> {
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
  return { seconds, rps: total / seconds, latencies };
}

await main();
