/**
 * The portal's one HTTP connection pool (undici), owned by the composition root and closed with it.
 * The facade's calls to HAPI (src/fhir/upstream.ts) and the portal's own reads of the record through
 * /fhir (src/record/record-client.ts) share it; undici keeps a pool per origin inside it.
 *
 * The system client (src/store/fhir-client.ts) is fhir-kit-client, the project's chosen FHIR client
 * for writes, transactions and operations; it runs on Node's fetch, which is undici too. Its calls are
 * few and off the hot path, so it keeps its own (fetch's global) pool. The readiness probe
 * (src/store/readiness.ts) is one small request every few seconds on fetch too.
 */
import { Agent, type Dispatcher } from 'undici';

/** Larger than any FHIR answer the portal serves (a Binary of a scanned document included); a bigger one is refused, not buffered. */
const maxResponseBytes = 256 * 1024 * 1024;

export function createHttpPool(options: { readonly timeoutMs: number }): Dispatcher {
  // Idle connections are dropped after 4 s, well before HAPI's own keep-alive timeout (Tomcat: 60 s).
  return new Agent({ keepAliveTimeout: 4_000, headersTimeout: options.timeoutMs, bodyTimeout: options.timeoutMs, maxResponseSize: maxResponseBytes });
}
