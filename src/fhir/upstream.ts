/**
 * The facade's one way to HAPI (DESIGN.md security model 1 and habit 10): a GET of one FHIR JSON
 * answer with the allow-listed headers only (upstream-headers.ts), a timeout on every call, and
 * HAPI's failures turned into the facade's own errors, so upstream diagnostics never reach a client.
 *
 * undici's `request` rather than `fetch`: fetch wraps every body in WHATWG streams, which on the
 * facade's hot path cost about 0.8 ms more CPU per call on the benchmark machine (docs/smart-and-facade.md
 * "Benchmark"). The connection pool belongs to the composition root (src/context.ts), which closes it
 * (src/store/http-pool.ts).
 */
import type { Resource } from '@medplum/fhirtypes';
import { request, type Dispatcher } from 'undici';
import { FacadeError, facadeNotFound } from './facade-error.ts';
import { upstreamHeaders } from './upstream-headers.ts';

export interface Upstream {
  /** The JSON resource HAPI answers at `url`; throws FacadeError 404 (missing or gone), 400 (HAPI refused the search) or 503. */
  get(url: string): Promise<Resource>;
  /**
   * POSTs one FHIR JSON resource (the facade's own transaction Bundle, or a Binary) and returns HAPI's answer;
   * throws FacadeError 400 when HAPI refused it (its diagnostics dropped) or 503. Never used with a client's body as sent.
   */
  post(url: string, body: Resource): Promise<Resource>;
}

const unavailable = () => new FacadeError(503, 'transient', 'transient', 'facade.upstream_unavailable');

/** `dispatcher` is the portal's pool (src/store/http-pool.ts), or undici's MockAgent in unit tests. */
export function createUpstream(options: { readonly timeoutMs: number; readonly dispatcher: Dispatcher }): Upstream {
  const dispatcher = options.dispatcher;
  return {
    async get(url) {
      let response: Awaited<ReturnType<typeof request>>;
      try {
        response = await request(url, { method: 'GET', headers: upstreamHeaders, dispatcher, signal: AbortSignal.timeout(options.timeoutMs) });
      } catch {
        throw unavailable();
      }
      if (response.statusCode < 200 || response.statusCode >= 300) {
        await response.body.dump().catch(() => undefined);
        if (response.statusCode === 404 || response.statusCode === 410) throw facadeNotFound();
        if (response.statusCode === 400) throw new FacadeError(400, 'invalid', 'invalid', 'facade.upstream_search_refused');
        throw unavailable();
      }
      try {
        return (await response.body.json()) as Resource;
      } catch {
        // A body cut off by the timeout, larger than the limit, or not JSON: nothing of it is used.
        throw unavailable();
      }
    },
    async post(url, body) {
      let response: Awaited<ReturnType<typeof request>>;
      try {
        response = await request(url, {
          method: 'POST',
          headers: { ...upstreamHeaders, 'content-type': 'application/fhir+json' },
          body: JSON.stringify(body),
          dispatcher,
          signal: AbortSignal.timeout(options.timeoutMs),
        });
      } catch {
        throw unavailable();
      }
      if (response.statusCode < 200 || response.statusCode >= 300) {
        await response.body.dump().catch(() => undefined);
        if (response.statusCode >= 400 && response.statusCode < 500) throw new FacadeError(400, 'invalid', 'invalid', 'facade.upstream_write_refused');
        throw unavailable();
      }
      try {
        return (await response.body.json()) as Resource;
      } catch {
        throw unavailable();
      }
    },
  };
}
