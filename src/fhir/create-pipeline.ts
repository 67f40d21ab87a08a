/**
 * The facade's write path (DESIGN.md "The facade's write path"): `POST [base]/Communication` (secure
 * messages, docs/messages.md) and `POST [base]/Binary` (their attachments), create only. A write is
 * checked like a read and then more: the body is a second request model, each element either has a rule
 * or is refused, who and whom are the token's, and the facade writes one HAPI transaction of its own
 * making (the target + its Provenance, + the routing Task for a new conversation). Auditing wraps it
 * (router.ts): every create, allowed or refused, is audited before the answer is released.
 */
import { createHash, randomUUID } from 'node:crypto';
import type { Binary, Bundle, BundleEntry, Communication, OperationOutcome, Patient, Practitioner, Provenance, Reference, RelatedPerson, Resource, Task } from '@medplum/fhirtypes';
import { authenticateBearer } from '../auth/bearer.ts';
import type { Principal } from '../access/principal.ts';
import { isInPatientCompartment } from '../access/compartment-membership.ts';
import { parsePatientScopes, type PatientScopes } from '../access/scopes.ts';
import { consentPermits, hiddenThreadsOf, inHiddenThread, narrowScopesToConsent } from '../access/family-access.ts';
import { isFhirId } from '../core/fhir/ids.ts';
import {
  addBusinessDays,
  categoryCoding,
  conversationLabels,
  messageCategoryOf,
  messagePoolSystem,
  messageReadBySystem,
  messageTopicSystem,
  writeKeySystem,
} from '../core/fhir/messages.ts';
import {
  claimIdempotencyKey,
  completeIdempotencyKey,
  releaseIdempotencyKey,
  restampIdempotencyKey,
  takeOverStaleIdempotencyKey,
  type HeldIdempotencyKey,
  type IdempotencyOwner,
} from '../store/write-idempotency.ts';
import { parseCommunicationBody, storedAttachment, type ParsedCommunication } from './communication-body.ts';
import { parseBinaryBody } from './binary-body.ts';
import { FacadeError, facadeUnauthenticated as unauthenticated } from './facade-error.ts';
import type { FacadeDeps } from './pipeline.ts';
import { threadBases } from './pipeline.ts';
import { applyMinorsPolicy, withheldFrom as withheld } from './minors-decision.ts';
import { binaryNamedAnywhere } from './binary-access.ts';

/** How conversations are routed and when an answer is due (config.messages), for the routing Task of a new conversation. */
export interface MessagingPolicy {
  /** Topic code → pool code (Task.performerType). Only these topics may start a conversation. */
  readonly topicPools: ReadonlyMap<string, string>;
  /** Business days within which the practice usually answers (Task.restriction.period.end). */
  readonly answerBusinessDays: number;
}

export const defaultMessagingPolicy: MessagingPolicy = {
  topicPools: new Map([
    ['doctor', 'care-team'],
    ['appointments', 'front-desk'],
    ['refill', 'care-team'],
    ['results', 'care-team'],
    ['other', 'front-desk'],
  ]),
  answerBusinessDays: 2,
};

export interface CreateDeps extends FacadeDeps {
  readonly messaging: MessagingPolicy;
  readonly now?: () => Date;
  /**
   * After how long a key still 'pending' is taken to belong to a replica that died mid-write (longer than the
   * write's FHIR transaction may take: config.fhir.writeClaimStaleMs, from FHIR_TIMEOUT_MS). Default two minutes.
   */
  readonly staleClaimMs?: number;
}

