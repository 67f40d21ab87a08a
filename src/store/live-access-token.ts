/**
 * One query answers everything the FHIR facade must know about a bearer token on every request:
 * the token (unexpired), whether its grant still exists, and its account's state. Revocation,
 * grant removal and deactivation are store writes, so they act on the very next request.
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
}

export async function findLiveAccessToken(db: Queryable, value: string, now: Date): Promise<LiveAccessToken | undefined> {
  const result = await db.query<Row>(
    `SELECT t.model, t.payload, g.id IS NOT NULL AS grant_live, a.status AS account_status, a.kind AS account_kind, a.fhir_user,
            c.id IS NOT NULL AS client_live,
            -- The token's patient is still one the account may act for (its own record or a live link).
            (a.patient = 'Patient/' || (t.payload->'extra'->>'patient')
              OR a.fhir_user = 'Patient/' || (t.payload->'extra'->>'patient')
              OR EXISTS (SELECT 1 FROM account_patients l WHERE l.account_id = a.id AND l.revoked_at IS NULL
                           AND l.patient = 'Patient/' || (t.payload->'extra'->>'patient'))) AS patient_live
       FROM oidc_payloads t
       LEFT JOIN oidc_payloads g ON g.model = 'Grant' AND g.id = t.grant_id AND (g.expires_at IS NULL OR g.expires_at > $2)
       LEFT JOIN accounts a ON a.id::text = t.payload->>'accountId'
       LEFT JOIN oidc_payloads c ON c.model = 'Client' AND c.id = t.payload->>'clientId'
      WHERE t.model IN ('AccessToken', 'ClientCredentials') AND t.id = $1 AND (t.expires_at IS NULL OR t.expires_at > $2)`,
    [value, now],
  );
  const row = result.rows[0];
  const payload = row?.payload;
  if (row?.model === 'ClientCredentials') {
    // A backend client's token lives while the token does and the client is still registered.
    if (!payload?.clientId || !row.client_live || (payload.exp !== undefined && payload.exp * 1000 <= now.getTime())) return undefined;
    return { kind: 'system', accountId: '', clientId: payload.clientId, grantId: '', audience: payload.aud, scope: payload.scope ?? '', extra: payload.extra ?? {}, fhirUser: null, staff: false };
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
  };
}
