/**
 * One query answers everything the FHIR facade must know about a bearer token on every request:
 * the token (unexpired), whether its grant still exists, its account's state, and whether the token's
 * patient is still one the account may act for (the `account_reach` view of migration 0007, the one
 * definition of reach, also read by src/access/reach.ts). Revocation,
 * grant removal and deactivation are store writes, so they act on the very next request. The query
 * itself is the SQL function `live_access_token` (migration 0005, replaced in 0006-access-epoch.ts, 0007-account-reach.ts, 0009-family-consent.ts and 0014-hidden-threads.ts):
 * planned once per connection, joined on indexes only; to change what it checks, add a migration.
 * The answer also says until when it holds at most (`liveUntil`) and the access epoch it was read at,
 * so a caller may keep it while nothing that could end it has been written (src/auth/checked-tokens.ts).
 */
import type { Queryable } from './db.ts';

export interface LiveAccessToken {
  /** 'user' tokens act for an account (patient, designee); 'system' tokens are a backend client's own. */
  readonly kind: 'user' | 'system';
  readonly accountId: string;
  readonly clientId: string;
  readonly grantId: string;
  readonly audience: string | undefined;
  readonly scope: string;
  readonly extra: Record<string, unknown>;
  readonly fhirUser: string | null;
  /** True for a staff member's token (EHR launch): only these may use user/ scopes. */
  readonly staff: boolean;
  /** Epoch milliseconds after which the token (or its grant) has expired; Infinity when neither row expires. */
  readonly liveUntil: number;
  /** The access epoch (migration 0006) this answer was read at. */
  readonly epoch: string;
  /** For a proxy reach of the token's patient: the RelatedPerson the account acts through (migration 0009). */
  readonly relatedPerson?: string;
  /** What the family member's Consent permits (src/access/family-access.ts parts); absent: everything. */
  readonly parts?: readonly string[];
  /** Conversations (`Communication/<id>` headers) the patient keeps from this family member (migration 0014); absent: none. */
  readonly hiddenThreads?: readonly string[];
}

interface Row {
  model: string;
  client_live: boolean;
  payload: { accountId?: string; clientId?: string; grantId?: string; aud?: string; scope?: string; extra?: Record<string, unknown>; exp?: number };
  grant_live: boolean;
  account_status: string | null;
  account_kind: string | null;
  patient_live: boolean | null;
  fhir_user: string | null;
  live_until: Date | string | null;
  epoch: bigint | number | string;
  related_person?: string | null;
  parts?: string[] | null;
  hidden_threads?: string[] | null;
}

export async function findLiveAccessToken(db: Queryable, value: string, now: Date): Promise<LiveAccessToken | undefined> {
  // One call of live_access_token (migrations 0005–0007): its plan is made once per connection and reused,
  // and it reads the current rows every time, so a revocation or deactivation acts on the next request.
  const result = await db.query<Row>('SELECT * FROM live_access_token($1, $2)', [value, now]);
  const row = result.rows[0];
  const payload = row?.payload;
  const liveUntil = Math.min(row?.live_until ? new Date(row.live_until).getTime() : Infinity, payload?.exp !== undefined ? payload.exp * 1000 : Infinity);
  const epoch = String(row?.epoch);
  if (row?.model === 'ClientCredentials') {
    // A backend client's token lives while the token does and the client is still registered.
    if (!payload?.clientId || !row.client_live || (payload.exp !== undefined && payload.exp * 1000 <= now.getTime())) return undefined;
    return {
      kind: 'system',
      accountId: '',
      clientId: payload.clientId,
      grantId: '',
      audience: payload.aud,
      scope: payload.scope ?? '',
      extra: payload.extra ?? {},
      fhirUser: null,
      staff: false,
      liveUntil,
      epoch,
    };
  }
  if (!row || !payload?.accountId || !payload.clientId || !payload.grantId) return undefined;
  if (payload.exp !== undefined && payload.exp * 1000 <= now.getTime()) return undefined;
  if (!row.grant_live || row.account_status !== 'active') return undefined;
  const staff = row.account_kind === 'staff';
  // A patient-side token whose patient link was revoked dies at once (security model 8); staff act for the practice.
  if (!staff && typeof payload.extra?.['patient'] === 'string' && !row.patient_live) return undefined;
  return {
    kind: 'user',
    accountId: payload.accountId,
    clientId: payload.clientId,
    grantId: payload.grantId,
    audience: payload.aud,
    scope: payload.scope ?? '',
    extra: payload.extra ?? {},
    fhirUser: row.fhir_user,
    staff,
    liveUntil,
    epoch,
    ...(!staff && row.related_person ? { relatedPerson: row.related_person } : {}),
    ...(!staff && row.parts ? { parts: row.parts } : {}),
    ...(!staff && row.hidden_threads?.length ? { hiddenThreads: row.hidden_threads } : {}),
  };
}
