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
import { cpus } from 'node:os';
import { quantile, startBenchPortal } from './lib/bench-portal.ts';

const requestsPerSide = Number(process.env['BENCH_REQUESTS'] ?? 400);
const concurrency = Number(process.env['BENCH_CONCURRENCY'] ?? 8);
const say = (line: string) => process.stdout.write(`${line}\n`);

async function main(): Promise<void> {
  // HAPI (fresh, or BENCH_HAPI_URL), the portal on PGlite, Josue Sipes loaded and signed in (BENCH_FHIR_TIMEOUT_MS applies).
  const portal = await startBenchPortal(say);
  try {
    const { url, hapiBase, accessToken, patientId: pid } = portal;
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
machine: ${cpus().length} cores, Node ${process.version}
direct HAPI : ${d.rps.toFixed(1)} req/s   p50 ${d.p50.toFixed(1)} ms   p99 ${d.p99.toFixed(1)} ms
facade      : ${f.rps.toFixed(1)} req/s   p50 ${f.p50.toFixed(1)} ms   p99 ${f.p99.toFixed(1)} ms
throughput ratio (facade / direct): ${(f.rps / d.rps).toFixed(2)}
added latency: p50 +${(f.p50 - d.p50).toFixed(1)} ms, p99 +${(f.p99 - d.p99).toFixed(1)} ms`);
  } finally {
    await portal.stop();
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
  return { rps: total / seconds, p50: quantile(latencies, 0.5), p99: quantile(latencies, 0.99) };
}

await main();
