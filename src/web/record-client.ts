/**
 * How the web app reads the record: through the public /fhir facade with the session's own access
 * token, exactly like a third-party SMART app (no side door to HAPI). Tokens are refreshed shortly
 * before they expire; a refused token ends the session.
 */
import type { Request, Response } from 'express';
import type { Bundle, Resource } from '@medplum/fhirtypes';
import { AppError } from '../core/errors.ts';
import type { SessionManager } from './session.ts';
import type { TokenSet, WebClient } from './web-client.ts';

export class SignInRequired extends Error {}

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

/** Pages followed per search by default: 10 pages of 100 cover the longest demo record several times over. */
const defaultMaxPages = 10;

export async function recordClientFor(
  req: Request,
  res: Response,
  deps: { sessions: SessionManager; webClient: WebClient; fhirBase: string; timeoutMs: number },
): Promise<RecordClient> {
  const session = await deps.sessions.load(req);
  let tokens = session?.data['tokens'] as TokenSet | undefined;
  if (!session || !tokens?.patient) throw new SignInRequired();
  if (tokens.expiresAt - 30_000 < Date.now()) {
    if (!tokens.refreshToken) throw new SignInRequired();
    try {
      const previous: TokenSet = tokens;
      const renewed = await deps.webClient.refresh(tokens.refreshToken, tokens.accountId);
      // A refresh carries no id_token claims of its own: who signed in stays who signed in.
      tokens = { ...renewed, ...(previous.fhirUser && !renewed.fhirUser ? { fhirUser: previous.fhirUser } : {}) };
    } catch {
      await deps.sessions.end(req, res, session);
      throw new SignInRequired();
    }
    await deps.sessions.save(session, { ...session.data, tokens });
  }
  const accessToken = tokens.accessToken;
  const get = async <T extends Resource>(url: string): Promise<T> => {
    const response = await fetch(url, {
      headers: { authorization: `Bearer ${accessToken}`, accept: 'application/fhir+json' },
      signal: AbortSignal.timeout(deps.timeoutMs),
    }).catch(() => {
      throw new AppError('fhir_unavailable', 503);
    });
    if (response.status === 401) {
      await deps.sessions.end(req, res, session);
      throw new SignInRequired();
    }
    if (response.status === 404) throw new AppError('fhir_not_found', 404);
    if (!response.ok) throw new AppError('fhir_unavailable', 503);
    return (await response.json()) as T;
  };
  const fhirUser = tokens.fhirUser;
  return {
    patient: tokens.patient!,
    proxy: fhirUser?.startsWith('RelatedPerson/') ? fhirUser : undefined,
    read: <T extends Resource>(path: string) => get<T>(`${deps.fhirBase}/${path}`),
    async search<T extends Resource>(path: string, options: { maxPages?: number } = {}): Promise<SearchResult<T>> {
      const type = path.split('?')[0];
      const matches: T[] = [];
      const included: Resource[] = [];
      let url: string | undefined = `${deps.fhirBase}/${path}`;
      for (let page = 0; url && page < (options.maxPages ?? defaultMaxPages); page++) {
        const bundle: Bundle = await get<Bundle>(url);
        for (const entry of bundle.entry ?? []) {
          if (!entry.resource) continue;
          if (entry.search?.mode !== 'include' && entry.resource.resourceType === type) matches.push(entry.resource as T);
          else included.push(entry.resource);
        }
        const next = bundle.link?.find((link) => link.relation === 'next')?.url;
        // Only the facade's own cursors are followed: a link anywhere else is never fetched with the token.
        url = next?.startsWith(`${deps.fhirBase}?_cursor=`) ? next : undefined;
      }
      return { matches, included, complete: url === undefined };
    },
  };
}
