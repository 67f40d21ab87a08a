/**
 * Binary only through a DocumentReference (DESIGN.md security model 3). A Binary has no patient of
 * its own in the R4 Patient CompartmentDefinition, so a token reaches it only when a
 * DocumentReference it may read — in its patient's compartment and within its DocumentReference
 * scopes — has an attachment whose url names exactly that Binary. The decision is made before HAPI
 * is asked for the Binary; anything else answers 404 exactly like a missing resource.
 */
import type { Binary, Bundle, DocumentReference, Resource } from '@medplum/fhirtypes';
import { isInPatientCompartment } from '../access/compartment-membership.ts';
import { inGrantedCategory, type Category, type PatientScopes } from '../access/scopes.ts';
import { FacadeError, facadeNotFound as notFound } from './facade-error.ts';
import type { Upstream } from './upstream.ts';
import { isFhirId } from '../core/fhir/ids.ts';
import { trimBase } from '../core/fhir/base-url.ts';

/** The only type served by this rule, and the type whose scopes decide it (SMART scopes name the document). */
export const binaryType = 'Binary';
export const binaryScopeType = 'DocumentReference';

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

/** The attachment urls under which a DocumentReference may name `Binary/<id>` (FHIR search escaping for `,`, `|`, `$`, `\`). */
function locationValues(id: string, bases: readonly string[]): string {
  const escapeValue = (value: string) => value.replace(/[\\,|$]/g, (c) => `\\${c}`);
  return [`Binary/${id}`, ...bases.map((base) => `${trimBase(base)}/Binary/${id}`)].map(escapeValue).join(',');
}

/** True when the token may read this DocumentReference: scope (with any category limit) and, unless its reach is practice-wide, compartment. */
function documentReachable(document: Resource, reach: BinaryReach, scopes: PatientScopes, localBases: readonly string[]): boolean {
  if (document.resourceType !== binaryScopeType) return false;
  const granted = scopes.allowed(binaryScopeType, 'read');
  if (!granted) return false;
  if (granted !== 'all' && !inGrantedCategory(document as { category?: unknown }, granted as readonly Category[])) return false;
  if (reach.practiceWide) return true;
  return !!reach.patient && isInPatientCompartment(document, reach.patient, { localBases });
}

/**
 * Finds the DocumentReferences that give this token the Binary, asking HAPI with the R4 `location`
 * search parameter (DocumentReference.content.attachment.url), narrowed to the token's patient unless
 * its reach is practice-wide, and re-checking every answer here. Throws the uniform 404 when there is none.
 */
export async function authorizingDocuments(deps: BinaryAccessDeps, reach: BinaryReach, scopes: PatientScopes, binaryId: string): Promise<readonly DocumentReference[]> {
  if (!scopes.allowed(binaryScopeType, 'read')) throw new FacadeError(403, 'forbidden', 'forbidden', 'facade.scope_denied', { type: binaryType });
  if (!reach.practiceWide && !reach.patient) throw notFound();
  const bases = [deps.fhirBase, deps.upstreamBase];
  const query = new URLSearchParams({ location: locationValues(binaryId, bases), _count: '100' });
  if (!reach.practiceWide) query.set('patient', `Patient/${reach.patient}`);
  const bundle = (await deps.upstream.get(`${deps.upstreamBase}/${binaryScopeType}?${query}`)) as Bundle;
  const documents = (bundle.entry ?? [])
    .map((entry) => entry.resource)
    .filter((resource): resource is DocumentReference => !!resource && documentReachable(resource, reach, scopes, [deps.fhirBase]))
    .filter((document) => (document.content ?? []).some((content) => binaryIdOfUrl(content.attachment?.url, bases) === binaryId));
  if (documents.length === 0) throw notFound();
  return documents;
}

/**
 * The Binary HAPI returned may leave only if it is the one asked for, and, when it names a
 * securityContext (R4 Binary.securityContext: "access to this Binary is governed by that resource"),
 * that context is the token's patient or one of the authorizing DocumentReferences.
 */
export function binaryReleasable(binary: Resource, id: string, documents: readonly DocumentReference[], reach: BinaryReach, fhirBase: string): boolean {
  if (binary.resourceType !== binaryType || binary.id !== id || documents.length === 0) return false;
  // Practice-wide reach (system/ scopes, or staff within user/ scopes) covers every patient, so any context is within it.
  if (reach.practiceWide) return true;
  const context = (binary as Binary).securityContext?.reference;
  if (context === undefined) return (binary as Binary).securityContext === undefined;
  const relative = context.startsWith(`${trimBase(fhirBase)}/`) ? context.slice(trimBase(fhirBase).length + 1) : context;
  if (reach.patient && relative === `Patient/${reach.patient}`) return true;
  return documents.some((document) => relative === `${binaryScopeType}/${document.id}`);
}
