/**
 * The FHIR facade at /fhir: public discovery (SMART configuration, CapabilityStatement), and every
 * other request through the enforcement pipeline (pipeline.ts). Every request, allowed or denied,
 * is audited before the answer is released; if the audit cannot be written, PHI is not released
 * (DESIGN.md security model 10). Refusals are OperationOutcomes whose text is in the caller's
 * language (Accept-Language, Spanish by default like the rest of the portal; DESIGN.md: Spanish and
 * English everywhere, errors included).
 */
import { Router, type Request, type Response } from 'express';
import type { OperationOutcome, OperationOutcomeIssue } from '@medplum/fhirtypes';
import { fhirAccessAuditEvent } from '../core/fhir/audit-event.ts';
import type { Logger } from '../core/log.ts';
import type { Db } from '../store/db.ts';
import { createAuditBatcher } from '../store/audit-batch.ts';
import type { GrantUsage } from '../store/grant-usage.ts';
import { smartConfiguration } from '../auth/smart-configuration.ts';
import { clientAddress } from '../http/client-address.ts';
import { capabilityStatement } from './capability-statement.ts';
import { createCursorCodec } from './cursors.ts';
import type { Upstream } from './upstream.ts';
import { FacadeError, facadeUnauthenticated as unauthenticated } from './facade-error.ts';
import { runFacade, type Exchange } from './pipeline.ts';
import { authenticateBearer } from '../auth/bearer.ts';
import { createCheckedTokens } from '../auth/checked-tokens.ts';
import { auditedPatients } from './audited-patient.ts';
import { rawBinaryContent, wantsBinaryResource } from './binary-content.ts';
import { negotiateLocale } from '../core/i18n/translate.ts';
import type { Binary, Resource } from '@medplum/fhirtypes';
import type { Principal } from '../access/principal.ts';
import type { MinorsPolicy } from '../access/minors.ts';
import { proxyGrantedAt } from '../store/family.ts';
import { fhirCreateAuditEvent } from '../core/fhir/create-audit-event.ts';
import { defaultMessagingPolicy, maxWriteBodyBytes, runCreate, type CreateExchange, type MessagingPolicy } from './create-pipeline.ts';

export interface FhirFacadeDeps {
  readonly db: Db;
  /** The clock of the minors policy (a birthday is decided on every request); real time unless a test moves it. */
  readonly now?: () => Date;
  readonly fhirBase: string;
  readonly upstreamBase: string;
  readonly publicUrl: URL;
  /** The facade's client for HAPI (src/fhir/upstream.ts), owned by the composition root. */
  readonly upstream: Upstream;
  readonly cursorSecret: string;
  readonly portalName: string;
  readonly log: Logger;
  readonly grantUsage: GrantUsage;
  /** Whether RFC 7591 dynamic registration is open (discovery then names its endpoint). */
  readonly registration: boolean;
  /** The practice's IANA time zone (`$everything`'s `start`/`end` are practice-local days). */
  readonly timeZone: string;
  /** Topics, pools and answer time of secure messages (config.messages), for the write path's routing Task. */
  readonly messaging?: MessagingPolicy;
  /** The practice's minors policy (config.minors): proxies of adolescents do not receive confidential resources. */
  readonly minors?: MinorsPolicy;
  /** How long the write path waits before taking over an Idempotency-Key whose replica died mid-write (create-pipeline.ts). */
  readonly staleClaimMs?: number;
}

/**
 * The request body, read up to `limit` bytes; `undefined` when it is larger (the write path then answers 413).
 * Called by the write pipeline only after the token and scope checks (create-pipeline.ts readJsonBody).
 */
async function readBody(req: Request, limit: number): Promise<Buffer | undefined> {
  const chunks: Buffer[] = [];
  let size = 0;
  let tooLarge = false;
  for await (const chunk of req as AsyncIterable<Buffer>) {
    size += chunk.length;
    if (size > limit) tooLarge = true;
    else chunks.push(chunk);
  }
  return tooLarge ? undefined : Buffer.concat(chunks);
}

/** A refusal as an OperationOutcome, its text in the language the caller asked for (RFC 9110 §12.5.4). */
function outcome(req: Request, res: Response, failure: FacadeError): void {
  const locale = negotiateLocale(req.get('accept-language'));
  const code: OperationOutcomeIssue['code'] = failure.issueCode;
  res
    .status(failure.status)
    .type('application/fhir+json')
    .set('Cache-Control', 'no-store')
    .set('Content-Language', locale)
    .vary('Accept-Language')
    .json({ resourceType: 'OperationOutcome', issue: [{ severity: 'error', code, details: { text: failure.textIn(locale) } }] } satisfies OperationOutcome);
}

