/**
 * Conversations not shared with a named family member (issue #14 point 4). The FHIR record of truth is the
 * family member's Consent: a nested `provision` of type `deny` whose `data` is the conversation's header
 * (src/proxies/family-resources.ts). The proxy link caches it, as it caches the Consent's parts (migration 0009):
 *
 *   - account_patients.hidden_threads: `Communication/<id>` of every thread header the patient has marked not
 *     shared with this link's RelatedPerson; empty for everything shared.
 *
 * Access epoch: the column is on account_patients, whose 0006 trigger fires on every UPDATE, so marking a
 * conversation (or sharing it again) acts on the next request on every replica.
 *
 * live_access_token (0009) is replaced with one more column, `hidden_threads`, read from the live link of the
 * RelatedPerson the token acts through (the reach row's), so a paper-form designee, whose reach row comes from
 * the account itself, gets its link's list too. The facade withholds those threads (src/access/family-access.ts).
 */
export const id = '0014-hidden-threads';

export const sql = /* sql */ `
ALTER TABLE account_patients ADD COLUMN hidden_threads text[] NOT NULL DEFAULT '{}';

DROP FUNCTION live_access_token(text, timestamptz);
CREATE FUNCTION live_access_token(p_token text, p_now timestamptz)
RETURNS TABLE (model text, payload jsonb, grant_live boolean, account_status text, account_kind text, fhir_user text, client_live boolean, patient_live boolean,
               live_until timestamptz, epoch bigint, related_person text, parts text[], hidden_threads text[])
LANGUAGE plpgsql STABLE AS $fn$
#variable_conflict use_column
BEGIN
  RETURN QUERY
  SELECT t.model, t.payload, g.id IS NOT NULL, a.status, a.kind, a.fhir_user, c.id IS NOT NULL,
         -- The token's patient is still one the account may act for (account_reach: the one rule).
         r.account_id IS NOT NULL,
         -- LEAST ignores NULLs: no expiry on any row means none from here.
         LEAST(t.expires_at, g.expires_at, r.ends_at),
         (SELECT e.n FROM access_epoch e),
         r.related_person, r.parts,
         -- The conversations the patient keeps from this RelatedPerson (its live link; none without one).
         (SELECT l.hidden_threads FROM account_patients l
           WHERE l.account_id = a.id AND l.patient = 'Patient/' || (t.payload->'extra'->>'patient')
             AND l.related_person = r.related_person AND l.revoked_at IS NULL LIMIT 1)
    FROM oidc_payloads t
    LEFT JOIN oidc_payloads g ON g.model = 'Grant' AND g.id = t.grant_id AND (g.expires_at IS NULL OR g.expires_at > p_now)
    LEFT JOIN accounts a ON a.id = CASE WHEN t.payload->>'accountId' ~ '^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$'
                                        THEN (t.payload->>'accountId')::uuid END
    LEFT JOIN oidc_payloads c ON c.model = 'Client' AND c.id = t.payload->>'clientId'
    LEFT JOIN LATERAL (
      SELECT x.account_id, x.via, x.related_person, x.parts, x.ends_at FROM account_reach x
       WHERE x.account_id = a.id AND x.patient = 'Patient/' || (t.payload->'extra'->>'patient')
       ORDER BY x.rank LIMIT 1) r ON true
   WHERE t.model IN ('AccessToken', 'ClientCredentials') AND t.id = p_token AND (t.expires_at IS NULL OR t.expires_at > p_now);
END
$fn$;
`;
