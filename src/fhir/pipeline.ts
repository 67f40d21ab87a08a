/**
 * The FHIR facade's enforcement pipeline (DESIGN.md "Security model"): an ordered list of small
 * steps, each saying what it enforces and why. A step either enriches the exchange or throws a
 * FacadeError; nothing reaches HAPI before authentication, parsing, scope and narrowing are done,
 * and nothing leaves before every resource has been re-checked.
 */
import type { Bundle, BundleEntry, BundleLink, Resource } from '@medplum/fhirtypes';
import { overlapsDateRange } from '../core/fhir/clinical-dates.ts';
import { authenticateBearer } from '../auth/bearer.ts';
import type { Principal } from '../access/principal.ts';
import { isInPatientCompartment } from '../access/compartment-membership.ts';
import { inGrantedCategory, parsePatientScopes, type Category, type Interaction, type PatientScopes } from '../access/scopes.ts';
import type { Db } from '../store/db.ts';
import type { GrantUsage } from '../store/grant-usage.ts';
import type { CheckedTokens } from '../auth/checked-tokens.ts';
import { narrowingParam, patientSearchParams, sharedReadTypes } from '../access/allow-lists.ts';
import { consentPermits, hiddenThreadsOf, inHiddenThread, narrowScopesToConsent, threadReferencesOf } from '../access/family-access.ts';
import { applyMinorsPolicy, withheldFrom as withheld, type MinorsDeps } from './minors-decision.ts';
import type { CursorCodec, CursorPage } from './cursors.ts';
import { offsetLink, queryAtOffset, searchByOffset } from './offset-paging.ts';
import { FacadeError, facadeNotFound as notFound, facadeUnauthenticated as unauthenticated } from './facade-error.ts';
import { parseRequest, type RequestModel } from './parse-request.ts';
import { authorizingResources, binaryReleasable, binaryScopeAllows, binaryScopeType, binaryType } from './binary-access.ts';
import { pointAttachmentsAtFacade } from './attachment-urls.ts';
import type { Upstream } from './upstream.ts';
import { matchKeys, revincludedProvenanceReachable } from './revinclude-provenance.ts';

export interface FacadeDeps {
  readonly db: Db;
  /** The public base of this facade (token audience, links, fullUrl). */
  readonly fhirBase: string;
  /** HAPI's base, reachable only from here. */
  readonly upstreamBase: string;
  /** HAPI, through the facade's one upstream client (allow-listed headers, timeout, error mapping). */
  readonly upstream: Upstream;
  readonly cursors: CursorCodec;
  /** Last-use of app grants (connected apps page), throttled per replica; made by the composition root. */
  readonly grantUsage: GrantUsage;
  /** Token answers kept while the access epoch stands still (src/auth/checked-tokens.ts); optional in unit tests. */
  readonly checked?: CheckedTokens;
  /** The practice's IANA time zone: `$everything`'s `start`/`end` are practice-local days. */
  readonly timeZone: string;
  /** The practice's minors policy (config.minors) and the patient's birth date as HAPI records it (cached by the router). */
  readonly minors?: MinorsDeps;
}

export interface Exchange {
  readonly method: string;
  readonly path: string;
  readonly rawQuery: string;
  readonly authorization: string | undefined;
  /** The client's Accept header: decides whether a Binary is answered as a resource or as its content. */
  readonly accept?: string | undefined;
  principal?: Principal;
  model?: RequestModel;
  scopes?: PatientScopes;
  /** Reach is every patient of the practice (system/ scopes, or a staff token's user/ scopes), not one compartment. */
  practiceWide?: boolean;
  /** The search's type (for a cursor page, the type the cursor was issued for). */
  type?: string;
  /** `Patient/{id}/$everything` or one of its pages: the types this token may receive from it (security model 2–3). */
  everything?: EverythingFilter;
  upstreamUrl?: string;
  /** For a Binary read: the reachable DocumentReferences or messages whose attachment names it (security model 3). */
  binaryAuthorizers?: readonly Resource[];
  /** A proxy reading an adolescent's record: resources labelled confidential or sensitive are not released (access/minors.ts). */
  hideConfidential?: boolean;
  /** With hideConfidential: the conversations (`Communication/<id>`) of the answer whose header is confidential; their messages are withheld too. */
  confidentialThreads?: ReadonlySet<string>;
  /** Set when the answer is known without asking HAPI (e.g. a search for another patient: nothing reachable). */
  answer?: Resource;
  upstream?: Resource;
  response?: Resource;
}