/**
 * Patients' birth dates as HAPI records them, for the minors policy: read once per patient and kept ten minutes
 * per replica (a birth date is corrected rarely; a birthday is decided by the clock on every request).
 */
function birthDates(deps: Pick<FhirFacadeDeps, 'upstream' | 'upstreamBase'>): (patient: string) => Promise<string | undefined> {
  const kept = new Map<string, { birthDate: string | undefined; until: number }>();
  return async (patient) => {
    const hit = kept.get(patient);
    if (hit && hit.until > Date.now()) return hit.birthDate;
    const record = (await deps.upstream.get(`${deps.upstreamBase}/Patient/${encodeURIComponent(patient)}`)) as { resourceType?: string; birthDate?: string };
    const birthDate = record.resourceType === 'Patient' ? record.birthDate : undefined;
    if (kept.size > 10_000) kept.clear();
    kept.set(patient, { birthDate, until: Date.now() + 600_000 });
    return birthDate;
  };
}

/** When each account's proxy access to a patient began (for the end at 18), kept ten minutes per replica like the birth dates. */
function grantTimes(deps: Pick<FhirFacadeDeps, 'db'>): (accountId: string, patient: string) => Promise<Date | undefined> {
  const kept = new Map<string, { at: Date | undefined; until: number }>();
  return async (accountId, patient) => {
    const key = `${accountId} ${patient}`;
    const hit = kept.get(key);
    if (hit && hit.until > Date.now()) return hit.at;
    const at = await proxyGrantedAt(deps.db, accountId, `Patient/${patient}`);
    if (kept.size > 10_000) kept.clear();
    kept.set(key, { at, until: Date.now() + 600_000 });
    return at;
  };
}

/** Whether two checks of one token allow the same data (a family member's Consent parts and hidden conversations, and who acts). */
const samePermits = (a: Principal, b: Principal): boolean =>
  a.fhirUser === b.fhirUser &&
  (a.consentParts ?? []).join(' ') === (b.consentParts ?? []).join(' ') &&
  !a.consentParts === !b.consentParts &&
  (a.hiddenThreads ?? []).join(' ') === (b.hiddenThreads ?? []).join(' ');

/** A read or search as the facade takes it, whether it came over HTTP or from one of the portal's own pages. */
export interface FacadeReadRequest {
  readonly method: string;
  /** The path under /fhir ("/Patient/123", "/" for a paging cursor). */
  readonly path: string;
  readonly rawQuery: string;
  readonly authorization: string | undefined;
  readonly accept: string | undefined;
  /** Who asked, for the AuditEvent: the HTTP client, or the browser behind a portal page. */
  readonly clientAddress: string;
}

/** The answer: the resource to release (and the Accept it was computed for), or the refusal. */
export type FacadeReadAnswer = { readonly body: Resource; readonly accept: string | undefined; readonly failure?: undefined } | { readonly failure: FacadeError };

export interface FhirFacade {
  readonly router: Router;
  readonly read: (request: FacadeReadRequest) => Promise<FacadeReadAnswer>;
}

