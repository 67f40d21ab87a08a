/**
 * What a family member's Consent permits, in plain words and as the facade enforces it (issue 13,
 * DESIGN.md "Proxies are RelatedPerson resources"). A patient gives either everything they see (the
 * brochure's default) or a limited set of parts of the record; each part is a list of resource types,
 * some limited to categories. The same list is written into the Consent's provision (`class`, `code`),
 * cached on the store's proxy link, and intersected with the token's SMART scopes on every facade request
 * (src/fhir/pipeline.ts), so read, search, _include/_revinclude and $everything (and therefore downloads
 * and sends, which read through the facade) release only what the Consent permits.
 *
 * The Patient resource and the shared directory types (Practitioner, Organization, Location,
 * Medication …) stay readable under a limited Consent: the banner needs whose record it is, and shared
 * types carry no one's health data.
 */
import type { Resource } from '@medplum/fhirtypes';
import type { Category, Interaction, PatientScopes } from './scopes.ts';
import { sharedReadTypes } from './allow-lists.ts';
import type { Principal } from './principal.ts';
import { parseLiteralReference } from '../core/fhir/references.ts';

/** The parts of the record a patient can choose, by name (the catalog says each in words: `family.part.<name>`). */
export const familyParts = ['appointments', 'medications', 'carePlan', 'problems', 'allergies', 'results', 'immunizations', 'visits', 'documents'] as const;
export type FamilyPart = (typeof familyParts)[number];

/** One permitted type, unconstrained or only in these categories. */
export interface PermittedType {
  readonly type: string;
  readonly categories?: readonly Category[];
}

const labCategory: Category = { system: 'http://terminology.hl7.org/CodeSystem/observation-category', code: 'laboratory' };
const vitalsCategory: Category = { system: 'http://terminology.hl7.org/CodeSystem/observation-category', code: 'vital-signs' };

/** Which types (and categories) each part opens. */
export const partTypes: Readonly<Record<FamilyPart, readonly PermittedType[]>> = {
  appointments: [{ type: 'Appointment' }],
  medications: [{ type: 'MedicationRequest' }],
  carePlan: [{ type: 'CarePlan' }, { type: 'Goal' }, { type: 'CareTeam' }],
  problems: [{ type: 'Condition' }],
  allergies: [{ type: 'AllergyIntolerance' }],
  results: [{ type: 'Observation', categories: [labCategory, vitalsCategory] }, { type: 'DiagnosticReport' }],
  immunizations: [{ type: 'Immunization' }],
  visits: [{ type: 'Encounter' }, { type: 'Procedure' }],
  documents: [{ type: 'DocumentReference' }],
};

/** Always readable under a limited Consent: whose record it is. */
const alwaysPermitted = new Set(['Patient']);

export const isFamilyPart = (value: string): value is FamilyPart => (familyParts as readonly string[]).includes(value);

/** The types a set of parts opens, merged per type (a type opened without categories by one part is open). */
export function permittedTypes(parts: readonly FamilyPart[]): PermittedType[] {
  const merged = new Map<string, Category[] | 'all'>();
  for (const part of parts) {
    for (const permitted of partTypes[part]) {
      const current = merged.get(permitted.type);
      if (current === 'all' || !permitted.categories) merged.set(permitted.type, 'all');
      else merged.set(permitted.type, [...(current ?? []), ...permitted.categories]);
    }
  }
  return [...merged].map(([type, categories]) => (categories === 'all' ? { type } : { type, categories }));
}

/**
 * A token's scopes narrowed to what a limited Consent permits: a type not permitted is not allowed at all;
 * a type permitted only in some categories is allowed in those the scopes also allow (the intersection).
 * `permitted` undefined means everything the patient sees: the scopes unchanged.
 */
