/**
 * The FHIR facade's per-request token check (DESIGN.md security model 8) as one PL/pgSQL function:
 * PostgreSQL plans a PL/pgSQL function's statements once per connection and reuses the plan, so the
 * check is no longer planned on every request (about 1 ms of its 2–3 ms). The account is joined on
 * its primary key (the token's account id turned into a uuid, not `accounts.id::text`, which scanned
 * every account); a value that is not a canonical uuid matches no account instead of failing the cast.
 *
 * It answers everything `findLiveAccessToken` (src/store/live-access-token.ts) decides on: the token
 * row (unexpired; revocation and rotation delete it), its grant (present, unexpired), its client,
 * the account's status and kind, and whether the token's patient is one the account may act for
 * (accounts.patient, accounts.fhir_user, or a live account_patients link). Nothing is cached between
 * calls: every call reads the current rows. To change the check, add a migration that replaces this
 * function (migrations are append-only).
 */
export const id = '0005-live-access-token';

export const sql = /* sql */ `
CREATE FUNCTION live_access_token(p_token text, p_now timestamptz)
RETURNS TABLE (model text, payload jsonb, grant_live boolean, account_status text, account_kind text, fhir_user text, client_live boolean, patient_live boolean)
LANGUAGE plpgsql STABLE AS $fn$
#variable_conflict use_column
BEGIN
  RETURN QUERY
  SELECT t.model, t.payload, g.id IS NOT NULL, a.status, a.kind, a.fhir_user, c.id IS NOT NULL,
         -- The token's patient is still one the account may act for (its own record or a live link).
         (a.patient = 'Patient/' || (t.payload->'extra'->>'patient')
           OR a.fhir_user = 'Patient/' || (t.payload->'extra'->>'patient')
           OR EXISTS (SELECT 1 FROM account_patients l WHERE l.account_id = a.id AND l.revoked_at IS NULL
                        AND l.patient = 'Patient/' || (t.payload->'extra'->>'patient')))
    FROM oidc_payloads t
    LEFT JOIN oidc_payloads g ON g.model = 'Grant' AND g.id = t.grant_id AND (g.expires_at IS NULL OR g.expires_at > p_now)
    LEFT JOIN accounts a ON a.id = CASE WHEN t.payload->>'accountId' ~ '^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$'
                                        THEN (t.payload->>'accountId')::uuid END
    LEFT JOIN oidc_payloads c ON c.model = 'Client' AND c.id = t.payload->>'clientId'
   WHERE t.model IN ('AccessToken', 'ClientCredentials') AND t.id = p_token AND (t.expires_at IS NULL OR t.expires_at > p_now);
END
$fn$;
`;
