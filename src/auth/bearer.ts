/**
 * Bearer-token authentication for the FHIR facade (RFC 6750). Tokens are opaque, so a token is looked
 * up in the store — or taken from the answers already checked while the access epoch stands still
 * (checked-tokens.ts), in which case the facade's audit write confirms the epoch before release. An
 * expired, revoked or rotated token, a revoked grant or a deactivated account fail on the very next
 * request (DESIGN.md security model 8).
 */
import type { Db } from '../store/db.ts';
import { findLiveAccessToken } from '../store/live-access-token.ts';
import type { GrantUsage } from '../store/grant-usage.ts';
import type { CheckedTokens } from './checked-tokens.ts';
import type { Principal } from '../access/principal.ts';

export interface BearerDeps {
  readonly db: Db;
  readonly fhirBase: string;
  readonly grantUsage: GrantUsage;
  /** Answers kept while access is unchanged; without it, every call asks the store. */
  readonly checked?: CheckedTokens;
}

/** `recheck` skips the kept answers: the store decides (used when the access epoch has moved mid-request). */
export async function authenticateBearer(deps: BearerDeps, authorization: string | undefined, options: { recheck?: boolean } = {}): Promise<Principal | undefined> {
  const match = /^Bearer ([A-Za-z0-9._~+/-]+=*)$/.exec(authorization ?? '');
  if (!match) return undefined;
  const value = match[1]!;
  const now = new Date();
  let token = options.recheck ? undefined : deps.checked?.get(value, now.getTime());
  if (!token) {
    token = await findLiveAccessToken(deps.db, value, now);
    if (token) deps.checked?.remember(value, token);
    else deps.checked?.forget(value);
  }
  // The token must have been issued for this FHIR base (RFC 8707 resource / SMART aud).
  if (!token || token.audience !== deps.fhirBase) return undefined;
  // "Last used" on the patient's connected-apps page.
  if (token.kind === 'user') await deps.grantUsage.touch(token.grantId, now);
  const patient = token.extra['patient'];
  return {
    kind: token.kind,
    accountId: token.accountId,
    clientId: token.clientId,
    // Acting for a patient through a RelatedPerson (family access, migration 0009): that RelatedPerson is who
    // acts, for the audit (IHE BALP) and the pages, whichever patient the account's own fhirUser names.
    fhirUser: token.relatedPerson ?? token.fhirUser ?? undefined,
    patient: typeof patient === 'string' ? patient : undefined,
    scopes: new Set(token.scope.split(' ').filter(Boolean)),
    staff: token.staff,
    accessEpoch: token.epoch,
    ...(token.parts ? { consentParts: token.parts } : {}),
    ...(token.hiddenThreads ? { hiddenThreads: token.hiddenThreads } : {}),
  };
}