export function narrowScopesToConsent(scopes: PatientScopes, permitted: readonly PermittedType[] | undefined): PatientScopes {
  if (!permitted) return scopes;
  const byType = new Map(permitted.map((p) => [p.type, p.categories] as const));
  return {
    allowed(type: string, interaction: Interaction) {
      const granted = scopes.allowed(type, interaction);
      if (!granted) return undefined;
      if (alwaysPermitted.has(type) || (!byType.has(type) && !isPatientDataType(type))) return granted;
      if (!byType.has(type)) return undefined;
      const limit = byType.get(type);
      if (!limit) return granted;
      const within = granted === 'all' ? limit : granted.filter((g) => limit.some((c) => c.system === g.system && c.code === g.code));
      return within.length > 0 ? within : undefined;
    },
  };
}

/**
 * Types that hold a patient's data: everything but the shared directory types. Kept as a deny-by-default
 * rule: only the listed shared types pass a limited Consent without being named.
 */
const isPatientDataType = (type: string) => !sharedReadTypes.has(type);

/** What a family member's Consent permits for the token's patient (undefined: everything; unknown parts fail closed). */
export const consentPermits = (principal: Pick<Principal, 'consentParts'>) => (principal.consentParts ? permittedTypes(parseParts(principal.consentParts) ?? []) : undefined);

/** The parts as the store's proxy link and the token check carry them (text[]; NULL is everything). Anything else fails closed: nothing. */
export function parseParts(value: unknown): FamilyPart[] | undefined {
  if (value === null || value === undefined) return undefined;
  if (!Array.isArray(value)) return [];
  return value.filter((part): part is FamilyPart => typeof part === 'string' && isFamilyPart(part));
}

/**
 * Whether a SMART scope choice (a type, maybe a category) lies within what a limited Consent permits: the
 * consent screen offers an app no more than the family member may see (issue 13 point 7). A wildcard (`*`)
 * is never within a limited Consent; the single types under it are offered instead.
 */
export function consentAllowsChoice(choice: { readonly type: string; readonly category?: string }, parts: readonly FamilyPart[] | undefined): boolean {
  if (!parts) return true;
  if (choice.type === '*') return false;
  const scopes = narrowScopesToConsent({ allowed: () => 'all' }, permittedTypes(parts));
  const granted = scopes.allowed(choice.type, 'read');
  if (!granted) return false;
  if (granted === 'all' || !choice.category) return granted === 'all';
  return granted.some((c) => c.code === choice.category);
}

/**
 * The conversations a family member's Consent denies (issue #14 point 4: "not shared with" a named family member),
 * as the token check carries them (`Communication/<id>` of each thread header); undefined when there are none.
 */
export const hiddenThreadsOf = (principal: Pick<Principal, 'hiddenThreads'>): ReadonlySet<string> | undefined =>
  principal.hiddenThreads?.length ? new Set(principal.hiddenThreads) : undefined;

/**
 * The conversations a resource names as the one it belongs to, as `Type/id`: a Communication's `partOf` and
 * `about` (messages, automatic replies, internal notes), a routing Task's `focus` (docs/messages.md, "The thread
 * model in FHIR"). References are read relative or on one of `localBases`; anything that is not a literal
 * reference names none. The one walker for every "which conversation is this in" question (hidden from a family
 * member here; an adolescent's confidential conversation in src/fhir/pipeline.ts), so they cannot disagree.
 */
export function threadReferencesOf(resource: Resource, localBases: readonly string[]): string[] {
  const references = resource.resourceType === 'Communication' ? [...(resource.partOf ?? []), ...(resource.about ?? [])] : resource.resourceType === 'Task' ? [resource.focus] : [];
  return references.flatMap((reference) => {
    const parsed = parseLiteralReference(reference?.reference, localBases);
    return parsed ? [`${parsed.type}/${parsed.id}`] : [];
  });
}

/**
 * Whether a resource belongs to a conversation in `hidden` (`Communication/<id>` of thread headers), so the facade
 * treats it as outside reach (read 404, absent from searches, includes and $everything; no message posted into it):
 * the thread header itself, or anything naming it (threadReferencesOf).
 */
export function inHiddenThread(resource: Resource, hidden: ReadonlySet<string> | undefined, localBases: readonly string[] = []): boolean {
  if (!hidden || hidden.size === 0) return false;
  if (resource.resourceType === 'Communication' && hidden.has(`Communication/${resource.id}`)) return true;
  return threadReferencesOf(resource, localBases).some((reference) => hidden.has(reference));
}
