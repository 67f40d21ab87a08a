/**
 * Sign-in (issue #3): what an account is bound to, web sessions kept server-side, the provider's
 * signing keys, and TOTP replay protection.
 */
export const id = '0002-sign-in';

export const sql = /* sql */ `
ALTER TABLE accounts
  ADD COLUMN patient text,            -- Patient/<id> the account acts for (its own record, or the patient a designee signs for)
  ADD COLUMN birth_date date,         -- the patient's date of birth: the sign-in identity check (promise 5)
  ADD COLUMN consent text,            -- Consent/<id> of the portal and email authorization behind the account
  ADD COLUMN totp_last_step bigint;   -- last accepted TOTP time step: a code works once (RFC 6238 §5.2)

-- A staff member's or the web app's browser session; the cookie holds only a random id, hashed here.
CREATE TABLE web_sessions (
  id_hash        bytea PRIMARY KEY,
  account_id     uuid REFERENCES accounts (id) ON DELETE CASCADE,
  surface        text NOT NULL CHECK (surface IN ('patient', 'staff')),
  created_at     timestamptz NOT NULL DEFAULT now(),
  last_seen_at   timestamptz NOT NULL DEFAULT now(),
  expires_at     timestamptz NOT NULL,
  data           jsonb NOT NULL DEFAULT '{}'
);
CREATE INDEX web_sessions_account ON web_sessions (account_id);

-- The authorization server's signing keys (private JWKs), shared by every replica.
CREATE TABLE signing_keys (
  kid         text PRIMARY KEY,
  jwk         jsonb NOT NULL,
  created_at  timestamptz NOT NULL DEFAULT now()
);

ALTER TABLE invitations ADD COLUMN email text;
`;