type Step = (deps: FacadeDeps, exchange: Exchange) => Promise<void> | void;

/** What `$everything` releases, decided before HAPI is asked and carried by its cursors to every page. */
interface EverythingFilter {
  readonly types: readonly string[];
  /** `_since`: only resources updated since this instant. */
  readonly since?: string;
  /** `start` / `end` (FHIR dates): only resources whose clinical dates overlap them (see `verifyEveryEntry`). */
  readonly start?: string;
  readonly end?: string;
}

/** RFC 6750 invalid_token: no token, or one that is not (or no longer) live for this server. */
const emptySearchset = (): Bundle => ({ resourceType: 'Bundle', type: 'searchset', entry: [] });

/** RFC 6750; the token must be live and issued for this FHIR base (aud), and its grant and account still active (security model 8). */
const authenticate: Step = async (deps, exchange) => {
  const principal = await authenticateBearer(deps, exchange.authorization);
  if (!principal) throw unauthenticated();
  // Security model 7: a person's token without a patient context never reads patient data (fail closed).
  // Backend clients (SMART Backend Services) act for the practice, limited by their system/ scopes.
  if (principal.kind === 'user' && !principal.patient) throw new FacadeError(403, 'forbidden', 'forbidden', 'facade.no_patient_context');
  exchange.principal = principal;
};

/** Security model 1: one strict model; anything not fully understood is refused. */
const parseStrictly: Step = (_deps, exchange) => {
  exchange.model = parseRequest(exchange.method, exchange.path, exchange.rawQuery);
};

/** SMART App Launch 2.2 scopes, v2 (c/r/u/d/s, ?category=) and v1 (read): decided before HAPI is asked. */
const checkScope: Step = (deps, exchange) => {
  const principal = exchange.principal!;
  // A family member's limited Consent narrows the token's scopes: types and categories it does not permit are
  // out of scope for read, search, includes and $everything alike (issue 13; access/family-access.ts).
  let scopes = narrowScopesToConsent(parsePatientScopes(principal.scopes, principal.kind === 'system' ? 'system' : 'patient'), consentPermits(principal));
  // SMART user/ scopes count only on a staff member's token (EHR launch): within them, every patient of the practice.
  const user = principal.staff ? parsePatientScopes(principal.scopes, 'user') : undefined;
  const model = exchange.model!;
  let everything = model.interaction === 'everything';
  const param = (name: string) => (model.interaction === 'everything' ? model.params.find(([key]) => key === name)?.[1] : undefined);
  let since = param('_since');
  let start = param('start');
  let end = param('end');
  if (model.interaction === 'page') {
    const page = deps.cursors.open(model.cursor, binding(exchange));
    // A cursor names an offset-mode query or a stored search; one naming neither opens nothing (fail closed).
    if (!page || (page.query === undefined && page.searchId === undefined)) throw new FacadeError(404, 'not-found', 'not-found', 'facade.page_link_invalid');
    exchange.type = page.type;
    everything = page.operation === 'everything';
    since = page.since;
    start = page.start;
    end = page.end;
    exchange.upstreamUrl =
      page.query !== undefined
        ? `${deps.upstreamBase}/${page.type}?${queryAtOffset(page.query, page.offset, page.count)}`
        : `${deps.upstreamBase}?_getpages=${encodeURIComponent(page.searchId!)}&_getpagesoffset=${page.offset}&_count=${page.count}&_bundletype=searchset`;
  } else if (model.interaction === 'read' || model.interaction === 'search') {
    exchange.type = model.type;
  }
  if (everything) {
    exchange.type = 'Patient';
    exchange.scopes = scopes;
    exchange.practiceWide = false;
    exchange.everything = {
      types: everythingTypes(principal, scopes, model.interaction === 'everything' ? model.types : undefined),
      ...(since ? { since } : {}),
      ...(start ? { start } : {}),
      ...(end ? { end } : {}),
    };
    return;
  }
  const interaction: Interaction = model.interaction === 'read' ? 'read' : 'search';
  // A Binary is reached through a DocumentReference or a message naming it, so their read scopes decide (security
  // model 3); staff reach it practice-wide only within user/ DocumentReference scopes.
  const scopeType = exchange.type === binaryType ? binaryScopeType : exchange.type;
  const byUserScope = !!user && !!scopeType && !!user.allowed(scopeType, interaction);
  if (byUserScope) scopes = user;
  exchange.scopes = scopes;
  exchange.practiceWide = principal.kind === 'system' || byUserScope;
  const allowed = exchange.type === binaryType ? binaryScopeAllows(scopes, exchange.practiceWide) : !scopeType || !!scopes.allowed(scopeType, interaction);
  if (!allowed) throw new FacadeError(403, 'forbidden', 'forbidden', 'facade.scope_denied', { type: exchange.type! });
};

