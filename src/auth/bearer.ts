/**
 * Bearer-token authentication for the FHIR facade (RFC 6750). Tokens are opaque, so each request
 * looks the token up in the store: an expired, revoked or rotated token, a revoked grant or a
 * deactivated account fail on the very next request (DESIGN.md security model 8).
 */
import type { Db } from '../store/db.ts';
import { findLiveAccessToken } from '../store/live-access-token.ts';
import type { GrantUsage } from '../store/grant-usage.ts';

export interface Principal {
  /** 'user': a person's token (patient context); 'system': a backend client's token (SMART Backend Services). */
  readonly kind: 'user' | 'system';
  readonly accountId: string;
  readonly clientId: string;
  /** Patient/…, RelatedPerson/… or Practitioner/… */
  readonly fhirUser: string | undefined;
  /** The launch context's patient id; absent means no patient data may be read (fail closed). */
  readonly patient: string | undefined;
  readonly scopes: ReadonlySet<string>;
  /** A staff member's token (EHR launch from the staff console): the only kind whose user/ scopes count. */
  readonly staff?: boolean;
}

export async function authenticateBearer(deps: { db: Db; fhirBase: string; grantUsage: GrantUsage }, authorization: string | undefined): Promise<Principal | undefined> {
  const match = /^Bearer ([A-Za-z0-9._~+/-]+=*)$/.exec(authorization ?? '');
  if (!match) return undefined;
  const now = new Date();
  const token = await findLiveAccessToken(deps.db, match[1]!, now);
  // The token must have been issued for this FHIR base (RFC 8707 resource / SMART aud).
  if (!token || token.audience !== deps.fhirBase) return undefined;
  // "Last used" on the patient's connected-apps page.
  if (token.kind === 'user') await deps.grantUsage.touch(token.grantId, now);
  const patient = token.extra['patient'];
  return {
    kind: token.kind,
    accountId: token.accountId,
    clientId: token.clientId,
    fhirUser: token.fhirUser ?? undefined,
    patient: typeof patient === 'string' ? patient : undefined,
    scopes: new Set(token.scope.split(' ').filter(Boolean)),
    staff: token.staff,
  };
}
