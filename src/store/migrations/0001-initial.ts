/**
 * The portal's own data (DESIGN.md "Pieces"): credentials, invitations, OAuth state, the outbox,
 * a copy of the audit trail and throttling counters. Clinical truth stays in the FHIR server.
 */
export const id = '0001-initial';

export const sql = /* sql */ `
CREATE TABLE accounts (
  id             uuid PRIMARY KEY DEFAULT gen_random_uuid(),
  kind           text NOT NULL CHECK (kind IN ('patient', 'proxy', 'staff')),
  email          text NOT NULL CHECK (email = lower(email)),
  password_hash  text,
  status         text NOT NULL CHECK (status IN ('pending', 'active', 'deactivated', 'disabled')),
  fhir_user      text,
  roles          text[] NOT NULL DEFAULT '{}',
  locale         text NOT NULL DEFAULT 'es' CHECK (locale IN ('es', 'en')),
  totp_secret    text,
  created_at     timestamptz NOT NULL DEFAULT now(),
  updated_at     timestamptz NOT NULL DEFAULT now(),
  deactivated_at timestamptz
);
-- One sign-in per email and kind within this practice (promise 8: each practice runs its own portal).
CREATE UNIQUE INDEX accounts_kind_email ON accounts (kind, email);

CREATE TABLE invitations (
  id               uuid PRIMARY KEY DEFAULT gen_random_uuid(),
  account_id       uuid NOT NULL REFERENCES accounts (id) ON DELETE CASCADE,
  purpose          text NOT NULL CHECK (purpose IN ('registration', 'password_reset', 'proxy')),
  -- Only a hash of the emailed token is kept (DESIGN.md security model 9).
  token_hash       bytea NOT NULL UNIQUE,
  created_at       timestamptz NOT NULL DEFAULT now(),
  expires_at       timestamptz NOT NULL,
  consumed_at      timestamptz,
  voided_at        timestamptz,
  failed_attempts  integer NOT NULL DEFAULT 0,
  frozen_at        timestamptz,
  outbox_id        bigint
);
CREATE INDEX invitations_account ON invitations (account_id);

-- oidc-provider's adapter state (sessions, grants, codes, tokens), keyed by model and id.
CREATE TABLE oidc_payloads (
  model        text NOT NULL,
  id           text NOT NULL,
  payload      jsonb NOT NULL,
  grant_id     text,
  user_code    text,
  uid          text,
  expires_at   timestamptz,
  consumed_at  timestamptz,
  PRIMARY KEY (model, id)
);
CREATE INDEX oidc_payloads_grant ON oidc_payloads (grant_id);
CREATE INDEX oidc_payloads_uid ON oidc_payloads (uid);
CREATE INDEX oidc_payloads_user_code ON oidc_payloads (user_code);
CREATE INDEX oidc_payloads_expires ON oidc_payloads (expires_at);

-- Side effects written in the same transaction as the change that causes them (DESIGN.md security model 10).
CREATE TABLE outbox (
  id               bigserial PRIMARY KEY,
  kind             text NOT NULL,
  payload          jsonb NOT NULL,
  status           text NOT NULL DEFAULT 'pending' CHECK (status IN ('pending', 'sending', 'sent', 'dead')),
  attempts         integer NOT NULL DEFAULT 0,
  created_at       timestamptz NOT NULL DEFAULT now(),
  next_attempt_at  timestamptz NOT NULL DEFAULT now(),
  lease_expires_at timestamptz,
  sent_at          timestamptz,
  delivery_id      text,
  last_error       text
);
CREATE INDEX outbox_due ON outbox (next_attempt_at) WHERE status IN ('pending', 'sending');
CREATE INDEX outbox_dead ON outbox (created_at) WHERE status = 'dead';

-- A local copy of every AuditEvent, so the trail survives a FHIR server outage and staff can query it fast.
CREATE TABLE audit_events (
  id           uuid PRIMARY KEY,
  recorded_at  timestamptz NOT NULL DEFAULT now(),
  action       text NOT NULL,
  outcome      text NOT NULL,
  agent        text,
  patient      text,
  resource     jsonb NOT NULL
);
CREATE INDEX audit_events_patient ON audit_events (patient, recorded_at DESC);

-- Throttling counters shared by every replica and surviving restarts (DESIGN.md security model 9).
CREATE TABLE rate_limits (
  key              text PRIMARY KEY,
  failures         integer NOT NULL DEFAULT 0,
  window_started_at timestamptz NOT NULL DEFAULT now(),
  blocked_until    timestamptz
);
`;
