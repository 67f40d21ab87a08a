/**
 * Every grant the authorization server makes is built here (SMART App Launch 2.2 §scopes; OAuth 2.0
 * Security BCP: a grant holds no more than was asked for and allowed). Three ways to a grant, one
 * function each for its scope arithmetic:
 *
 * - the portal's own web app (first-party, no consent screen): what it asked for among OpenID, launch
 *   and patient/ scopes; user/ scopes recorded as refused (they are for staff);
 * - an EHR launch from the staff console (no consent screen: the practice registered the app): the
 *   OpenID, launch and refresh scopes asked for, patient/ scopes, and user/ scopes only as staff
 *   registered them for this app; everything else asked for recorded as refused;
 * - the consent screen (third-party apps): the resource scopes the patient ticked among those asked for
 *   and their narrower alternatives, within a family member's limited Consent when they act through one; offline_access only if the patient allowed it (else declined);
 *   user/ scopes never (a patient's grant records them as refused).
 *
 * Refused scopes are recorded on the grant so the authorization completes with what was granted and the
 * server does not ask again for them. Which account and patient a grant is for is decided by the callers
 * (provider.ts, ehr-launch.ts, web/interaction-router.ts) and the picker (patient-picker.ts).
 */
import type Provider from 'oidc-provider';
import { patientScopeCatalog, userScopeCatalog } from '../access/allow-lists.ts';
import { narrowerChoices, requestedChoices, type ScopeChoice } from '../access/scope-choices.ts';

/** Scopes the FHIR facade understands for patient-context tokens (SMART v2 and v1 forms). */
export const patientResourceScopes = patientScopeCatalog();
export const openIdScopes = ['openid', 'fhirUser', 'profile', 'email'];
export const launchScopes = ['launch', 'launch/patient'];
export const refreshScopes = ['offline_access', 'online_access'];
/** A staff member's app (EHR launch) may hold the launch patient's patient/ scopes and practice-wide user/ scopes. */
export const staffResourceScopes = [...patientResourceScopes, ...userScopeCatalog()];

/** What one grant holds, and what it records as refused. */
export interface GrantScopes {
  readonly oidc: readonly string[];
  readonly resource: readonly string[];
  readonly rejectedOidc: readonly string[];
  readonly rejectedResource: readonly string[];
}

/** The scopes of an authorization request's `scope` parameter, in order. */
export const requestedScopes = (scope: unknown): string[] =>
  String(scope ?? '')
    .split(' ')
    .filter(Boolean);

const staffOnly = (scope: string) => staffResourceScopes.includes(scope) && !patientResourceScopes.includes(scope);

/** The portal's own web app: OpenID and launch scopes (anything without a `/`, and launch/patient) and patient/ scopes as asked; user/ ones refused. */
export function firstPartyGrantScopes(requested: readonly string[]): GrantScopes {
  return {
    oidc: requested.filter((s) => !s.includes('/') || launchScopes.includes(s)),
    resource: requested.filter((s) => patientResourceScopes.includes(s)),
    rejectedOidc: [],
    // user/ scopes are for staff (EHR launch) only: a patient-side account's grant records them as refused.
    rejectedResource: requested.filter(staffOnly),
  };
}

/** An EHR launch by staff: OpenID, launch and refresh scopes as asked; resource scopes a staff app may hold, user/ ones only as registered for the app. */
export function ehrLaunchGrantScopes(requested: readonly string[], registeredUserScopes: Iterable<string>): GrantScopes {
  const registered = new Set(registeredUserScopes);
  const known = requested.filter((s) => staffResourceScopes.includes(s));
  const resource = known.filter((s) => !s.startsWith('user/') || registered.has(s));
  return {
    oidc: requested.filter((s) => [...openIdScopes, ...launchScopes, ...refreshScopes].includes(s)),
    resource,
    rejectedOidc: [],
    // The rest are recorded as refused, so the authorization completes with what was granted (no consent prompt).
    rejectedResource: known.filter((s) => !resource.includes(s)),
  };
}

/**
 * The consent screen: the resource scopes the patient chose among those grantable for this request, or
 * undefined when none was (the screen asks again). offline_access only if the patient allowed it.
 */
export function consentGrantScopes(
  requested: readonly string[],
  chosen: readonly string[],
  allowOffline: boolean,
  /** A family member's limited Consent: only choices within it are grantable (issue 13 point 7). */
  within: (choice: ScopeChoice) => boolean = () => true,
): GrantScopes | undefined {
  const requestedResources = requestedChoices(requested);
  const grantable = new Set([...requestedResources, ...narrowerChoices(requestedResources)].filter(within).map((c) => c.scope));
  const resource = chosen.filter((s) => grantable.has(s));
  if (resource.length === 0) return undefined;
  const oidc = requested.filter((s) => !s.includes('/') || s === 'launch/patient').filter((s) => s !== 'offline_access' || allowOffline);
  return {
    oidc,
    resource,
    // What the patient declined is recorded as rejected, so the server does not ask again for it.
    rejectedOidc: requested.filter((s) => s === 'offline_access' && !oidc.includes(s)),
    // user/ scopes are never a patient's to grant (staff EHR launch only): recorded as refused with the rest.
    rejectedResource: [...requestedResources.map((c) => c.scope).filter((s) => !resource.includes(s)), ...requested.filter((s) => s.startsWith('user/'))],
  };
}

/** A new, unsaved grant for this account and client holding exactly `scopes` on the FHIR base. */
export function grantWith(provider: Pick<Provider, 'Grant'>, owner: { readonly accountId: string; readonly clientId: string }, fhirBase: string, scopes: GrantScopes) {
  const grant = new provider.Grant({ accountId: owner.accountId, clientId: owner.clientId });
  grant.addOIDCScope(scopes.oidc.join(' '));
  if (scopes.resource.length > 0) grant.addResourceScope(fhirBase, scopes.resource.join(' '));
  if (scopes.rejectedOidc.length > 0) grant.rejectOIDCScope(scopes.rejectedOidc.join(' '));
  if (scopes.rejectedResource.length > 0) grant.rejectResourceScope(fhirBase, scopes.rejectedResource.join(' '));
  return grant;
}
