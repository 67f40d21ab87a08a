/**
 * The signed-in visitor's record client: the web app's own tokens, kept server-side in the session
 * (backend-for-frontend), refreshed shortly before they expire. A refused token or a failed refresh
 * ends the session, and the visitor is asked to sign in again.
 */
import type { Request, Response } from 'express';
import type { Dispatcher } from 'undici';
import { SignInRequired } from '../core/errors.ts';
import type { SessionManager } from '../http/session.ts';
import { clientAddress } from '../http/client-address.ts';
import { facadeDecision } from '../http/request-metrics.ts';
import type { FhirFacade } from '../fhir/router.ts';
import type { Metrics } from '../store/metrics.ts';
import { createRecordClient, type InProcessFacade, type RecordClient, type RecordClientOptions } from '../record/record-client.ts';
import { createRecordWriter, type RecordWriter } from '../record/record-writer.ts';
import type { TokenSet, WebClient } from './web-client.ts';

export interface RecordSessionDeps {
  readonly sessions: SessionManager;
  readonly webClient: WebClient;
  readonly fhirBase: string;
  readonly timeoutMs: number;
  /** The portal's HTTP connection pool (made by the composition root). */
  readonly http: Dispatcher;
  /**
   * The facade of this process: the pages' reads are answered by it directly, through the same pipeline and
   * audit an app's request takes, counted in the same facade-decision metric. Without it they go over HTTP.
   */
  readonly facade?: { readonly read: FhirFacade['read']; readonly metrics?: Pick<Metrics, 'facadeDecisions'> };
}

/** The facade's read path bound to one page request: its visitor's address is the one audited. */
function inProcessFacade(req: Request, facade: NonNullable<RecordSessionDeps['facade']>): InProcessFacade {
  return async ({ path, rawQuery, authorization }) => {
    const answer = await facade.read({ method: 'GET', path, rawQuery, authorization, accept: 'application/fhir+json', clientAddress: clientAddress(req) });
    const status = answer.failure ? answer.failure.status : 200;
    facade.metrics?.facadeDecisions.inc({ method: 'GET', decision: facadeDecision(status) });
    return answer.failure ? { status } : { status, resource: answer.body };
  };
}

export async function recordClientFor(req: Request, res: Response, deps: RecordSessionDeps): Promise<RecordClient> {
  return createRecordClient(await sessionClientOptions(req, res, deps));
}

export interface SessionRecord {
  readonly record: RecordClient;
  readonly writer: RecordWriter;
  /** Who reads and writes: the token's fhirUser (Patient/…, RelatedPerson/…), else its patient. */
  readonly reader: string;
  /** The session's signed-in account, from the same session load (no second store query). */
  readonly accountId: string;
}

/** The same session's token for the facade's write path (secure messages): a reader and a writer on one token. */
export async function recordWriterFor(req: Request, res: Response, deps: RecordSessionDeps): Promise<SessionRecord> {
  const { options, accountId } = await sessionClient(req, res, deps);
  return { record: createRecordClient(options), writer: createRecordWriter(options), reader: options.fhirUser ?? `Patient/${options.patient}`, accountId };
}

async function sessionClientOptions(req: Request, res: Response, deps: RecordSessionDeps): Promise<RecordClientOptions> {
  return (await sessionClient(req, res, deps)).options;
}

async function sessionClient(req: Request, res: Response, deps: RecordSessionDeps): Promise<{ options: RecordClientOptions; accountId: string }> {
  const session = await deps.sessions.load(req);
  let tokens = session?.data['tokens'] as TokenSet | undefined;
  if (!session?.accountId || !tokens?.patient) throw new SignInRequired();
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
  const options: RecordClientOptions = {
    fhirBase: deps.fhirBase,
    accessToken: tokens.accessToken,
    patient: tokens.patient!,
    fhirUser: tokens.fhirUser,
    timeoutMs: deps.timeoutMs,
    dispatcher: deps.http,
    inProcess: deps.facade ? inProcessFacade(req, deps.facade) : undefined,
    onUnauthorized: () => deps.sessions.end(req, res, session),
  };
  return { options, accountId: session.accountId };
}