export function createFhirFacade(deps: FhirFacadeDeps): FhirFacade {
  const router = Router();
  const cursors = createCursorCodec(deps.cursorSecret);
  // Concurrent requests' AuditEvents share a statement; each response still waits for its own to commit.
  const audit = createAuditBatcher(deps.db);
  // Token answers kept while the access epoch stands still; the audit write below has the last word.
  const checked = createCheckedTokens();
  const facade = {
    db: deps.db,
    fhirBase: deps.fhirBase,
    upstreamBase: deps.upstreamBase,
    upstream: deps.upstream,
    cursors,
    grantUsage: deps.grantUsage,
    checked,
    timeZone: deps.timeZone,
    ...(deps.minors ? { minors: { policy: deps.minors, birthDateOf: birthDates(deps), grantedAt: grantTimes(deps), ...(deps.now ? { now: deps.now } : {}) } } : {}),
  };

  // Browser apps on other origins call the facade with bearer tokens (never cookies), so any origin may;
  // preflights are answered here and never reach the pipeline.
  router.use((req, res, next) => {
    res.set('Access-Control-Allow-Origin', '*').set('Access-Control-Expose-Headers', 'Location, ETag');
    if (req.method !== 'OPTIONS') return next();
    res
      .set('Access-Control-Allow-Methods', 'GET, POST')
      .set('Access-Control-Allow-Headers', 'Authorization, Accept, Content-Type, Idempotency-Key')
      .set('Access-Control-Max-Age', '600')
      .status(204)
      .end();
  });

  // Discovery is public and read by apps running in browsers on other origins (SMART App Launch 2.2 requires CORS here).
  router.get('/.well-known/smart-configuration', (_req, res) => {
    res
      .set('Access-Control-Allow-Origin', '*')
      .set('Cache-Control', 'public, max-age=300')
      .json(smartConfiguration(deps.publicUrl, { registration: deps.registration }));
  });
  router.get('/metadata', (_req, res) => {
    res.set('Access-Control-Allow-Origin', '*').type('application/fhir+json').json(capabilityStatement(deps.publicUrl));
  });

  // The BALP AuditEvents of one facade request: one per patient whose data it touched (none known: one without).
  const accessEvents = (exchange: Exchange, request: FacadeReadRequest, failure: FacadeError | undefined) => {
    const principal = exchange.principal;
    const model = exchange.model;
    const patients: readonly (string | undefined)[] = principal ? auditedPatients(exchange, [deps.fhirBase, deps.upstreamBase]) : [];
    return (patients.length ? patients : [undefined]).map((patient) =>
      fhirAccessAuditEvent({
        interaction: model?.interaction === 'read' ? 'read' : model ? 'search-type' : 'unknown',
        outcome: !failure ? '0' : failure.status >= 500 ? '8' : '4',
        ...(principal?.fhirUser ? { actor: principal.fhirUser } : {}),
        ...(principal
          ? { clientId: principal.clientId, ...(principal.accountId ? { accountId: principal.accountId } : {}), ...(patient ? { patient: `Patient/${patient}` } : {}) }
          : {}),
        request: `${request.method} ${request.path}${request.rawQuery ? `?${request.rawQuery}` : ''}`,
        clientAddress: request.clientAddress,
        portalName: deps.portalName,
      }),
    );
  };

  /**
   * The write path (create-pipeline.ts): every method other than GET/HEAD. Audited before the answer is
   * released, allowed or refused; if the audit cannot be written the client gets 503 (the Provenance written
   * with the resource keeps a completed write attributable).
   */
  const write = async (req: Request, res: Response) => {
    const queryIndex = req.originalUrl.indexOf('?');
    const rawQuery = queryIndex >= 0 ? req.originalUrl.slice(queryIndex + 1) : '';
    const headers: Record<string, string | undefined> = {};
    for (const [name, value] of Object.entries(req.headers)) headers[name] = Array.isArray(value) ? value.join(',') : value;
    let bodyRead = false;
    const exchange: CreateExchange = {
      method: req.method,
      path: req.path,
      rawQuery,
      authorization: req.get('authorization'),
      headers,
      readBody: () => {
        bodyRead = true;
        return readBody(req, maxWriteBodyBytes);
      },
    };
    let result: Resource | undefined;
    let failure: FacadeError | undefined;
    try {
      result = await runCreate({ ...facade, messaging: deps.messaging ?? defaultMessagingPolicy, ...(deps.staleClaimMs ? { staleClaimMs: deps.staleClaimMs } : {}) }, exchange);
    } catch (error) {
      failure = error instanceof FacadeError ? error : new FacadeError(503, 'transient', 'transient', 'facade.request_failed');
      if (!(error instanceof FacadeError)) deps.log.error({ errorClass: (error as Error)?.name }, 'facade write failed');
    }
    const principal = exchange.principal;
    try {
      // The write has happened (or not) whatever the access epoch now says, so it is recorded unconditionally.
      await audit.record(
        fhirCreateAuditEvent({
          outcome: !failure ? '0' : failure.status >= 500 ? '8' : '4',
          ...(principal?.fhirUser ? { actor: principal.fhirUser } : {}),
          ...(principal ? { clientId: principal.clientId, accountId: principal.accountId } : {}),
          ...(principal?.patient ? { patient: `Patient/${principal.patient}` } : {}),
          ...(!failure && exchange.location ? { created: exchange.location, message: exchange.communication?.shape === 'message' && !exchange.replayed } : {}),
          request: `${req.method} ${req.path}${rawQuery ? `?${rawQuery}` : ''}`,
          clientAddress: clientAddress(req),
          portalName: deps.portalName,
        }),
      );
    } catch {
      return outcome(req, res, new FacadeError(503, 'transient', 'transient', 'facade.audit_failed'));
    }
    if (failure) {
      if (failure.status === 401) res.set('WWW-Authenticate', 'Bearer error="invalid_token"');
      if (failure.status === 405) res.set('Allow', 'POST');
      // Refused before its body was read: the connection is closed after the answer, so the rest of an upload is not taken in.
      if (!bodyRead && !req.complete) res.set('Connection', 'close');
      return outcome(req, res, failure);
    }
    res.status(201).setHeader('Content-Type', 'application/fhir+json; charset=utf-8');
    res.setHeader('Cache-Control', 'no-store');
    res.setHeader('Location', `${deps.fhirBase}/${exchange.location}`);
    res.end(JSON.stringify(result));
  };

  /**
   * A read or search (GET/HEAD) answered: the pipeline, then the audit before anything is released, with the
   * token checked again if access changed meanwhile. Served over HTTP below and in-process to the portal's own
   * pages (FhirFacade.read), so both take exactly the same checks and leave the same trail.
   */
  const read = async (request: FacadeReadRequest): Promise<FacadeReadAnswer> => {
    const fresh = (): Exchange => ({ method: request.method, path: request.path, rawQuery: request.rawQuery, authorization: request.authorization, accept: request.accept });
    let exchange = fresh();
    let body: Resource | undefined;
    let failure: FacadeError | undefined;
    try {
      body = await runFacade(facade, exchange);
    } catch (error) {
      failure = error instanceof FacadeError ? error : new FacadeError(503, 'transient', 'transient', 'facade.request_failed');
      if (!(error instanceof FacadeError)) deps.log.error({ errorClass: (error as Error)?.name }, 'facade request failed');
    }
    // Audit before release, and only while access is what the token was checked at (security model 8, 10).
    try {
      let write = await audit.record(accessEvents(exchange, request, failure), exchange.principal?.accessEpoch);
      checked.observeEpoch(write.epoch);
      for (let attempt = 0; !write.written; attempt++) {
        // Something that can end access was written since this token was checked (a revocation, a
        // deactivation, a revoked link — here or on another replica): check again before anything leaves.
        if (attempt === 3) throw new Error('access kept changing while the request was audited');
        const principal = await authenticateBearer(facade, exchange.authorization, { recheck: true });
        const before = exchange.principal;
        if (!principal || principal.patient !== before?.patient || principal.clientId !== before?.clientId || principal.staff !== before?.staff) {
          // The token died (or no longer means what the answer was computed for): nothing is released, and the
          // trail says so, without an agent like any dead token.
          exchange.principal = undefined;
          body = undefined;
          failure = unauthenticated();
        } else if (!samePermits(principal, before)) {
          // What the family member's Consent permits changed since the answer was computed (narrowed or widened):
          // the answer is computed again under the Consent as it stands now; nothing of the old one leaves.
          exchange = fresh();
          body = undefined;
          failure = undefined;
          try {
            body = await runFacade(facade, exchange);
          } catch (error) {
            failure = error instanceof FacadeError ? error : new FacadeError(503, 'transient', 'transient', 'facade.request_failed');
          }
        } else {
          exchange.principal = principal;
        }
        write = await audit.record(accessEvents(exchange, request, failure), exchange.principal?.accessEpoch);
        checked.observeEpoch(write.epoch);
      }
    } catch {
      return { failure: new FacadeError(503, 'transient', 'transient', 'facade.audit_failed') };
    }
    return failure ? { failure } : { body: body!, accept: exchange.accept };
  };

  router.all('/{*path}', async (req: Request, res: Response) => {
    if (req.method !== 'GET' && req.method !== 'HEAD') return write(req, res);
    const queryIndex = req.originalUrl.indexOf('?');
    const answer = await read({
      method: req.method,
      path: req.path,
      rawQuery: queryIndex >= 0 ? req.originalUrl.slice(queryIndex + 1) : '',
      authorization: req.get('authorization'),
      accept: req.get('accept'),
      clientAddress: clientAddress(req),
    });
    if (answer.failure) {
      if (answer.failure.status === 401) res.set('WWW-Authenticate', 'Bearer error="invalid_token"');
      return outcome(req, res, answer.failure);
    }
    const body = answer.body;
    // A Binary read without a FHIR format in Accept answers the content itself (FHIR R4 http.html#binary).
    if (body.resourceType === 'Binary' && !wantsBinaryResource(answer.accept)) {
      const raw = rawBinaryContent(body as Binary);
      for (const [name, value] of Object.entries(raw.headers)) res.setHeader(name, value);
      return res.status(200).end(raw.body);
    }
    // Serialised once and sent as is: no ETag hashing of a no-store body, no second pass through res.json.
    res.status(200).setHeader('Content-Type', 'application/fhir+json; charset=utf-8');
    res.setHeader('Cache-Control', 'no-store');
    res.end(JSON.stringify(body));
  });
  return { router, read };
}
