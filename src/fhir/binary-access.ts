/**
 * Binary only through a resource that names it (DESIGN.md security model 3). A Binary has no patient of
 * its own in the R4 Patient CompartmentDefinition, so a token reaches it only when a resource it may read
 * names exactly that Binary as an attachment: a DocumentReference (`content.attachment.url`), or a secure
 * message (`Communication.payload.contentAttachment.url`, docs/messages.md). "May read" is the facade's one
 * per-resource rule, passed in by the pipeline (scope and categories, a family member's Consent and hidden
 * conversations, an adolescent's confidential resources, compartment membership), so an authorizing resource
 * is judged exactly as it would be if the token read it. The decision is made before HAPI is asked for the
 * Binary; anything else answers 404 exactly like a missing resource.
 */
import type { Binary, Bundle, Resource } from '@medplum/fhirtypes';
import type { PatientScopes } from '../access/scopes.ts';
import { messageCategoryOf } from '../core/fhir/messages.ts';
import { facadeNotFound as notFound } from './facade-error.ts';
import type { Upstream } from './upstream.ts';
import { isFhirId } from '../core/fhir/ids.ts';
import { trimBase } from '../core/fhir/base-url.ts';
import { attachmentUrlValues, communicationAttachmentUrl } from '../core/fhir/attachment-search.ts';

/** The only type served by this rule. */
export const binaryType = 'Binary';
/** The type whose user/ scopes give a staff token practice-wide reach to a Binary (unchanged: documents only). */
export const binaryScopeType = 'DocumentReference';
/** The resources whose attachments may give a token a Binary, in the order they are looked for. */
const binaryAuthorizingTypes = ['DocumentReference', 'Communication'] as const;

/**
 * The pipeline's reach decision for this request (pipeline.ts checkScope), taken as it is rather than
 * derived again: practice-wide (a backend client's system/ scopes, or a staff token within its user/
 * DocumentReference scopes), or the compartment of the token's patient.
 */
export interface BinaryReach {
  readonly practiceWide: boolean;
  /** The token's patient id (its launch context), if any. */
  readonly patient: string | undefined;
}

export interface BinaryAccessDeps {
  /** The facade's public base and HAPI's base: absolute attachment urls on either name a local Binary. */
  readonly fhirBase: string;
  readonly upstreamBase: string;
  readonly upstream: Upstream;
}

/** The facade's rule for one resource leaving to this token, as the pipeline applies it to every read and entry. */
export type ReadableByToken = (resource: Resource) => boolean;

/**
 * The Binary id an attachment url names: `Binary/<id>`, or `<base>/Binary/<id>` on one of `bases`,
 * compared as exact text (no query, fragment, version or case folding). Anything else: undefined.
 */
export function binaryIdOfUrl(url: unknown, bases: readonly string[]): string | undefined {
  if (typeof url !== 'string') return undefined;
  const local = bases.map(trimBase).find((base) => url.startsWith(`${base}/`));
  const relative = local === undefined ? url : url.slice(local.length + 1);
  if (!relative.startsWith('Binary/')) return undefined;
  const id = relative.slice('Binary/'.length);
  return isFhirId(id) ? id : undefined;
}

/** The attachment urls a resource carries: a document's contents, a message's attachments. */
function attachmentUrls(resource: Resource): unknown[] {
  if (resource.resourceType === 'DocumentReference') return (resource.content ?? []).map((content) => content.attachment?.url);
  if (resource.resourceType === 'Communication') return (resource.payload ?? []).map((part) => part.contentAttachment?.url);
  return [];
}

/**
 * Whether `resource` gives this token Binary `binaryId`: the token may read it, and one of its attachment urls
 * names exactly that Binary. An internal staff note never does (it is outside the patient's compartment by
 * construction; refused here by its category too, whoever wrote it), nor a withdrawn message (status
 * entered-in-error: staff took it back, perhaps for the very file it carried; docs/messages.md). Messages are
 * looked for only for a token whose reach is one patient's compartment (authorizingResources).
 */
export function namesBinaryFor(resource: Resource, binaryId: string, readable: ReadableByToken, bases: readonly string[]): boolean {
  if (!(binaryAuthorizingTypes as readonly string[]).includes(resource.resourceType)) return false;
  if (resource.resourceType === 'Communication' && (messageCategoryOf(resource) === 'internal-note' || resource.status === 'entered-in-error')) return false;
  return readable(resource) && attachmentUrls(resource).some((url) => binaryIdOfUrl(url, bases) === binaryId);
}

/**
 * Whether these scopes could reach any Binary: read on DocumentReference, or — for a token whose reach is one
 * patient's compartment — read on Communication (message attachments). Practice-wide reach stays documents only.
 */