export interface CreateExchange {
  readonly method: string;
  readonly path: string;
  readonly rawQuery: string;
  readonly authorization: string | undefined;
  /** The request's headers, lower-case names. */
  readonly headers: Readonly<Record<string, string | undefined>>;
  /**
   * Reads the request body, up to maxWriteBodyBytes (`undefined` when larger). Called only once the writer is
   * authenticated and scoped (`readJsonBody`), so an anonymous client cannot make the portal buffer a large body.
   */
  readonly readBody: () => Promise<Buffer | undefined>;
  principal?: Principal;
  /** A family member of an adolescent: a conversation labelled confidential is refused like a missing one (issue 13 point 5). */
  hideConfidential?: boolean;
  type?: 'Communication' | 'Binary';
  json?: unknown;
  scopes?: PatientScopes;
  communication?: ParsedCommunication;
  binary?: { readonly contentType: string; readonly data: string };
  /** The thread header a message is posted into, as HAPI holds it. */
  header?: Communication;
  /** The header's routing Task, when the message moves the answer's due date. */
  task?: Task;
  target?: Communication | Binary;
  /** The Idempotency-Key this request holds, with the stamp it last set (write-idempotency.ts). */
  idempotency?: HeldIdempotencyKey;
  /** `Type/id/_history/vid` of the created resource (on the facade's base when answered). */
  location?: string;
  /** A completed idempotency key: the earlier create's answer is given again, nothing is written. */
  replayed?: boolean;
  response?: Resource;
}

type Step = (deps: CreateDeps, exchange: CreateExchange) => Promise<void> | void;

const writableTypes: ReadonlySet<string> = new Set(['Communication', 'Binary']);
const conditionalHeaders = ['if-none-exist', 'if-match', 'if-none-match', 'if-modified-since', 'if-unmodified-since'];
const idempotencyKeyPattern = /^[A-Za-z0-9_-]{8,100}$/;
/** The largest body accepted: a 10 MB attachment as base64 in a Binary, with room for the JSON around it. */
export const maxWriteBodyBytes = 14_500_000;

const refuse = (status: number, key: ConstructorParameters<typeof FacadeError>[3], code: 'invalid' | 'not-supported' | 'forbidden' | 'conflict' = 'invalid'): never => {
  throw new FacadeError(status, code === 'conflict' ? 'conflict' : code, code === 'conflict' ? 'invalid' : code, key);
};

/** RFC 6750, as for reads; a write needs a person acting for a patient (security model 7): backend clients never write. */
const authenticate: Step = async (deps, exchange) => {
  const principal = await authenticateBearer(deps, exchange.authorization);
  if (!principal) throw unauthenticated();
  if (principal.kind !== 'user' || !principal.patient) refuse(403, 'facade.no_patient_context', 'forbidden');
  const author = principal.fhirUser ?? '';
  // The author is the principal from fhirUser: the Patient, the proxy's RelatedPerson, or a staff member's Practitioner.
  const authorOk = /^(Patient|RelatedPerson)\/[A-Za-z0-9\-.]{1,64}$/.test(author) || (principal.staff === true && /^Practitioner\/[A-Za-z0-9\-.]{1,64}$/.test(author));
  if (!authorOk) refuse(403, 'facade.write_needs_person', 'forbidden');
  exchange.principal = principal;
};

/**
 * Security model 1 for writes: `POST [type]` only, no id, no query (so no conditional URL), no conditional
 * headers, no client Provenance, JSON only. Batch/transaction (`POST [base]`), `_search` by POST,
 * `_history`, operations and every other method are refused here, from the request line and headers alone.
 */