/**
 * The types `Patient/{id}/$everything` may return to this token, decided before HAPI is asked: only a
 * patient-context person's token that is not staff (system/ and user/ reach stay closed: DESIGN.md rule 4);
 * compartment types the token may search and shared types it may read, limited to `_type` when given. A
 * `_type` naming a type the token may not read is refused like a search of that type.
 */
function everythingTypes(principal: Principal, scopes: PatientScopes, asked: readonly string[] | undefined): readonly string[] {
  if (principal.kind !== 'user' || principal.staff || !principal.patient) refuse('facade.path_operations_unavailable');
  const mayReceive = (type: string) => (sharedReadTypes.has(type) ? !!scopes.allowed(type, 'read') : !!scopes.allowed(type, 'search'));
  for (const type of asked ?? []) if (!mayReceive(type)) throw new FacadeError(403, 'forbidden', 'forbidden', 'facade.scope_denied', { type });
  const types = asked ?? [...Object.keys(patientSearchParams), ...sharedReadTypes].filter(mayReceive);
  if (types.length === 0) throw new FacadeError(403, 'forbidden', 'forbidden', 'facade.scope_denied', { type: 'Patient' });
  return types;
}

const refuse = (key: 'facade.path_operations_unavailable'): never => {
  throw new FacadeError(400, 'invalid', 'not-supported', key);
};

/** The reach checkScope decided (practice-wide or the token's patient), as the Binary rule takes it: one decision per request. */
const binaryReach = (exchange: Exchange) => ({ practiceWide: exchange.practiceWide === true, patient: exchange.principal!.patient });

/**
 * Security model 3: Binary only through a DocumentReference or a message naming it that this token may read by
 * the same rule as every other resource (`readableBy`); decided before HAPI is asked for the Binary.
 */
const reachBinaryThroughAuthorizer: Step = async (deps, exchange) => {
  const model = exchange.model!;
  if (model.interaction !== 'read' || model.type !== binaryType) return;
  const readable = readableBy(deps, exchange);
  const authorizers = await authorizingResources(deps, binaryReach(exchange), exchange.scopes!, (resource) => readable(resource, 'read'), model.id);
  // A message of an adolescent's confidential conversation authorizes nothing for their parent, labelled itself or not.
  const confidential = await confidentialThreadsOf(deps, exchange, authorizers);
  exchange.binaryAuthorizers = authorizers.filter((resource) => !inHiddenThread(resource, confidential, threadBases(deps)));
  if (exchange.binaryAuthorizers.length === 0) throw notFound();
};

