/**
 * What a patient can grant on the consent screen: the resource scopes an app asked for, and the
 * narrower SMART v2 choices under them (single types under a wildcard; categories under Observation
 * and Condition). Anything granted must be the same as or narrower than something requested.
 */
import { patientScopeCatalog, patientSearchParams, sharedReadTypes } from './allow-lists.ts';

export interface ScopeChoice {
  readonly scope: string;
  readonly type: string;
  /** The category code for granular scopes (`?category=system|code`). */
  readonly category?: string;
}

const known = new Set(patientScopeCatalog());
const parse = (scope: string): ScopeChoice | undefined => {
  const match = /^patient\/(\*|[A-Za-z]+)\.[a-z]+(?:\?category=[^|]+\|(.+))?$/.exec(scope);
  return match && known.has(scope) ? { scope, type: match[1]!, ...(match[2] ? { category: match[2] } : {}) } : undefined;
};

/** The requested resource scopes the server supports, in request order. */
export const requestedChoices = (requested: readonly string[]): ScopeChoice[] => requested.map(parse).filter((c): c is ScopeChoice => !!c);

/** Narrower alternatives a patient may pick instead of a broad request: one entry per type or category. */
export function narrowerChoices(requested: readonly ScopeChoice[]): ScopeChoice[] {
  const choices = new Map<string, ScopeChoice>();
  const add = (scope: string) => {
    const choice = parse(scope);
    if (choice && !requested.some((r) => r.scope === scope)) choices.set(scope, choice);
  };
  for (const request of requested) {
    if (request.category) continue;
    const perm = request.scope.slice(request.scope.lastIndexOf('.') + 1);
    const v2 = perm === 'read' ? 'rs' : perm;
    const types = request.type === '*' ? [...Object.keys(patientSearchParams), ...sharedReadTypes] : [request.type];
    for (const type of types) {
      if (request.type === '*') add(`patient/${type}.${v2}`);
      if (type === 'Observation' || type === 'Condition') for (const scope of known) if (scope.startsWith(`patient/${type}.rs?category=`)) add(scope);
    }
  }
  return [...choices.values()];
}

/** The scopes a patient may grant for this request: the requested ones and their narrower alternatives. */
export const grantableScopes = (requested: readonly ScopeChoice[]): ReadonlySet<string> => new Set([...requested, ...narrowerChoices(requested)].map((c) => c.scope));