export function binaryScopeAllows(scopes: PatientScopes, practiceWide: boolean): boolean {
  return !!scopes.allowed('DocumentReference', 'read') || (!practiceWide && !!scopes.allowed('Communication', 'read'));
}

/**
 * Finds the resources that give this token the Binary, decided before HAPI is asked for it. Documents first,
 * with the R4 `location` search parameter (DocumentReference.content.attachment.url), narrowed to the token's
 * patient unless its reach is practice-wide; then, for a token whose reach is one compartment, that patient's
 * messages naming it, with the project's own search parameter `attachment-url` (R4 has none for a
 * Communication's attachment url: fhir-profiles/SearchParameter-communication-attachment-url.json, loaded by
 * HAPI at start-up). One search each, whatever the number of messages. Every answer is re-checked here with
 * the facade's own rule. Throws the uniform 404 when there is none.
 */
export async function authorizingResources(
  deps: BinaryAccessDeps,
  reach: BinaryReach,
  scopes: PatientScopes,
  readable: ReadableByToken,
  binaryId: string,
): Promise<readonly Resource[]> {
  if (!reach.practiceWide && !reach.patient) throw notFound();
  const bases = [deps.fhirBase, deps.upstreamBase];
  const matching = (bundle: Bundle) =>
    (bundle.entry ?? []).flatMap((entry) => (entry.resource && namesBinaryFor(entry.resource, binaryId, readable, bases) ? [entry.resource] : []));
  if (scopes.allowed('DocumentReference', 'read')) {
    const query = new URLSearchParams({ location: attachmentUrlValues(binaryId, bases), _count: '100' });
    if (!reach.practiceWide) query.set('patient', `Patient/${reach.patient}`);
    const documents = matching((await deps.upstream.get(`${deps.upstreamBase}/DocumentReference?${query}`)) as Bundle);
    if (documents.length > 0) return documents;
  }
  if (!reach.practiceWide && scopes.allowed('Communication', 'read')) {
    const query = new URLSearchParams({ [communicationAttachmentUrl]: attachmentUrlValues(binaryId, bases), patient: `Patient/${reach.patient}`, _count: '100' });
    const messages = matching((await deps.upstream.get(`${deps.upstreamBase}/Communication?${query}`)) as Bundle);
    if (messages.length > 0) return messages;
  }
  throw notFound();
}

/**
 * Whether any DocumentReference or message, of any patient and in any state, already names `Binary/<id>` (every
 * url form, as `authorizingResources` searches them). The write path accepts a Binary as a new message's attachment
 * only when nothing names it yet: since a Binary opens for whoever may read a resource naming it, attaching one
 * that a hidden conversation or a confidential document names would otherwise hand it to a new reader. Two
 * searches, one answer each; anything found (even a match the exact re-check would drop) counts as named.
 */
export async function binaryNamedAnywhere(deps: BinaryAccessDeps, binaryId: string): Promise<boolean> {
  const urls = attachmentUrlValues(binaryId, [deps.fhirBase, deps.upstreamBase]);
  const searches = [
    `DocumentReference?${new URLSearchParams({ location: urls, _count: '1', _elements: 'id' })}`,
    `Communication?${new URLSearchParams({ [communicationAttachmentUrl]: urls, _count: '1', _elements: 'id' })}`,
  ];
  const answers = (await Promise.all(searches.map((search) => deps.upstream.get(`${deps.upstreamBase}/${search}`)))) as Bundle[];
  return answers.some((bundle) => bundle.resourceType !== 'Bundle' || (bundle.entry?.length ?? 0) > 0 || (bundle.total ?? 0) > 0);
}

/**
 * The Binary HAPI returned may leave only if it is the one asked for, and, when it names a
 * securityContext (R4 Binary.securityContext: "access to this Binary is governed by that resource"),
 * that context is the token's patient or one of the authorizing resources.
 */
export function binaryReleasable(binary: Resource, id: string, authorizing: readonly Resource[], reach: BinaryReach, fhirBase: string): boolean {
  if (binary.resourceType !== binaryType || binary.id !== id || authorizing.length === 0) return false;
  // Practice-wide reach (system/ scopes, or staff within user/ scopes) covers every patient, so any context is within it.
  if (reach.practiceWide) return true;
  const context = (binary as Binary).securityContext?.reference;
  if (context === undefined) return (binary as Binary).securityContext === undefined;
  const relative = context.startsWith(`${trimBase(fhirBase)}/`) ? context.slice(trimBase(fhirBase).length + 1) : context;
  if (reach.patient && relative === `Patient/${reach.patient}`) return true;
  return authorizing.some((resource) => relative === `${resource.resourceType}/${resource.id}`);
}
