/**
 * `_revinclude=Provenance:target` (US Core 6.1 requires it on every profile's search). The R4
 * Patient CompartmentDefinition puts a Provenance in the compartment only through `patient`
 * (a target that is the Patient itself), so a Provenance about the patient's Observation would never
 * pass the per-entry check. A revincluded Provenance is released instead when *every* target is a
 * resource this same response already releases as a match, or the patient: it then says nothing
 * about anything outside the token's reach. One target outside reach (another patient's resource,
 * a resource not in this response, a reference that cannot be read as a literal one) refuses it.
 * Its `entity[].what` and `agent[].who` / `agent[].onBehalfOf` must stay within reach too: each is a
 * released match, the patient, or a resource of a shared read type (Practitioner, Organization …);
 * a display-only reference names nothing and passes, any other (identifier-only, contained) refuses.
 */
import type { Provenance, Reference, Resource } from '@medplum/fhirtypes';
import { sharedReadTypes } from '../access/allow-lists.ts';
import { inGrantedCategory, type Category, type PatientScopes } from '../access/scopes.ts';
import { parseLiteralReference } from '../core/fhir/references.ts';

/** `Type/id` for a literal reference (relative, or absolute on a local base; a version is ignored), else undefined. */
function targetKey(reference: Reference, localBases: readonly string[]): string | undefined {
  const literal = parseLiteralReference(reference.reference, localBases);
  if (!literal) return undefined;
  // Reference.type must agree with the literal reference's type (R4 references.html#Reference).
  if (reference.type !== undefined && reference.type !== literal.type) return undefined;
  return `${literal.type}/${literal.id}`;
}

/** The `Type/id` of each resource the response releases as a match. */
export const matchKeys = (matches: readonly Resource[]): ReadonlySet<string> => new Set(matches.map((resource) => `${resource.resourceType}/${resource.id}`));

export interface RevincludeReach {
  readonly patient: string;
  /** `Type/id` of this response's released matches. */
  readonly matches: ReadonlySet<string>;
  readonly localBases: readonly string[];
  readonly scopes: PatientScopes;
}

/** True when a revincluded Provenance may leave: the token may read Provenance, every target is a released match or the patient, and every entity and agent is within reach. */
export function revincludedProvenanceReachable(resource: Resource, reach: RevincludeReach): boolean {
  if (resource.resourceType !== 'Provenance') return false;
  const granted = reach.scopes.allowed('Provenance', 'read');
  if (!granted) return false;
  if (granted !== 'all' && !inGrantedCategory(resource as { category?: unknown }, granted as readonly Category[])) return false;
  const targets = (resource as Provenance).target ?? [];
  if (targets.length === 0) return false;
  const patient = `Patient/${reach.patient}`;
  const inReach = (key: string | undefined) => key !== undefined && (key === patient || reach.matches.has(key));
  if (!targets.every((target) => inReach(targetKey(target, reach.localBases)))) return false;
  const provenance = resource as Provenance;
  const others: unknown[] = [...(provenance.entity ?? []).map((e) => e.what), ...(provenance.agent ?? []).flatMap((a) => [a.who, a.onBehalfOf])];
  return others.every((value) => {
    if (value === undefined) return true;
    if (typeof value !== 'object' || value === null) return false;
    const reference = value as Reference;
    if (reference.reference === undefined && reference.identifier === undefined) return true;
    const key = targetKey(reference, reach.localBases);
    return inReach(key) || (key !== undefined && sharedReadTypes.has(key.slice(0, key.indexOf('/'))));
  });
}
