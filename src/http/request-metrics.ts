/**
 * Times every request into the metrics registry (src/store/metrics.ts) by its Express route pattern
 * (`/record/:section`, `/fhir/:type/:id`), never the raw path: labels carry no ids, tokens or PHI, and
 * their number stays bounded. Requests no route matched are grouped (`/oidc` for the authorization
 * server, `unmatched` otherwise). /fhir answers also count as facade decisions.
 */
import type { Request, RequestHandler } from 'express';
import type { Metrics } from '../store/metrics.ts';

export function requestMetrics(metrics: Pick<Metrics, 'httpDuration' | 'facadeDecisions'>): RequestHandler {
  return (req, res, next) => {
    const end = metrics.httpDuration.startTimer();
    res.once('finish', () => {
      const route = routeOf(req);
      const status = res.statusCode;
      end({ method: req.method, route, status: String(status) });
      if (route === '/fhir' || route.startsWith('/fhir/')) {
        metrics.facadeDecisions.inc({ method: req.method, decision: facadeDecision(status) });
      }
    });
    next();
  };
}

/** How a facade answer is counted, whether it went out over HTTP or to one of the portal's own pages. */
export const facadeDecision = (status: number): 'allowed' | 'refused' | 'unavailable' => (status >= 500 ? 'unavailable' : status >= 400 ? 'refused' : 'allowed');

function routeOf(req: Request): string {
  const pattern = (req.route as { path?: unknown } | undefined)?.path;
  if (typeof pattern === 'string') return `${req.baseUrl}${pattern}`;
  const path = req.originalUrl.split('?')[0] ?? '';
  for (const prefix of ['/oidc', '/fhir', '/assets']) {
    if (path === prefix || path.startsWith(`${prefix}/`)) return prefix;
  }
  return 'unmatched';
}
