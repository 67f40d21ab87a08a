/**
 * One definition of reach: which patients a portal account may act for, and how (DESIGN.md "Proxies are
 * RelatedPerson resources", security model 8). Before this migration the rule was written three times
 * and the copies differed (live_access_token's SQL, patientsOfAccount's SQL, the 0006 trigger list).
 * Now the view `account_reach` is the rule; the per-request token check (live_access_token, replaced
 * below) and the TypeScript face (src/store/account-reach.ts → src/access/reach.ts) both read it.
 *
 * The rule: an ACTIVE PATIENT-SIDE account (kind 'patient' or 'proxy') reaches
 *   - accounts.patient: its own record ('self'), or for a designee the patient it signs for ('proxy',
 *     through its RelatedPerson fhirUser);
 *   - accounts.fhir_user when that is a Patient reference ('self');
 *   - each unrevoked account_patients link ('proxy', through the link's RelatedPerson).
 * Staff accounts reach no patient this way: a staff member acts for the patient an EHR launch names and,
 * practice-wide, only through the user/ scopes registered for the app; backend clients only through
 * system/ scopes. Neither is a row here.
 *
 * Columns: account_id, patient (Patient/<id>), via ('self' | 'proxy'), related_person (RelatedPerson/<id>
 * behind a proxy reach, when known), rank (0 own/signed-for record, 1 fhirUser, 2 links: the picker's
 * order) and since (when the reach began). One row per way of reaching; a patient reached two ways has
 * two rows (readers that list patients take each once, by rank).
 *
 * Where the family issue joins: the proxy tables are the store's cache of the FHIR RelatedPerson + Consent
 * pair (RelatedPerson.patient = the patient, an active Consent naming the RelatedPerson as performer). A
 * later migration adds their branch to this view with `CREATE OR REPLACE VIEW` — same columns, via 'proxy',
 * related_person set, filtered to live links (consent active, not revoked) — and adds access-epoch triggers
 * on those tables. Nothing that reads the view changes.
 *
 * The access epoch (0006) already moves on every write this view can see end reach: accounts
 * status/kind/patient/fhir_user (UPDATE) and DELETE, account_patients UPDATE and DELETE (revoked_at,
 * related_person). The view also reads accounts.created_at and account_patients.created_at, which never
 * end access (test/unit/store/account-reach.test.ts checks the list against the catalog).
 *
 * UNION ALL of simple branches, so a lookup by (account_id, patient) is pushed into each branch and
 * answered from primary keys (test/unit/store/live-access-token.test.ts: no table is scanned).
 */
export const id = '0007-account-reach';

export const sql = /* sql */ `
CREATE VIEW account_reach (account_id, patient, via, related_person, rank, since) AS
  SELECT a.id, a.patient,
         CASE WHEN a.kind = 'proxy' THEN 'proxy' ELSE 'self' END,
         CASE WHEN a.kind = 'proxy' AND a.fhir_user LIKE 'RelatedPerson/%' THEN a.fhir_user END,
         0, a.created_at
    FROM accounts a
   WHERE a.kind IN ('patient', 'proxy') AND a.status = 'active' AND a.patient IS NOT NULL
  UNION ALL
  SELECT a.id, a.fhir_user, 'self', NULL, 1, a.created_at
    FROM accounts a
   WHERE a.kind IN ('patient', 'proxy') AND a.status = 'active' AND a.fhir_user LIKE 'Patient/%'
     AND a.fhir_user IS DISTINCT FROM a.patient
  UNION ALL
  SELECT l.account_id, l.patient, 'proxy', l.related_person, 2, l.created_at
    FROM account_patients l
    JOIN accounts a ON a.id = l.account_id
   WHERE a.kind IN ('patient', 'proxy') AND a.status = 'active' AND l.revoked_at IS NULL;

-- The token check of 0006, reading reach from the view (everything else unchanged). A staff token's
-- patient is the one its EHR launch named; findLiveAccessToken does not ask patient_live for it.
DROP FUNCTION live_access_token(text, timestamptz);
CREATE FUNCTION live_access_token(p_token text, p_now timestamptz)
RETURNS TABLE (model text, payload jsonb, grant_live boolean, account_status text, account_kind text, fhir_user text, client_live boolean, patient_live boolean,
               live_until timestamptz, epoch bigint)
LANGUAGE plpgsql STABLE AS $fn$
#variable_conflict use_column
BEGIN
  RETURN QUERY
  SELECT t.model, t.payload, g.id IS NOT NULL, a.status, a.kind, a.fhir_user, c.id IS NOT NULL,
         -- The token's patient is still one the account may act for (account_reach: the one rule).
         EXISTS (SELECT 1 FROM account_reach r WHERE r.account_id = a.id AND r.patient = 'Patient/' || (t.payload->'extra'->>'patient')),
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
