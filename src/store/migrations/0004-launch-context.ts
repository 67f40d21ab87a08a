/**
 * SMART launch context (issue #4): EHR launch values, the context each grant was authorized with,
 * and the patients an account may act for.
 */
export const id = '0004-launch-context';

export const sql = /* sql */ `
-- An EHR launch from the staff console (SMART App Launch 2.2 "EHR launch"): an opaque, single-use,
-- short-lived value bound to the staff account, the app and the patient. Only its SHA-256 is kept.
CREATE TABLE ehr_launches (
  id_hash      bytea PRIMARY KEY,
  account_id   uuid NOT NULL REFERENCES accounts (id) ON DELETE CASCADE,
  client_id    text NOT NULL,
  patient      text NOT NULL,            -- the patient id (Patient/<id> without the type)
  created_at   timestamptz NOT NULL DEFAULT now(),
  expires_at   timestamptz NOT NULL,
  consumed_at  timestamptz
);
CREATE INDEX ehr_launches_expires ON ehr_launches (expires_at);

-- The launch context a grant was authorized with: its patient (picked, or chosen by the EHR launch),
-- and whether the app should show a patient banner and use the portal's style.
CREATE TABLE grant_contexts (
  grant_id             text PRIMARY KEY,
  patient              text NOT NULL,
  need_patient_banner  boolean NOT NULL DEFAULT false,
  smart_style          boolean NOT NULL DEFAULT false,
  created_at           timestamptz NOT NULL DEFAULT now()
);

-- Patients an account may act for besides its own record (accounts.patient): filled by proxy links
-- (RelatedPerson) in a later issue. A revoked link stops acting on the next request.
CREATE TABLE account_patients (
  account_id      uuid NOT NULL REFERENCES accounts (id) ON DELETE CASCADE,
  patient         text NOT NULL,         -- Patient/<id>
  related_person  text,                  -- RelatedPerson/<id> behind a proxy link
  created_at      timestamptz NOT NULL DEFAULT now(),
  revoked_at      timestamptz,
  PRIMARY KEY (account_id, patient)
);
`;
