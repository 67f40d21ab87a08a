/**
 * How the web app reads the record: through the public /fhir facade with the session's own access
 * token, exactly like a third-party SMART app (no side door to HAPI). Tokens are refreshed shortly
 * before they expire; a refused token ends the session.
 */
import type { Request, Response } from 'express';
import type { Resource } from '@medplum/fhirtypes';
import { AppError } from '../core/errors.ts';
import type { SessionManager } from './session.ts';
import type { TokenSet, WebClient } from './web-client.ts';

export class SignInRequired extends Error {}

export interface RecordClient {
  readonly patient: string;
  read<T extends Resource>(path: string): Promise<T>;
}

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
      tokens = await deps.webClient.refresh(tokens.refreshToken, tokens.accountId);
    } catch {
      await deps.sessions.end(req, res, session);
      throw new SignInRequired();
    }
    await deps.sessions.save(session, { ...session.data, tokens });
  }
  const accessToken = tokens.accessToken;
  return {
    patient: tokens.patient!,
    async read<T extends Resource>(path: string): Promise<T> {
      const response = await fetch(`${deps.fhirBase}/${path}`, {
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
    },
  };
}
