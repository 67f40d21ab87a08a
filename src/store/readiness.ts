/**
 * Readiness: can this replica serve patients right now? Each dependency is probed with a short
 * timeout, so a dead dependency answers quickly with its name instead of hanging the probe.
 *
 * The FHIR probe asks for the CapabilityStatement reduced to one element: GET [base]/metadata is
 * the interaction every FHIR server must answer (FHIR R4 §3.1.0.13, `capabilities`), and
 * `_elements` (R4 §3.1.1.5.9) trims it. HAPI's full statement is 1.5 MB (every resource type and
 * search parameter) and costs it a quarter of a CPU second per call; the trimmed answer is ~250
 * bytes. A server that ignores `_elements` sends the whole statement, still a correct answer.
 *
 * Measured with `npm run bench:readiness` (scripts/bench-readiness.ts: 200 sequential requests per
 * candidate, alternating in 4 rounds, body read and parsed, HAPI's CPU from /proc) against the test
 * suite's HAPI 8.8 (H2, 26 patients) on the 2-core development machine, busy with another suite:
 *   before  GET metadata                          p50 313 ms  mean 399 ms  1.5 MB  HAPI CPU 249 ms, portal 50 ms
 *   after   GET metadata?_elements=fhirVersion    p50  42 ms  mean  56 ms  0.3 KB  HAPI CPU  40 ms, portal 3 ms
 *   (not chosen) GET Patient?_count=0&_summary=count  p50 13 ms, HAPI CPU 11 ms
 * The count search is cheaper on a small H2 database but is a COUNT over the clinic's Patient rows,
 * which grows with the practice (PostgreSQL counts by scanning), and HAPI's search cache reads and
 * writes its own tables for each search; the trimmed statement costs the same whatever the data.
 *
 * No cache: a readiness answer must say what holds now. Probes that arrive while one is running
 * share it (one store query and one HAPI request in flight per replica, however many load
 * balancers and orchestrators ask).
 */
import type { Queryable } from './db.ts';

export type Dependency = 'store' | 'fhir';

export interface Readiness {
  readonly ready: boolean;
  readonly checks: Record<Dependency, 'up' | 'down'>;
}

/** The FHIR probe's request, relative to the FHIR base. */
export const fhirProbePath = 'metadata?_elements=fhirVersion';

export interface ReadinessDeps {
  readonly db: Queryable;
  /** The FHIR server's base URL, without a trailing slash. */
  readonly fhirBaseUrl: string;
  /** Per probe; short, so a hung dependency reads as down well within an orchestrator's probe timeout. */
  readonly timeoutMs: number;
}

/** One readiness check, run now. */
export async function checkReadiness(deps: ReadinessDeps): Promise<Readiness> {
  const [store, fhir] = await Promise.all([
    deps.db.query('SELECT 1').then(
      () => 'up' as const,
      () => 'down' as const,
    ),
    fhirAnswers(deps.fhirBaseUrl, deps.timeoutMs).then(
      (answers) => (answers ? ('up' as const) : ('down' as const)),
      () => 'down' as const,
    ),
  ]);
  return { ready: store === 'up' && fhir === 'up', checks: { store, fhir } };
}

/** The readiness check the app serves: callers that ask while a check runs share that check. */
export function createReadinessCheck(deps: ReadinessDeps): () => Promise<Readiness> {
  return coalesce(() => checkReadiness(deps));
}

/** True when the server answers the probe with a CapabilityStatement (a proxy's 200 page is not FHIR). */
async function fhirAnswers(baseUrl: string, timeoutMs: number): Promise<boolean> {
  // The timeout covers the body too: fetch's signal aborts the body stream.
  const response = await fetch(`${baseUrl}/${fhirProbePath}`, { headers: { accept: 'application/fhir+json' }, signal: AbortSignal.timeout(timeoutMs) });
  if (!response.ok) {
    await response.body?.cancel();
    return false;
  }
  const body = (await response.json()) as { resourceType?: unknown } | null;
  return body?.resourceType === 'CapabilityStatement';
}

/** Wraps `run` so that at most one call is in flight; callers arriving meanwhile get its result. */
export function coalesce<T>(run: () => Promise<T>): () => Promise<T> {
  let inFlight: Promise<T> | undefined;
  return () =>
    (inFlight ??= run().finally(() => {
      inFlight = undefined;
    }));
}
