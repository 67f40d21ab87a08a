/**
 * The facade's one way to HAPI (DESIGN.md security model 1 and habit 10): a GET of one FHIR JSON
 * answer with the allow-listed headers only (upstream-headers.ts), a timeout on every call, and
 * HAPI's failures turned into the facade's own errors, so upstream diagnostics never reach a client.
 *
 * undici's `request` rather than `fetch`: fetch wraps every body in WHATWG streams, which on the
 * facade's hot path cost about 0.8 ms more CPU per call on the benchmark machine (docs/smart-and-facade.md
 * "Benchmark"). The connection pool belongs to the composition root (src/context.ts), which closes it.
 */
import type { Resource } from '@medplum/fhirtypes';
import { Agent, request, type Dispatcher } from 'undici';
import { FacadeError, facadeNotFound } from './facade-error.ts';
import { upstreamHeaders } from './upstream-headers.ts';

export interface Upstream {
  /** The JSON resource HAPI answers at `url`; throws FacadeError 404 (missing or gone), 400 (HAPI refused the search) or 503. */
  get(url: string): Promise<Resource>;
  close(): Promise<void>;
}

/** Larger than any FHIR answer the portal serves (a Binary of a scanned document included); a bigger one is refused, not buffered. */
const maxResponseBytes = 256 * 1024 * 1024;

const unavailable = () => new FacadeError(503, 'transient', 'transient', 'The health record server is not available.');

/** `dispatcher` is for unit tests (undici's MockAgent); the portal uses its own pool. */
export function createUpstream(options: { readonly timeoutMs: number; readonly dispatcher?: Dispatcher }): Upstream {
  // Idle connections are dropped after 4 s, well before HAPI's own keep-alive timeout (Tomcat: 60 s).
  const dispatcher =
    options.dispatcher ?? new Agent({ keepAliveTimeout: 4_000, headersTimeout: options.timeoutMs, bodyTimeout: options.timeoutMs, maxResponseSize: maxResponseBytes });
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
        if (response.statusCode === 400) throw new FacadeError(400, 'invalid', 'invalid', 'The health record server could not run this search.');
        throw unavailable();
      }
      try {
        return (await response.body.json()) as Resource;
      } catch {
        // A body cut off by the timeout, larger than the limit, or not JSON: nothing of it is used.
        throw unavailable();
      }
    },
    close: () => dispatcher.close(),
  };
}
