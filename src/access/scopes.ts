/**
 * SMART App Launch 2.2 scopes (§ "Scopes for requesting FHIR resources"), v2 and v1 forms, for
 * patient-context tokens: `patient/Observation.rs`, `patient/*.read`, and v2 granular scopes with a
 * category constraint (`patient/Observation.rs?category=http://…|laboratory`).
 */

/** `create` is the facade's write path (DESIGN.md "The facade's write path"): v2 `c`, v1 `write`. */
export type Interaction = 'read' | 'search' | 'create';

export interface Category {
  readonly system: string;
  readonly code: string;
}

/** What a token may do with one resource type: per interaction, unconstrained or limited to categories. */
interface TypeGrant {
  read: 'all' | Category[] | undefined;
  search: 'all' | Category[] | undefined;
  create: 'all' | Category[] | undefined;
}

export interface PatientScopes {
  /** undefined: not allowed; 'all': any resource of the type; a list: only resources in one of these categories. */
  allowed(type: string, interaction: Interaction): 'all' | readonly Category[] | undefined;
}

const scopePatterns = {
  patient: /^patient\/(\*|[A-Z][A-Za-z]+)\.([a-z*]+)(?:\?category=([^|\s]+)\|([^&\s]+))?$/,
  system: /^system\/(\*|[A-Z][A-Za-z]+)\.([a-z*]+)(?:\?category=([^|\s]+)\|([^&\s]+))?$/,
  // Staff tokens only (the facade ignores user/ scopes on any other token).
  user: /^user\/(\*|[A-Z][A-Za-z]+)\.([a-z*]+)(?:\?category=([^|\s]+)\|([^&\s]+))?$/,
};

/** Letters of a v2 permission string, or the v1 equivalents (read → rs, write → cud, * → cruds). */
function permissions(text: string): Set<string> | undefined {
  if (text === 'read') return new Set(['r', 's']);
  if (text === 'write') return new Set(['c', 'u', 'd']);
  if (text === '*') return new Set(['c', 'r', 'u', 'd', 's']);
  // v2: letters from "cruds", in that order, each at most once.
  return /^c?r?u?d?s?$/.test(text) && text.length > 0 ? new Set(text) : undefined;
}

/** Resource scopes of one context: `patient/…` for patient-context tokens, `system/…` for backend clients, `user/…` for staff. */
export function parsePatientScopes(scopes: Iterable<string>, context: 'patient' | 'system' | 'user' = 'patient'): PatientScopes {
  const scopePattern = scopePatterns[context];
  const grants = new Map<string, TypeGrant>();
  const grantFor = (type: string) => grants.get(type) ?? (grants.set(type, { read: undefined, search: undefined, create: undefined }), grants.get(type)!);
  const widen = (current: TypeGrant[Interaction], category: Category | undefined): TypeGrant[Interaction] => {
    if (current === 'all' || !category) return 'all';
    return [...(current ?? []), category];
  };
  for (const scope of scopes) {
    const match = scopePattern.exec(scope);
    if (!match) continue;
    const [, type, perms, system, code] = match;
    const letters = permissions(perms!);
    if (!letters) continue;
    const category = system && code ? { system: decodeURIComponent(system), code: decodeURIComponent(code) } : undefined;
    const grant = grantFor(type!);
    if (letters.has('r')) grant.read = widen(grant.read, category);
    if (letters.has('s')) grant.search = widen(grant.search, category);
    if (letters.has('c')) grant.create = widen(grant.create, category);
  }
  return {
    allowed(type, interaction) {
      const specific = grants.get(type)?.[interaction];
      const wildcard = grants.get('*')?.[interaction];
      if (specific === 'all' || wildcard === 'all') return 'all';
      if (!specific && !wildcard) return undefined;
      return [...(specific ?? []), ...(wildcard ?? [])];
    },
  };
}

/** True when a resource's category codings meet one of the granted categories. */
export function inGrantedCategory(resource: { category?: unknown }, categories: readonly Category[]): boolean {
  const raw = resource.category;
  const concepts = (Array.isArray(raw) ? raw : raw ? [raw] : []) as { coding?: { system?: string; code?: string }[] }[];
  return concepts.some((concept) => (concept.coding ?? []).some((c) => categories.some((g) => g.system === c.system && g.code === c.code)));
}
