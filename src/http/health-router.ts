import { Router } from 'express';
import type { Readiness } from '../store/readiness.ts';

export interface HealthDeps {
  readonly checkReadiness: () => Promise<Readiness>;
  /** True once SIGTERM arrived (src/http/graceful-shutdown.ts): /readyz then answers 503 without probing. */
  readonly draining?: () => boolean;
}

/**
 * GET /healthz: the process is up (the liveness probe). GET /readyz: the store and the FHIR server
 * answer (503 names what fails), and the replica is not shutting down (503 "draining").
 */
export function createHealthRouter(deps: HealthDeps): Router {
  const router = Router();
  router.get('/healthz', (_req, res) => {
    res.set('Cache-Control', 'no-store').json({ status: 'ok' });
  });
  router.get('/readyz', async (_req, res) => {
    if (deps.draining?.()) {
      res.status(503).set('Cache-Control', 'no-store').json({ status: 'draining' });
      return;
    }
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