/** Security model 2: narrow the search to the token's patient before HAPI runs it (injected patient parameter, strict handling). */
const narrowToReach: Step = (deps, exchange) => {
  const model = exchange.model!;
  const patient = exchange.principal!.patient;
  if (model.interaction === 'read') {
    exchange.upstreamUrl = `${deps.upstreamBase}/${model.type}/${model.id}`;
    return;
  }
  if (model.interaction === 'everything') {
    // Another patient's id: the same 404 as a read outside reach, decided here, before HAPI is asked (model 6).
    if (!patient || model.id !== patient) throw notFound();
    // HAPI's $everything, rebuilt: only the types this token may receive (_type), the validated dates, a page size.
    const query = new URLSearchParams([['_type', exchange.everything!.types.join(',')], ...model.params.map(([k, v]): [string, string] => [k, v])]);
    query.set('_count', String(model.count ?? 20));
    exchange.upstreamUrl = `${deps.upstreamBase}/Patient/${patient}/$everything?${query}`;
    return;
  }
  if (model.interaction !== 'search') return;
  if (exchange.practiceWide) {
    // A backend client (or staff within user/ scopes) may search across the practice; a patient it names is passed on as the selector.
    const query = new URLSearchParams(model.params.map(([k, v]): [string, string] => [k, v]));
    query.set('_count', String(model.count ?? 20));
    const named = model.namedPatients[0];
    if (named) query.set(narrowingParam(model.type), model.type === 'Patient' ? named : `Patient/${named}`);
    exchange.upstreamUrl = `${deps.upstreamBase}/${model.type}?${searchByOffset(query)}`;
    return;
  }
  if (!patient) throw new FacadeError(403, 'forbidden', 'forbidden', 'facade.no_patient_context');
  // Naming another patient is a legitimate shape with nothing reachable: an empty result, no upstream call.
  if (model.namedPatients.some((named) => named !== patient)) {
    exchange.answer = emptySearchset();
    return;
  }
  const query = new URLSearchParams(model.params.map(([k, v]): [string, string] => [k, v]));
  query.set('_count', String(model.count ?? 20));
  // A category-limited grant narrows upstream too, so counts and pages only ever cover granted data.
  const granted = exchange.scopes!.allowed(model.type, 'search');
  if (granted !== 'all' && granted !== undefined) {
    const asked = query.get('category');
    if (asked === null) query.set('category', granted.map((c) => `${c.system}|${c.code}`).join(','));
  }
  query.set(narrowingParam(model.type), model.type === 'Patient' ? patient : `Patient/${patient}`);
  exchange.upstreamUrl = `${deps.upstreamBase}/${model.type}?${searchByOffset(query)}`;
};

/** Security model 1: the upstream request is rebuilt from the model, with allow-listed headers only. */
const forwardRebuilt: Step = async (deps, exchange) => {
  if (exchange.answer || !exchange.upstreamUrl) return;
  exchange.upstream = await deps.upstream.get(exchange.upstreamUrl);
};

/**
 * The bases a conversation reference may be written on (the facade's and HAPI's), for every "which conversation is
 * this in" check alike: a reference on either base names its thread, so nothing escapes the check by its spelling.
 */
export const threadBases = (deps: FacadeDeps): readonly string[] => [deps.fhirBase, deps.upstreamBase];

/**
 * The conversations among `resources`' messages whose header is withheld from this proxy (one search of the
 * headers, only for a proxy of an adolescent). Messages are labelled like their conversation when written
 * (core/fhir/messages.ts conversationLabels), but one written before its header was labelled is not: it is
 * withheld through its conversation, like a conversation kept from a family member.
 */
async function confidentialThreadsOf(deps: FacadeDeps, exchange: Exchange, resources: readonly Resource[]): Promise<ReadonlySet<string>> {
  if (!exchange.hideConfidential) return new Set();
  const ids = new Set<string>();
  for (const resource of resources) {
    for (const reference of threadReferencesOf(resource, threadBases(deps))) {
      if (reference.startsWith('Communication/')) ids.add(reference.slice('Communication/'.length));
    }
  }
  if (ids.size === 0) return new Set();
  const query = new URLSearchParams({ _id: [...ids].join(','), _count: String(ids.size) });
  const headers = (await deps.upstream.get(`${deps.upstreamBase}/Communication?${query}`)) as Bundle;
  const found = (headers.entry ?? []).flatMap((entry) => (entry.resource?.resourceType === 'Communication' && entry.resource.id ? [entry.resource] : []));
  // A header not found (deleted, or an unexpected answer) counts as confidential: fail closed.
  const open = new Set(found.filter((header) => !withheld(deps, exchange, header)).map((header) => header.id!));
  return new Set([...ids].filter((id) => !open.has(id)).map((id) => `Communication/${id}`));
}

