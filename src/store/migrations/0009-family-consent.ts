/**
 * Family and caregivers (issue 13): the store's proxy tables become the cache of the FHIR RelatedPerson +
 * Consent pair, and the one definition of reach (account_reach, migration 0007) reads it.
 *
 * account_patients (one row per account and patient it acts for) gains what the pair says:
 *   - consent: Consent/<id> authorizing the link (the RelatedPerson is related_person);
 *   - parts: what the Consent permits, as the plain-word parts of src/access/family-access.ts; NULL is
 *     everything the patient sees (the brochure's default);
 *   - ends_at: Consent.provision.period.end (and RelatedPerson.period.end), if the patient set one;
 *   - name, relationship (v3 RoleCode / v2 0131 code): for the patient's list;
 *   - ended_by: who ended it (patient, family, staff, everything, expired, age), set with revoked_at.
 * family_invitations holds a patient's invitation until the invited person accepts it: the pending
 * account, the single-use registration link (invitations, as every other link) and the ids the FHIR
 * resources will get, chosen at invitation so a retried acceptance writes the same resources (PUT).
 *
 * The view is replaced with the same columns plus two at the end (CREATE OR REPLACE VIEW may only append):
 * `parts` (what the reach permits: NULL everything) and `ends_at` (until when it holds). The link branch is
 * filtered to live links: not revoked (the Consent active) and in period. A link past its end stops
 * reaching at that instant without any write, so live_access_token also answers `live_until` no later than
 * `ends_at`: a checked token kept by a replica (src/auth/checked-tokens.ts) is dropped at the end date too.
 *
 * Access epoch: every column added here is on account_patients, whose 0006 trigger already fires on every
 * UPDATE and DELETE, so changing the access, ending it or shortening the period moves the epoch and acts
 * on the next request on every replica. family_invitations grants nothing until accepted (an INSERT into
 * account_patients, which only widens reach) and needs no trigger.
 *
 * live_access_token is replaced to answer, for the token's patient, the reach row it holds by (own record
 * first, by rank): its RelatedPerson (the agent the facade audits, and fhirUser for that patient) and its
 * parts (what the facade releases).
 */
export const id = '0009-family-consent';

export const sql = /* sql */ `
ALTER TABLE account_patients
  ADD COLUMN consent       text,
  ADD COLUMN parts         text[],
  ADD COLUMN ends_at       timestamptz,
  ADD COLUMN name          text,
  ADD COLUMN relationship  text,
  ADD COLUMN ended_by      text;
CREATE INDEX account_patients_patient ON account_patients (patient);

CREATE TABLE family_invitations (
  id              uuid PRIMARY KEY DEFAULT gen_random_uuid(),
  account_id      uuid NOT NULL REFERENCES accounts (id) ON DELETE CASCADE,  -- the invited person's (pending) account
  patient         text NOT NULL,                                              -- Patient/<id>
  invited_by      uuid NOT NULL REFERENCES accounts (id) ON DELETE CASCADE,
  name            text NOT NULL,
  relationship    text NOT NULL,
  email           text NOT NULL CHECK (email = lower(email)),
  parts           text[],
  ends_at         timestamptz,
  locale          text NOT NULL,
  related_person  text NOT NULL,  -- RelatedPerson/<id>, written at acceptance
  consent         text NOT NULL,  -- Consent/<id>
  document        text NOT NULL,  -- DocumentReference/<id> (the electronic authorization PDF)
  signature       text NOT NULL,  -- the name the patient typed as their signature
  client_address  text NOT NULL,
  created_at      timestamptz NOT NULL,
  accepted_at     timestamptz,
  cancelled_at    timestamptz
);
CREATE INDEX family_invitations_account ON family_invitations (account_id);
CREATE INDEX family_invitations_patient ON family_invitations (patient);

CREATE OR REPLACE VIEW account_reach (account_id, patient, via, related_person, rank, since, parts, ends_at) AS
  SELECT a.id, a.patient,
         CASE WHEN a.kind = 'proxy' THEN 'proxy' ELSE 'self' END,
         CASE WHEN a.kind = 'proxy' AND a.fhir_user LIKE 'RelatedPerson/%' THEN a.fhir_user END,
         0, a.created_at, NULL::text[], NULL::timestamptz
    FROM accounts a
   WHERE a.kind IN ('patient', 'proxy') AND a.status = 'active' AND a.patient IS NOT NULL
  UNION ALL
  SELECT a.id, a.fhir_user, 'self', NULL, 1, a.created_at, NULL::text[], NULL::timestamptz
    FROM accounts a
   WHERE a.kind IN ('patient', 'proxy') AND a.status = 'active' AND a.fhir_user LIKE 'Patient/%'
     AND a.fhir_user IS DISTINCT FROM a.patient
  UNION ALL
  -- The RelatedPerson + Consent pair, as the proxy link caches it: live while the Consent is active (not
  -- revoked) and in period.
  SELECT l.account_id, l.patient, 'proxy', l.related_person, 2, l.created_at, l.parts, l.ends_at
    FROM account_patients l
    JOIN accounts a ON a.id = l.account_id
   WHERE a.kind IN ('patient', 'proxy') AND a.status = 'active' AND l.revoked_at IS NULL
     AND (l.ends_at IS NULL OR l.ends_at > now());

DROP FUNCTION live_access_token(text, timestamptz);
CREATE FUNCTION live_access_token(p_token text, p_now timestamptz)
RETURNS TABLE (model text, payload jsonb, grant_live boolean, account_status text, account_kind text, fhir_user text, client_live boolean, patient_live boolean,
               live_until timestamptz, epoch bigint, related_person text, parts text[])
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
         r.related_person, r.parts
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
