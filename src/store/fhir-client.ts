/**
 * The portal's system client to the clinic FHIR server (fhir-kit-client). Every call has a timeout,
 * and every failure becomes a typed AppError carrying only a status and a stable code: HAPI's
 * diagnostics (which can echo ids and query values) never reach a user or a log line.
 */
import { Client } from 'fhir-kit-client';
import type { Bundle, CapabilityStatement, OperationOutcome, Resource, ResourceType } from '@medplum/fhirtypes';
import { AppError, type ErrorCode } from '../core/errors.ts';

export interface FhirClientOptions {
  readonly baseUrl: string;
  readonly timeoutMs: number;
  /** Extra headers on every request (e.g. Cache-Control: no-cache so HAPI never reuses a search). */
  readonly headers?: Record<string, string>;
}

export type SearchParams = Record<string, string | number | readonly (string | number)[]>;

export interface FhirClient {
  readonly baseUrl: string;
  read<T extends Resource>(resourceType: T['resourceType'], id: string): Promise<T>;
  search<T extends Resource = Resource>(resourceType: ResourceType, params?: SearchParams): Promise<Bundle<T>>;
  /**
   * The next page of a search this client made: only HAPI's own paging link (`_getpages`), rebuilt on this
   * client's base from its paging parameters, so a `next` URL pointing anywhere else is never fetched.
   * Undefined when the bundle has no such link.
   */
  nextPage<T extends Resource = Resource>(bundle: Bundle<T>): Promise<Bundle<T> | undefined>;
  create<T extends Resource>(resource: T): Promise<T>;
  /** Create-or-update by id (PUT): idempotent, which makes retries safe. */
  update<T extends Resource>(resource: T & { id: string }): Promise<T>;
  transaction(bundle: Bundle): Promise<Bundle>;
  operation<T = Resource>(request: { name: string; resourceType?: ResourceType; id?: string; method?: 'GET' | 'POST'; input?: unknown }): Promise<T>;
  capabilities(): Promise<CapabilityStatement>;
}

/** Thrown for an HTTP error answer; `outcome` is for code that must inspect it, never for display. */
export class FhirError extends AppError {
  readonly upstreamStatus: number | undefined;
  readonly outcome: OperationOutcome | undefined;
  constructor(code: ErrorCode, status: number, upstreamStatus?: number, outcome?: OperationOutcome) {
    super(code, status);
    this.name = 'FhirError';
    this.upstreamStatus = upstreamStatus;
    this.outcome = outcome;
  }
}

export function createFhirClient(options: FhirClientOptions): FhirClient {
  const client = new Client({
    baseUrl: options.baseUrl,
    customHeaders: { accept: 'application/fhir+json', ...options.headers },
    // fhir-kit-client has no timeout setting; its request hook lets every request carry one.
    requestSigner: (_url: string, init: RequestInit) => {
      init.signal = init.signal ? AbortSignal.any([init.signal, AbortSignal.timeout(options.timeoutMs)]) : AbortSignal.timeout(options.timeoutMs);
    },
  });
  const searchParams = (params: SearchParams = {}) => Object.fromEntries(Object.entries(params).map(([k, v]) => [k, Array.isArray(v) ? v.map(String) : String(v)]));

  return {
    baseUrl: options.baseUrl,
    read: (resourceType, id) => guard(client.read({ resourceType, id })),
    search: (resourceType, params) => guard(client.search({ resourceType, searchParams: searchParams(params) as never })),
    nextPage: async (bundle) => {
      const next = bundle.link?.find((link) => link.relation === 'next')?.url;
      if (!next) return undefined;
      const link = new URL(next, options.baseUrl);
      const searchId = link.searchParams.get('_getpages');
      const offset = link.searchParams.get('_getpagesoffset');
      const count = link.searchParams.get('_count');
      if (!searchId || !offset || !/^\d{1,9}$/.test(offset) || (count !== null && !/^\d{1,4}$/.test(count))) return undefined;
      const query = new URLSearchParams({ _getpages: searchId, _getpagesoffset: offset, ...(count ? { _count: count } : {}), _bundletype: 'searchset' });
      return guard(client.request(`${options.baseUrl}?${query}`));
    },
    create: (resource) => guard(client.create({ resourceType: resource.resourceType, body: resource as never })),
    update: (resource) => guard(client.update({ resourceType: resource.resourceType, id: resource.id, body: resource as never })),
    transaction: (bundle) => guard(client.transaction({ body: bundle as never })),
    operation: (request) => guard(client.operation(request as never)),
    capabilities: () => guard(client.capabilityStatement()),
  };
}

async function guard<T>(call: Promise<unknown>): Promise<T> {
  try {
    return (await call) as T;
  } catch (error) {
    throw toFhirError(error);
  }
}

/** Maps fetch and HTTP failures onto stable codes; exported for unit tests. */
export function toFhirError(error: unknown): FhirError {
  const response = (error as { response?: { status?: number; data?: unknown } }).response;
  if (response?.status !== undefined) {
    const status = response.status;
    const outcome = isOutcome(response.data) ? response.data : undefined;
    if (status === 404 || status === 410) return new FhirError('fhir_not_found', 404, status, outcome);
    if (status === 409 || status === 412) return new FhirError('fhir_conflict', 409, status, outcome);
    if (status >= 400 && status < 500) return new FhirError('fhir_rejected', 422, status, outcome);
    if (status === 502 || status === 503 || status === 504) return new FhirError('fhir_unavailable', 503, status, outcome);
    return new FhirError('fhir_error', 502, status, outcome);
  }
  const name = (error as { name?: string }).name;
  if (name === 'TimeoutError' || name === 'AbortError') return new FhirError('fhir_timeout', 504);
  // fetch rejects with TypeError('fetch failed') for refused connections, DNS failures and resets.
  return new FhirError('fhir_unavailable', 503);
}

const isOutcome = (data: unknown): data is OperationOutcome => typeof data === 'object' && data !== null && (data as Resource).resourceType === 'OperationOutcome';