const parseRequestLine: Step = (_deps, exchange) => {
  if (/%2f|%5c|\\|\/\.\.?(\/|$)|\/\//i.test(exchange.path)) refuse(400, 'facade.path_invalid');
  const segments = exchange.path.split('/').filter(Boolean);
  if (exchange.method !== 'POST') refuse(405, 'facade.write_method_unsupported', 'not-supported');
  if (segments.length === 0) refuse(400, 'facade.batch_unavailable', 'not-supported');
  if (segments.length > 1) refuse(400, 'facade.path_operations_unavailable', 'not-supported');
  const type = segments[0]!;
  if (!writableTypes.has(type)) refuse(405, 'facade.type_not_writable', 'not-supported');
  if (exchange.rawQuery !== '') refuse(400, 'facade.conditional_unavailable', 'not-supported');
  for (const name of conditionalHeaders) if (exchange.headers[name] !== undefined) refuse(400, 'facade.conditional_unavailable', 'not-supported');
  if (exchange.headers['x-provenance'] !== undefined) refuse(400, 'facade.x_provenance_unavailable', 'not-supported');
  const contentType = (exchange.headers['content-type'] ?? '').split(';')[0]!.trim().toLowerCase();
  if (contentType !== 'application/fhir+json' && contentType !== 'application/json') refuse(415, 'facade.json_only', 'not-supported');
  const key = exchange.headers['idempotency-key'];
  if (key !== undefined && !idempotencyKeyPattern.test(key)) refuse(400, 'facade.idempotency_key_invalid');
  exchange.type = type as 'Communication' | 'Binary';
};

/**
 * The body is read only now, for a live writer with the write scope: before, a refusal (401, 403, 405 …) is
 * answered without reading it. Larger than maxWriteBodyBytes → 413; JSON parsed once.
 */
const readJsonBody: Step = async (_deps, exchange) => {
  const body = await exchange.readBody();
  if (body === undefined) throw new FacadeError(413, 'too-costly', 'invalid', 'facade.body_too_large');
  try {
    exchange.json = JSON.parse(body.toString('utf8'));
  } catch {
    refuse(400, 'facade.body_invalid');
  }
};

/** SMART App Launch 2.2: `patient/Communication.c` (v2; `cr`, `cruds` …) or `.write` (v1). A Binary is an attachment of a message: the Communication scope decides. */
const checkWriteScope: Step = (_deps, exchange) => {
  const principal = exchange.principal!;
  // A family member's limited Consent narrows the scopes for writing exactly as for reading (src/access/family-access.ts):
  // messages are not one of the parts a limited Consent can open, so only a family member with everything may write.
  const scopes = narrowScopesToConsent(parsePatientScopes(principal.scopes, 'patient'), consentPermits(principal));
  exchange.scopes = scopes;
  if (!scopes.allowed('Communication', 'create')) throw new FacadeError(403, 'forbidden', 'forbidden', 'facade.scope_denied', { type: exchange.type! });
};

/** Habit 5: the per-type element allow-list; `id`, `meta`, `text` dropped, anything unknown refused. */
const parseBodyAgainstAllowList: Step = (deps, exchange) => {
  if (exchange.type === 'Binary') {
    exchange.binary = parseBinaryBody(exchange.json);
    return;
  }
  exchange.communication = parseCommunicationBody(exchange.json, [deps.fhirBase], new Set(deps.messaging.topicPools.keys()));
};

/** Who and whom are the token's: another patient or author named → 403 (the same whether or not they exist); absent → filled in. */
const forceSubjectAndAuthor: Step = (_deps, exchange) => {
  const parsed = exchange.communication;
  if (!parsed) return;
  const principal = exchange.principal!;
  if (parsed.subject !== undefined && parsed.subject !== `Patient/${principal.patient}`) refuse(403, 'facade.subject_forbidden', 'forbidden');
  if (parsed.sender !== undefined && parsed.sender !== principal.fhirUser) refuse(403, 'facade.sender_forbidden', 'forbidden');
};

/** Reads one resource from HAPI; missing (or anything unexpected) is `undefined`, so "not there" and "not yours" are decided alike. */
async function upstreamRead<T extends Resource>(deps: CreateDeps, path: string): Promise<T | undefined> {
  try {
    return (await deps.upstream.get(`${deps.upstreamBase}/${path}`)) as T;
  } catch (error) {
    if (error instanceof FacadeError && error.status === 404) return undefined;
    throw error;
  }
}

/**
 * A Binary may be attached to a new message only once, by whoever uploaded it (docs/messages.md "attachments"): it
 * is this patient's (securityContext) and of the stated type, the facade's own Provenance for it names this
 * principal as its author, and no message or document names it yet. A Binary opens for anyone who may read a
 * resource naming it (binary-access.ts), so naming a Binary that another conversation or a document already names
 * — one kept from this family member, or an adolescent's confidential one — would hand it over. Every failure is
 * the same refusal as another patient's or a missing Binary.
 */
async function attachableBy(deps: CreateDeps, principal: Principal, attachment: ParsedCommunication['attachments'][number]): Promise<boolean> {
  const binary = await upstreamRead<Binary>(deps, `Binary/${attachment.binary}`);
  if (binary?.resourceType !== 'Binary' || binary.securityContext?.reference !== `Patient/${principal.patient}` || binary.contentType !== attachment.contentType) return false;
  const provenances = (await deps.upstream.get(`${deps.upstreamBase}/Provenance?${new URLSearchParams({ target: `Binary/${attachment.binary}`, _count: '10' })}`)) as Bundle;
  const uploaded = (provenances.entry ?? []).some(({ resource }) => {
    const provenance = resource as Provenance | undefined;
    return (
      provenance?.resourceType === 'Provenance' &&
      provenance.target?.some((target) => target.reference?.replace(/\/_history\/.*$/, '') === `Binary/${attachment.binary}`) &&
      provenance.agent?.some((agent) => agent.who?.reference === principal.fhirUser)
    );
  });
  return uploaded && !(await binaryNamedAnywhere(deps, attachment.binary));
}

/**
 * A message goes only into a thread header of the token's own patient (security model 6: posting into
 * another patient's thread, or one that does not exist, gets the same 403); a closed one is refused (409);
 * `inResponseTo` must be a message of the same thread, and every attachment a Binary the facade stored for
 * this patient.
 */
const checkThread: Step = async (deps, exchange) => {
  const parsed = exchange.communication;
  if (parsed?.shape !== 'message') return;
  const patientRef = `Patient/${exchange.principal!.patient}`;
  const header = await upstreamRead<Communication>(deps, `Communication/${parsed.thread}`);
  const ours =
    header?.resourceType === 'Communication' &&
    header.id === parsed.thread &&
    !header.partOf?.length &&
    messageCategoryOf(header) === 'thread' &&
    header.subject?.reference === patientRef &&
    // A conversation the patient keeps from this family member (issue #14 point 4) is refused like another patient's.
    !inHiddenThread(header, hiddenThreadsOf(exchange.principal!), threadBases(deps));
  if (!ours) refuse(403, 'facade.thread_refused', 'forbidden');
  // An adolescent's confidential conversation is refused to their parent exactly like another patient's or a missing one.
  if (withheld(deps, exchange, header!)) refuse(403, 'facade.thread_refused', 'forbidden');
  if (header!.status !== 'in-progress') refuse(409, 'facade.thread_closed', 'conflict');
  exchange.header = header!;
  if (parsed.inResponseTo) {
    const answered = await upstreamRead<Communication>(deps, `Communication/${parsed.inResponseTo}`);
    const sameThread =
      answered?.resourceType === 'Communication' &&
      answered.partOf?.[0]?.reference === `Communication/${parsed.thread}` &&
      answered.subject?.reference === patientRef &&
      !withheld(deps, exchange, answered);
    if (!sameThread) refuse(403, 'facade.thread_refused', 'forbidden');
  }
  for (const attachment of parsed.attachments) {
    if (!(await attachableBy(deps, exchange.principal!, attachment))) refuse(403, 'facade.attachment_refused', 'forbidden');
  }
  // The routing Task: a patient-side message sets the answer's due date when nothing was waiting for an answer.
  const search = (await deps.upstream.get(`${deps.upstreamBase}/Task?focus=Communication/${parsed.thread}&_count=1`)) as Bundle<Task>;
  const task = search.entry?.[0]?.resource;
  if (task?.resourceType === 'Task' && task.for?.reference === patientRef) exchange.task = task;
};

const withLabels = (header: Communication) => {
  const security = conversationLabels(header);
  return security.length ? { security } : {};
};

/** The resource the facade writes, built from the parsed model only (never the client's JSON). */
const buildTarget: Step = (deps, exchange) => {
  const principal = exchange.principal!;
  const now = (deps.now ?? (() => new Date()))().toISOString();
  if (exchange.binary) {
    exchange.target = {
      resourceType: 'Binary',
      contentType: exchange.binary.contentType,
      securityContext: { reference: `Patient/${principal.patient}` },
      data: exchange.binary.data,
    } satisfies Binary;
    return;
  }
  const parsed = exchange.communication!;
  const subject: Reference<Patient> = { reference: `Patient/${principal.patient}` };
  const sender: Reference<Patient | RelatedPerson | Practitioner> = { reference: principal.fhirUser! };
  exchange.target =
    parsed.shape === 'thread'
      ? ({
          resourceType: 'Communication',
          status: 'in-progress',
          category: [{ coding: [categoryCoding('thread')] }],
          subject,
          sender,
          sent: now,
          topic: { coding: [{ system: messageTopicSystem, code: parsed.topicCode! }], text: parsed.subjectLine! },
          ...(parsed.priority ? { priority: parsed.priority } : {}),
          ...(parsed.recipients.length ? { recipient: [...parsed.recipients] } : {}),
        } satisfies Communication)
      : ({
          resourceType: 'Communication',
          status: 'completed',
          category: [{ coding: [categoryCoding('message')] }],
          partOf: [{ reference: `Communication/${parsed.thread}` }],
          ...(parsed.inResponseTo ? { inResponseTo: [{ reference: `Communication/${parsed.inResponseTo}` }] } : {}),
          subject,
          sender,
          sent: now,
          // The server's own read-state tag (docs/messages.md): the author has read what they wrote; and the
          // conversation's security labels, so a message of a confidential conversation is withheld like its header.
          meta: { tag: [{ system: messageReadBySystem, code: principal.fhirUser! }], ...withLabels(exchange.header!) },
          ...(parsed.priority ? { priority: parsed.priority } : {}),
          ...(parsed.recipients.length ? { recipient: [...parsed.recipients] } : {}),
          payload: [{ contentString: parsed.text! }, ...parsed.attachments.map((a) => ({ contentAttachment: storedAttachment(a) }))],
        } satisfies Communication);
};

/** A double submit creates one resource: the key is claimed before HAPI is asked; a completed key answers its first result again. */
const claimIdempotency: Step = async (deps, exchange) => {
  const key = exchange.headers['idempotency-key'];
  if (!key) return;
  const principal = exchange.principal!;
  const owner = { accountId: principal.accountId, clientId: principal.clientId, key };
  // The request as parsed (the model, not the resource built from it), so a replay is recognised before the
  // thread and attachment checks, which a first write changes (an attachment is named once).
  const parsed = exchange.type === 'Binary' ? exchange.binary : exchange.communication;
  const hash = createHash('sha256').update(exchange.path).update('\n').update(JSON.stringify(parsed)).digest('hex');
  const claim = await claimIdempotencyKey(deps.db, owner, hash);
  if (claim.state === 'mismatch') refuse(422, 'facade.idempotency_mismatch');
  if (claim.state === 'done') {
    exchange.location = claim.location;
    exchange.replayed = true;
    return;
  }
  if (claim.state === 'claimed') {
    exchange.idempotency = { ...owner, stamp: claim.stamp };
    return;
  }
  // Pending for longer than a write takes: the replica that claimed it died mid-write (or is still slow before
  // writing: it re-stamps the key just before its transaction and, finding it taken over, writes nothing). Take it
  // over, then ask HAPI whether that attempt landed (its write-key tag) before writing again: nothing lost, nothing twice.
  const stamp = await takeOverStaleIdempotencyKey(deps.db, owner, hash, deps.staleClaimMs ?? 120_000);
  if (stamp === undefined) refuse(409, 'facade.idempotency_pending', 'conflict');
  const held = { ...owner, stamp: stamp! };
  const landed = await createdUnderKey(deps, exchange.type!, owner);
  if (landed) {
    await completeIdempotencyKey(deps.db, held, landed);
    exchange.location = landed;
    exchange.replayed = true;
    return;
  }
  exchange.idempotency = held;
};

/**
 * Just before the transaction: the claim is re-stamped if it is still this request's. The thread and attachment
 * checks between the claim and here may have been slow enough for a retry to take the key over; then this attempt
 * writes nothing (409), and its release in runCreate leaves the retry's claim alone.
 */
async function keepIdempotencyKey(deps: CreateDeps, exchange: CreateExchange): Promise<void> {
  if (!exchange.idempotency) return;
  const kept = await restampIdempotencyKey(deps.db, exchange.idempotency);
  if (!kept) refuse(409, 'facade.idempotency_pending', 'conflict');
  exchange.idempotency = kept;
}

/** The write-key tag of a create under an Idempotency-Key (core/fhir/messages.ts writeKeySystem): per owner and key, nothing readable. */
const writeKeyTag = (owner: IdempotencyOwner) => ({
  system: writeKeySystem,
  code: createHash('sha256').update(`${owner.accountId}\n${owner.clientId}\n${owner.key}`).digest('hex'),
});

/** `Type/id/_history/vid` of the resource an earlier attempt under this key created, if it reached HAPI. */
async function createdUnderKey(deps: CreateDeps, type: 'Communication' | 'Binary', owner: IdempotencyOwner): Promise<string | undefined> {
  const tag = writeKeyTag(owner);
  const query = new URLSearchParams({ _tag: `${tag.system}|${tag.code}`, _count: '1', _elements: 'id' });
  const bundle = (await deps.upstream.get(`${deps.upstreamBase}/${type}?${query}`)) as Bundle;
  const found = bundle.entry?.[0]?.resource;
  return found?.id && isFhirId(found.id) ? `${type}/${found.id}/_history/${found.meta?.versionId ?? '1'}` : undefined;
}

const withTag = <T extends Communication | Binary>(resource: T, tag: { system: string; code: string }): T => ({
  ...resource,
  meta: { ...resource.meta, tag: [...(resource.meta?.tag ?? []), tag] },
});

/** R4 http.html#transaction: the facade's own transaction, target + Provenance (+ the routing Task of a new conversation); both land or neither. */
const forwardAsTransactionWithProvenance: Step = async (deps, exchange) => {
  if (exchange.replayed) return;
  const principal = exchange.principal!;
  const now = (deps.now ?? (() => new Date()))();
  // Under an Idempotency-Key the created resource carries the key's tag, so a retry after a crash can find it.
  const target = exchange.idempotency ? withTag(exchange.target!, writeKeyTag(exchange.idempotency)) : exchange.target!;
  const targetUrl = `urn:uuid:${randomUUID()}`;
  const patientRef = `Patient/${principal.patient}`;
  const onBehalf = principal.fhirUser !== patientRef;
  const provenance: Provenance = {
    resourceType: 'Provenance',
    target: [{ reference: targetUrl }],
    recorded: now.toISOString(),
    activity: { coding: [{ system: 'http://terminology.hl7.org/CodeSystem/v3-DataOperation', code: 'CREATE' }] },
    agent: [
      {
        type: { coding: [{ system: 'http://terminology.hl7.org/CodeSystem/provenance-participant-type', code: 'author' }] },
        who: { reference: principal.fhirUser! },
        ...(onBehalf ? { onBehalfOf: { reference: patientRef } } : {}),
      },
    ],
  };
  const entries: BundleEntry[] = [
    { fullUrl: targetUrl, resource: target, request: { method: 'POST', url: target.resourceType } },
    { resource: provenance, request: { method: 'POST', url: 'Provenance' } },
  ];
  const parsed = exchange.communication;
  const due = addBusinessDays(now, deps.messaging.answerBusinessDays).toISOString();
  if (parsed?.shape === 'thread') {
    const task: Task = {
      resourceType: 'Task',
      status: 'requested',
      intent: 'order',
      businessStatus: { text: 'waiting-for-practice' },
      code: { coding: [categoryCoding('thread')] },
      focus: { reference: targetUrl },
      for: { reference: patientRef },
      authoredOn: now.toISOString(),
      lastModified: now.toISOString(),
      performerType: [{ coding: [{ system: messagePoolSystem, code: deps.messaging.topicPools.get(parsed.topicCode!)! }] }],
      restriction: { period: { end: due } },
    };
    entries.push({ resource: task, request: { method: 'POST', url: 'Task' } });
  } else if (exchange.task && exchange.task.businessStatus?.text !== 'waiting-for-practice') {
    const task: Task = { ...exchange.task, businessStatus: { text: 'waiting-for-practice' }, lastModified: now.toISOString(), restriction: { period: { end: due } } };
    // If-Match: a concurrent change to the Task (staff reassigning it) fails this transaction rather than being overwritten.
    entries.push({ resource: task, request: { method: 'PUT', url: `Task/${task.id}`, ifMatch: `W/"${task.meta?.versionId ?? '1'}"` } });
  }
  await keepIdempotencyKey(deps, exchange);
  const answer: Resource = await deps.upstream.post(deps.upstreamBase, { resourceType: 'Bundle', type: 'transaction', entry: entries } satisfies Bundle);
  const location = (answer as Bundle).entry?.[0]?.response?.location ?? '';
  const match = new RegExp(`^(?:.*/)?(${target.resourceType})/([A-Za-z0-9\\-.]{1,64})/_history/([A-Za-z0-9\\-.]{1,64})$`).exec(location);
  if (answer.resourceType !== 'Bundle' || !match) {
    throw new FacadeError(503, 'transient', 'transient', 'facade.upstream_unexpected');
  }
  exchange.location = `${match[1]}/${match[2]}/_history/${match[3]}`;
  if (exchange.idempotency) await completeIdempotencyKey(deps.db, exchange.idempotency, exchange.location);
};

/**
 * The answer: the created resource only if the token may also read that type and it passes the read's checks
 * (compartment membership; a Binary by its securityContext), else an OperationOutcome. HAPI's ids of the
 * Provenance and Task, its base and its diagnostics never leave.
 */
const verifyCreated: Step = async (deps, exchange) => {
  const [type, id] = exchange.location!.split('/');
  if (!isFhirId(id)) throw new FacadeError(503, 'transient', 'transient', 'facade.upstream_unexpected');
  const patient = exchange.principal!.patient!;
  const created = exchange.scopes!.allowed('Communication', 'read') ? await upstreamRead<Resource>(deps, `${type}/${id}`) : undefined;
  const releasable =
    !!created &&
    created.resourceType === type &&
    created.id === id &&
    (type === 'Binary' ? (created as Binary).securityContext?.reference === `Patient/${patient}` : isInPatientCompartment(created!, patient, { localBases: [deps.fhirBase] }));
  exchange.response = releasable
    ? created
    : ({ resourceType: 'OperationOutcome', issue: [{ severity: 'information', code: 'informational', diagnostics: 'Created.' }] } satisfies OperationOutcome);
};

/** The order is the policy: read it top to bottom. Auditing wraps it (router.ts) so refusals are recorded too. */
export const createSteps: readonly Step[] = [
  authenticate, //        RFC 6750; aud = this FHIR base; grant, account, proxy link live; a person with a patient context (security model 7–8)
  parseRequestLine, //    POST [type] only; no id, query, conditional headers, X-Provenance, batch/transaction, history; JSON (security model 1, 4)
  applyMinorsPolicy, //   as for reads: a parent's access ended at 18 → 401; an adolescent's confidential conversations withheld (issue 13)
  checkWriteScope, //     SMART 2.2: patient/Communication.c (v2) or .write (v1), before HAPI is asked
  readJsonBody, //        only now is the body read (≤ 14.5 MB, else 413): refusals above never buffer an upload; JSON parsed once
  parseBodyAgainstAllowList, // per-type element allow-list; no contained, no extensions; id/meta/text dropped
  forceSubjectAndAuthor, // subject = the token's patient, sender = the principal; another named → 403
  claimIdempotency, //    Idempotency-Key: a double submit creates one resource; a replay skips to verifyCreated
  checkThread, //         a message only into the patient's own open thread; same 403 whether it exists or not (model 6)
  buildTarget, //         the resource rebuilt from the model; server-assigned id; status, category, sent are the facade's
  forwardAsTransactionWithProvenance, // one HAPI transaction: target + Provenance (+ routing Task); both land or neither
  verifyCreated, //       the answer re-checked like a read; Location on the facade's base
];

export async function runCreate(deps: CreateDeps, exchange: CreateExchange): Promise<Resource> {
  try {
    for (const step of createSteps) {
      // A replay is answered from its first write: nothing more is checked or written, only the answer re-checked.
      if (exchange.replayed && step !== verifyCreated) continue;
      await step(deps, exchange);
    }
  } catch (error) {
    // Refused or failed after the key was claimed: released, so the same request may be sent again (a completed
    // key is not released: releaseIdempotencyKey deletes only a pending one).
    if (exchange.idempotency) await releaseIdempotencyKey(deps.db, exchange.idempotency).catch(() => undefined);
    throw error;
  }
  return exchange.response!;
}
