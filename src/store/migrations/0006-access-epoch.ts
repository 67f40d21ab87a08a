/**
 * The access epoch: one counter that every write able to end a token's access moves, in the same
 * transaction as the write (DESIGN.md security model 8: "caches are invalidated on those writes").
 * The FHIR facade keeps a token it has checked for as long as the epoch stands still, and writes each
 * request's AuditEvent only if the epoch is still the one its token was checked at, in the same
 * statement (src/store/audit-trail.ts); if it moved, the token is checked again before anything is
 * released. So a revocation, rotation, deactivation or revoked link acts on the next request on every
 * replica, and an unchanged token costs one store statement per request instead of two.
 *
 * What moves it: any change to a token, grant or client row (revocation, rotation and expiry clean-up
 * delete them; re-consent updates a grant); a change to an account's status, kind or patient links
 * (accounts.status/kind/patient/fhir_user); any change to an account_patients link. Sign-in bookkeeping
 * (password hash, TOTP step, email, locale) does not.
 *
 * live_access_token (0005) is replaced to also answer until when the token and its grant live and the
 * epoch its answer was read at (same statement, same snapshot).
 */
export const id = '0006-access-epoch';

export const sql = /* sql */ `
CREATE TABLE access_epoch (
  singleton  boolean PRIMARY KEY DEFAULT true CHECK (singleton),
  n          bigint NOT NULL
);
INSERT INTO access_epoch (n) VALUES (0);

CREATE FUNCTION bump_access_epoch() RETURNS trigger LANGUAGE plpgsql AS $fn$
BEGIN
  UPDATE access_epoch SET n = n + 1;
  RETURN NULL;
END
$fn$;

CREATE TRIGGER oidc_payloads_access_epoch AFTER UPDATE OR DELETE ON oidc_payloads
  FOR EACH ROW WHEN (OLD.model IN ('AccessToken', 'ClientCredentials', 'Grant', 'Client'))
  EXECUTE FUNCTION bump_access_epoch();
CREATE TRIGGER accounts_access_epoch AFTER UPDATE ON accounts
  FOR EACH ROW WHEN (OLD.status IS DISTINCT FROM NEW.status OR OLD.kind IS DISTINCT FROM NEW.kind
                     OR OLD.patient IS DISTINCT FROM NEW.patient OR OLD.fhir_user IS DISTINCT FROM NEW.fhir_user)
  EXECUTE FUNCTION bump_access_epoch();
CREATE TRIGGER accounts_access_epoch_delete AFTER DELETE ON accounts
  FOR EACH ROW EXECUTE FUNCTION bump_access_epoch();
CREATE TRIGGER account_patients_access_epoch AFTER UPDATE OR DELETE ON account_patients
  FOR EACH ROW EXECUTE FUNCTION bump_access_epoch();

DROP FUNCTION live_access_token(text, timestamptz);
CREATE FUNCTION live_access_token(p_token text, p_now timestamptz)
RETURNS TABLE (model text, payload jsonb, grant_live boolean, account_status text, account_kind text, fhir_user text, client_live boolean, patient_live boolean,
               live_until timestamptz, epoch bigint)
LANGUAGE plpgsql STABLE AS $fn$
#variable_conflict use_column
BEGIN
  RETURN QUERY
  SELECT t.model, t.payload, g.id IS NOT NULL, a.status, a.kind, a.fhir_user, c.id IS NOT NULL,
         -- The token's patient is still one the account may act for (its own record or a live link).
         (a.patient = 'Patient/' || (t.payload->'extra'->>'patient')
           OR a.fhir_user = 'Patient/' || (t.payload->'extra'->>'patient')
           OR EXISTS (SELECT 1 FROM account_patients l WHERE l.account_id = a.id AND l.revoked_at IS NULL
                        AND l.patient = 'Patient/' || (t.payload->'extra'->>'patient'))),
         -- LEAST ignores NULLs: no expiry on either row means none from here.
         LEAST(t.expires_at, g.expires_at),
         (SELECT e.n FROM access_epoch e)
    FROM oidc_payloads t
    LEFT JOIN oidc_payloads g ON g.model = 'Grant' AND g.id = t.grant_id AND (g.expires_at IS NULL OR g.expires_at > p_now)
    LEFT JOIN accounts a ON a.id = CASE WHEN t.payload->>'accountId' ~ '^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$'
                                        THEN (t.payload->>'accountId')::uuid END
    LEFT JOIN oidc_payloads c ON c.model = 'Client' AND c.id = t.payload->>'clientId'
   WHERE t.model IN ('AccessToken', 'ClientCredentials') AND t.id = p_token AND (t.expires_at IS NULL OR t.expires_at > p_now);
END
$fn$;
`;
