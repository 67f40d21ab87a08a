/**
 * How the portal reads a patient's record: through the public /fhir facade with the caller's own
 * access token, exactly like a third-party SMART app (no side door to HAPI). The record pages, the
 * export and the message views all read through this client, so the facade's enforcement (scope,
 * compartment, family-access limits, audit) applies to every one of them.
 *
 * It speaks HTTP through undici's `request` on the connection pool the composition root owns, the
 * same client and pool the facade uses to reach HAPI (src/fhir/upstream.ts says why not fetch). The
 * portal's own pages hand their requests to the facade in this same process instead (`inProcess`): the
 * same pipeline, token checks and AuditEvent, without an HTTP round trip through the load balancer
 * (docs/production.md, "Where a record page's CPU goes").
 * Paging follows only the facade's own signed cursors.
 */
import type { Bundle, Resource } from '@medplum/fhirtypes';
import { request, type Dispatcher } from 'undici';
import { AppError, SignInRequired } from '../core/errors.ts';

export interface SearchResult<T extends Resource> {
  readonly matches: T[];
  /** Resources the search's _include brought along (practitioners, medications, report results …). */
  readonly included: Resource[];
  /** False when the record had more pages than `maxPages` (the page then says it shows the newest only). */
  readonly complete: boolean;
}

export interface RecordClient {
  readonly patient: string;
  /** The signed-in person when they act for the patient (RelatedPerson/…), else undefined. */
  readonly proxy: string | undefined;
  read<T extends Resource>(path: string): Promise<T>;
  /** A search followed through the facade's own paging cursors, up to `maxPages` pages. */
  search<T extends Resource>(path: string, options?: { maxPages?: number }): Promise<SearchResult<T>>;
}

/** A facade request answered in this process: the status it would have sent, and the resource when 2xx. */
export type InProcessFacade = (request: { readonly path: string; readonly rawQuery: string; readonly authorization: string }) => Promise<{
  readonly status: number;
  readonly resource?: unknown;
}>;

export interface RecordClientOptions {
  /** The facade's public base (the token's audience). */
  readonly fhirBase: string;
  readonly accessToken: string;
  /** The token's patient id. */
  readonly patient: string;
  /** Who holds the token, as fhirUser names them (Patient/… or RelatedPerson/…). */
  readonly fhirUser?: string | undefined;
  readonly timeoutMs: number;
  readonly dispatcher: Dispatcher;
  /** The facade of this very process (every URL asked is under `fhirBase`); without it every request goes over HTTP. */
  readonly inProcess?: InProcessFacade | undefined;
  /** Called when the facade refuses the token (revoked, expired, account ended), before SignInRequired is thrown. */
  readonly onUnauthorized?: () => Promise<void>;
}

/** Pages followed per search by default: 10 pages of 100 cover the longest demo record several times over. */
const defaultMaxPages = 10;

export function createRecordClient(options: RecordClientOptions): RecordClient {
  const authorization = `Bearer ${options.accessToken}`;
  const overHttp = async (url: string): Promise<{ status: number; resource?: unknown }> => {
    let response: Dispatcher.ResponseData;
    try {
      response = await request(url, {
        method: 'GET',
        headers: { authorization, accept: 'application/fhir+json' },
        dispatcher: options.dispatcher,
        signal: AbortSignal.timeout(options.timeoutMs),
      });
    } catch {
      throw new AppError('fhir_unavailable', 503);
    }
    if (response.statusCode < 200 || response.statusCode >= 300) {
      await response.body.dump().catch(() => undefined);
      return { status: response.statusCode };
    }
    try {
      return { status: response.statusCode, resource: await response.body.json() };
    } catch {
      throw new AppError('fhir_unavailable', 503);
    }
  };
  const inProcess = async (facade: InProcessFacade, url: string): Promise<{ status: number; resource?: unknown }> => {
    const relative = url.slice(options.fhirBase.length);
    const queryIndex = relative.indexOf('?');
    const path = (queryIndex >= 0 ? relative.slice(0, queryIndex) : relative) || '/';
    // The page waits no longer than it would for the facade over HTTP (the answer, if it comes later, is dropped).
    let timer: NodeJS.Timeout | undefined;
    const late = new Promise<never>((_, reject) => {
      timer = setTimeout(() => reject(new Error('facade timed out')), options.timeoutMs);
    });
    try {
      return await Promise.race([facade({ path, rawQuery: queryIndex >= 0 ? relative.slice(queryIndex + 1) : '', authorization }), late]);
    } catch {
      throw new AppError('fhir_unavailable', 503);
    } finally {
      clearTimeout(timer);
    }
  };
  const get = async <T extends Resource>(url: string): Promise<T> => {
    const { status, resource } = options.inProcess ? await inProcess(options.inProcess, url) : await overHttp(url);
    if (status === 401) {
      await options.onUnauthorized?.();
      throw new SignInRequired();
    }
    if (status === 404) throw new AppError('fhir_not_found', 404);
    // Out of this token's scopes or of a family member's limited Consent (the facade decided): not an outage.
    if (status === 403) throw new AppError('forbidden', 403);
    if (status < 200 || status >= 300 || resource === undefined) throw new AppError('fhir_unavailable', 503);
    return resource as T;
  };
  const fhirBase = options.fhirBase;
  return {
    patient: options.patient,
    proxy: options.fhirUser?.startsWith('RelatedPerson/') ? options.fhirUser : undefined,
    read: <T extends Resource>(path: string) => get<T>(`${fhirBase}/${path}`),
    async search<T extends Resource>(path: string, searchOptions: { maxPages?: number } = {}): Promise<SearchResult<T>> {
      const type = path.split('?')[0];
      const matches: T[] = [];
      const included: Resource[] = [];
      let url: string | undefined = `${fhirBase}/${path}`;
      for (let page = 0; url && page < (searchOptions.maxPages ?? defaultMaxPages); page++) {
        let bundle: Bundle;
        try {
          bundle = await get<Bundle>(url);
        } catch (error) {
          // A type the caller may not search (a limited Consent, narrower scopes) holds nothing for them: an empty,
          // complete result, so pages and downloads show what is permitted and no more.
          if (page === 0 && error instanceof AppError && error.code === 'forbidden') return { matches: [], included: [], complete: true };
          throw error;
        }
        for (const entry of bundle.entry ?? []) {
          if (!entry.resource) continue;
          if (entry.search?.mode !== 'include' && entry.resource.resourceType === type) matches.push(entry.resource as T);
          else included.push(entry.resource);
        }
        const next = bundle.link?.find((link) => link.relation === 'next')?.url;
        // Only the facade's own cursors are followed: a link anywhere else is never fetched with the token.
        url = next?.startsWith(`${fhirBase}?_cursor=`) ? next : undefined;
      }
      return { matches, included, complete: url === undefined };
    },
  };
}
