import { Router } from 'express';
import type { Readiness } from '../store/readiness.ts';

export interface HealthDeps {
  readonly checkReadiness: () => Promise<Readiness>;
}

/** GET /healthz: the process is up. GET /readyz: the store and the FHIR server answer (503 names what fails). */
export function createHealthRouter(deps: HealthDeps): Router {
  const router = Router();
  router.get('/healthz', (_req, res) => {
    res.set('Cache-Control', 'no-store').json({ status: 'ok' });
  });
  router.get('/readyz', async (_req, res) => {
    const readiness = await deps.checkReadiness();
    const failing = Object.entries(readiness.checks)
      .filter(([, state]) => state === 'down')
      .map(([name]) => name);
    res
      .status(readiness.ready ? 200 : 503)
      .set('Cache-Control', 'no-store')
      .json(readiness.ready ? { status: 'ready', checks: readiness.checks } : { status: 'unavailable', failing, checks: readiness.checks });
  });
  return router;
}
