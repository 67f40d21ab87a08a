/**
 * Readiness: can this replica serve patients right now? Each dependency is probed with a short
 * timeout, so a dead dependency answers quickly with its name instead of hanging the probe.
 */
import type { Queryable } from './db.ts';
import type { FhirClient } from './fhir-client.ts';

export type Dependency = 'store' | 'fhir';

export interface Readiness {
  readonly ready: boolean;
  readonly checks: Record<Dependency, 'up' | 'down'>;
}

export async function checkReadiness(deps: { db: Queryable; fhirProbe: FhirClient }): Promise<Readiness> {
  const [store, fhir] = await Promise.all([
    deps.db.query('SELECT 1').then(
      () => 'up' as const,
      () => 'down' as const,
    ),
    // GET [base]/metadata is the FHIR-level liveness check every server must answer (FHIR R4 §3.1.0.13).
    deps.fhirProbe.capabilities().then(
      () => 'up' as const,
      () => 'down' as const,
    ),
  ]);
  return { ready: store === 'up' && fhir === 'up', checks: { store, fhir } };
}