/** Issue 13 point 5 for a message not labelled itself: the answer's conversations whose header is confidential, looked up once before every entry is checked. */
const findConfidentialConversations: Step = async (deps, exchange) => {
  const upstream = exchange.answer ? undefined : exchange.upstream;
  if (!exchange.hideConfidential || !upstream) return;
  const resources = upstream.resourceType === 'Bundle' ? ((upstream as Bundle).entry?.flatMap((entry) => (entry.resource ? [entry.resource] : [])) ?? []) : [upstream];
  exchange.confidentialThreads = await confidentialThreadsOf(deps, exchange, resources);
};

/**
 * The facade's one rule for whether a resource may leave to this token (security model 2–3), applied to every
 * read, match, include and $everything entry, and to the resource that gives a token a Binary: scope and
 * categories (already narrowed to a family member's Consent), a family member's hidden conversations, an
 * adolescent's confidential resources, and compartment membership (practice-wide reach: every patient).
 */
function readableBy(deps: FacadeDeps, exchange: Exchange): (resource: Resource, interaction: Interaction) => boolean {
  const patient = exchange.principal!.patient;
  const scopes = exchange.scopes!;
  const localBases = [deps.fhirBase];
  const system = exchange.practiceWide === true;
  // Conversations the patient keeps from this family member (issue #14 point 4): outside reach like another patient's.
  const hidden = hiddenThreadsOf(exchange.principal!);
  return (resource, interaction) => {
    const granted = scopes.allowed(resource.resourceType, interaction);
    if (!granted) return false;
    if (inHiddenThread(resource, hidden, threadBases(deps))) return false;
    if (withheld(deps, exchange, resource)) return false;
    if (inHiddenThread(resource, exchange.confidentialThreads, threadBases(deps))) return false;
    if (granted !== 'all' && !inGrantedCategory(resource as { category?: unknown }, granted as readonly Category[])) return false;
    if (sharedReadTypes.has(resource.resourceType)) return interaction === 'read';
    if (!Object.hasOwn(patientSearchParams, resource.resourceType)) return false;
    // System tokens reach every patient of the practice within their scopes; patient tokens their compartment only.
    return system || (!!patient && isInPatientCompartment(resource, patient, { localBases }));
  };
}

