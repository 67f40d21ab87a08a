/**
 * Bearer-token authentication for the FHIR facade (RFC 6750). Tokens are opaque, so each request
 * looks the token up in the store: an expired, revoked or rotated token, a revoked grant or a
 * deactivated account fail on the very next request (DESIGN.md security model 8).
 */
import type Provider from 'oidc-provider';
import type { Db } from '../store/db.ts';
import { findAccount } from '../store/accounts.ts';
import { touchGrant } from '../store/oauth-clients.ts';

export interface Principal {
  readonly accountId: string;
  readonly clientId: string;
  /** Patient/…, RelatedPerson/… or Practitioner/… */
  readonly fhirUser: string | undefined;
  /** The launch context's patient id; absent means no patient data may be read (fail closed). */
  readonly patient: string | undefined;
  readonly scopes: ReadonlySet<string>;
}

export async function authenticateBearer(deps: { provider: Provider; db: Db; fhirBase: string }, authorization: string | undefined): Promise<Principal | undefined> {
  const match = /^Bearer ([A-Za-z0-9._~+/-]+=*)$/.exec(authorization ?? '');
  if (!match) return undefined;
  const token = await deps.provider.AccessToken.find(match[1]!);
  if (!token || token.isExpired || !token.accountId) return undefined;
  const audience = (token as unknown as { aud?: string }).aud;
  if (audience !== deps.fhirBase) return undefined;
  const [grant, account] = await Promise.all([token.grantId ? deps.provider.Grant.find(token.grantId) : undefined, findAccount(deps.db, token.accountId)]);
  if (!grant || !account || account.status !== 'active') return undefined;
  const patient = token.extra?.['patient'];
  // "Last used" on the patient's connected-apps page.
  await touchGrant(deps.db, token.grantId!, new Date());
  return {
    accountId: account.id,
    clientId: token.clientId!,
    fhirUser: account.fhir_user ?? undefined,
    patient: typeof patient === 'string' ? patient : undefined,
    scopes: new Set((token.scope ?? '').split(' ').filter(Boolean)),
  };
}