/** Security model 2–3: every resource, match and include alike, is checked for compartment membership and scope. */
const verifyEveryEntry: Step = (deps, exchange) => {
  const model = exchange.model!;
  const patient = exchange.principal!.patient;
  const scopes = exchange.scopes!;
  const localBases = [deps.fhirBase];
  const system = exchange.practiceWide === true;
  const reachable = readableBy(deps, exchange);
  if (exchange.answer) {
    exchange.response = exchange.answer;
    return;
  }
  const upstream = exchange.upstream!;
  if (model.interaction === 'read') {
    const ok =
      model.type === binaryType
        ? binaryReleasable(upstream, model.id, exchange.binaryAuthorizers ?? [], binaryReach(exchange), deps.fhirBase) && !withheld(deps, exchange, upstream)
        : upstream.resourceType === model.type && upstream.id === model.id && reachable(upstream, 'read');
    if (!ok) throw notFound();
    exchange.response = upstream;
    return;
  }
  if (upstream.resourceType !== 'Bundle') throw new FacadeError(503, 'transient', 'transient', 'facade.upstream_unexpected');
  const bundle = upstream as Bundle;
  const candidates = (bundle.entry ?? []).filter((entry): entry is BundleEntry & { resource: Resource } => !!entry.resource && entry.search?.mode !== 'outcome');
  if (exchange.everything) {
    // $everything: every entry is checked alone, like a search's match (compartment types, search scope and
    // categories) or include (shared types, read scope); anything else, e.g. another patient, is dropped.
    const types = new Set(exchange.everything.types);
    // _since (R4: resources updated since this instant) is applied here too: HAPI 8.8 ignores it on $everything.
    const since = exchange.everything.since ? Date.parse(exchange.everything.since) : undefined;
    const updatedSince = (resource: Resource) => since === undefined || Date.parse(resource.meta?.lastUpdated ?? '') >= since;
    // start/end (R4: care dates, not record dates) likewise, by the rule the FHIR download uses
    // (core/fhir/clinical-dates.ts): a resource whose clinical dates lie wholly outside [start, end], read as
    // practice-local days, is dropped; the Patient, resources without clinical dates (Practitioner,
    // Organization, Medication...) and resources whose dates are not filled in stay; something ongoing
    // overlaps every range after its start.
    const { start, end } = exchange.everything;
    const dates = start || end ? { from: start, to: end } : undefined;
    const inDates = (resource: Resource) => overlapsDateRange(resource, dates, deps.timeZone);
    const entries = candidates.filter(
      (entry) =>
        types.has(entry.resource.resourceType) &&
        updatedSince(entry.resource) &&
        inDates(entry.resource) &&
        reachable(entry.resource, sharedReadTypes.has(entry.resource.resourceType) ? 'read' : 'search'),
    );
    exchange.response = {
      resourceType: 'Bundle',
      type: 'searchset',
      ...(entries.length === (bundle.entry?.length ?? 0) && bundle.total !== undefined ? { total: bundle.total } : {}),
      link: bundle.link ?? [],
      entry: entries.map((entry) => ({ fullUrl: `${deps.fhirBase}/${entry.resource.resourceType}/${entry.resource.id}`, resource: entry.resource })),
    } satisfies Bundle;
    return;
  }
  const isMatch = (entry: BundleEntry & { resource: Resource }) => entry.search?.mode !== 'include' && entry.resource.resourceType === exchange.type;
  const matches = new Set(candidates.filter((entry) => isMatch(entry) && reachable(entry.resource, 'search')));
  // _revinclude=Provenance:target (US Core): a patient token gets a Provenance when every target is one of
  // this response's released matches or the patient, never one that also names anything outside reach.
  const reach = patient && !system ? { patient, matches: matchKeys([...matches].map((entry) => entry.resource)), localBases, scopes } : undefined;
  const entries = candidates.filter((entry) => {
    if (isMatch(entry)) return matches.has(entry);
    if (reach && entry.resource.resourceType === 'Provenance') return revincludedProvenanceReachable(entry.resource, reach);
    return reachable(entry.resource, 'read');
  });
  const removed = (bundle.entry?.length ?? 0) - entries.length;
  exchange.response = {
    resourceType: 'Bundle',
    type: 'searchset',
    ...(removed === 0 && bundle.total !== undefined ? { total: bundle.total } : {}),
    link: bundle.link ?? [],
    entry: entries.map((entry) => ({
      fullUrl: `${deps.fhirBase}/${entry.resource.resourceType}/${entry.resource.id}`,
      resource: entry.resource,
      ...(entry.search ? { search: { mode: entry.search.mode } } : {}),
    })),
  } satisfies Bundle;
};

/** Attachments are fetched through the facade: HAPI-based attachment urls are rewritten onto the facade's base. */
const pointAttachmentsHere: Step = (deps, exchange) => pointAttachmentsAtFacade(exchange.response, deps.upstreamBase, deps.fhirBase);

/** Security model 5: HAPI's paging ids never reach the client; links become signed cursors bound to this caller. */
const issueCursors: Step = (deps, exchange) => {
  const response = exchange.response;
  if (response?.resourceType !== 'Bundle') return;
  // The self link is rebuilt from the parsed model (selectors removed), so a response never echoes what a
  // client typed — not even another patient's id.
  const model = exchange.model!;
  const rebuilt = (path: string, params: readonly (readonly [string, string])[]) =>
    `${deps.fhirBase}/${path}${params.length ? `?${new URLSearchParams(params.map(([k, v]): [string, string] => [k, v]))}` : ''}`;
  const self =
    model.interaction === 'search'
      ? rebuilt(model.type, model.params)
      : model.interaction === 'everything'
        ? rebuilt(`Patient/${model.id}/$everything`, [...(model.types ? [['_type', model.types.join(',')] as const] : []), ...model.params])
        : `${deps.fhirBase}${exchange.path}${exchange.rawQuery ? `?${exchange.rawQuery}` : ''}`;
  const links: BundleLink[] = [{ relation: 'self', url: self }];
  for (const link of (response as Bundle).link ?? []) {
    if ((link.relation !== 'next' && link.relation !== 'previous') || !link.url) continue;
    const upstream = new URL(link.url, deps.upstreamBase);
    const count = Math.min(Number(upstream.searchParams.get('_count') ?? 20), 100);
    const everything = exchange.everything;
    // A type search's pages are offsets of the same query (offset-paging.ts); $everything's are HAPI's stored pages.
    const byOffset = everything ? undefined : offsetLink(upstream);
    const searchId = upstream.searchParams.get('_getpages');
    const offset = byOffset ? byOffset.offset : Number(upstream.searchParams.get('_getpagesoffset'));
    if (!Number.isInteger(count) || count < 1 || !Number.isInteger(offset) || offset < 0) continue;
    let page: CursorPage;
    if (byOffset) page = { type: exchange.type!, query: byOffset.query, offset, count };
    else if (searchId) page = { type: exchange.type!, searchId, offset, count };
    else continue;
    const cursor = deps.cursors.issue(
      binding(exchange),
      everything
        ? {
            ...page,
            operation: 'everything',
            ...(everything.since ? { since: everything.since } : {}),
            ...(everything.start ? { start: everything.start } : {}),
            ...(everything.end ? { end: everything.end } : {}),
          }
        : page,
    );
    links.push({ relation: link.relation, url: `${deps.fhirBase}?_cursor=${cursor}` });
  }
  (response as Bundle).link = links;
};

const binding = (exchange: Exchange) => ({
  accountId: exchange.principal!.accountId || 'system',
  patient: exchange.principal!.patient ?? '*',
  clientId: exchange.principal!.clientId,
});

/** The order is the policy: read it top to bottom. Auditing wraps it (router.ts) so denials are recorded too. */
export const facadeSteps: readonly Step[] = [
  authenticate, //     RFC 6750 bearer; aud = this FHIR base; grant, account and patient context live (security model 7–8)
  parseStrictly, //    one canonical model; unknown, repeated or bracketed parameters refused (security model 1)
  applyMinorsPolicy, // a proxy of an adolescent: confidential and sensitive resources withheld (issue 13 point 5)
  checkScope, //       SMART v2/v1 scopes incl. ?category=, and cursor binding, before HAPI is asked
  reachBinaryThroughAuthorizer, // Binary only when a DocumentReference or message this token may read names it (model 3)
  narrowToReach, //    search narrowed to the token's patient; another patient named → empty, never upstream;
  //                   Patient/{id}/$everything only for the token's own patient (else 404), _type = what it may receive (model 2, 6)
  forwardRebuilt, //   upstream request rebuilt from the model; allow-listed headers; Prefer: handling=strict
  findConfidentialConversations, // a proxy of an adolescent: the answer's conversations whose header is confidential (issue 13 point 5)
  verifyEveryEntry, // each match, include and $everything entry re-checked for compartment membership and scope (model 2–3);
  //                   a conversation the patient keeps from this family member is outside reach (issue #14 point 4)
  pointAttachmentsHere, // DocumentReference attachment urls on HAPI's base rewritten onto the facade's
  issueCursors, //     signed paging cursors bound to account, patient, client and type or operation (model 5)
];

export async function runFacade(deps: FacadeDeps, exchange: Exchange): Promise<Resource> {
  for (const step of facadeSteps) await step(deps, exchange);
  return exchange.response!;
}
