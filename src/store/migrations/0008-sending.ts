/**
 * Sending the record (issue: send to an outside doctor). Four tables:
 *
 * - share_links: one SMART Health Link. `id` is the manifest URL's last segment (32 random bytes,
 *   base64url: ≥ 256 bits, nothing about the patient). The decryption key is NEVER stored: it lives
 *   only in the link the patient holds. The passcode is kept as a scrypt hash; `attempts_left` counts
 *   down on each wrong passcode over the link's whole life and the link is disabled (`disabled_at`) at 0.
 *   `what` is the choice the files were made from (range, visit, formats, language), for the patient's list.
 * - share_link_files: each file of a link as compact JWE (alg dir, enc A256GCM), in manifest order.
 * - share_link_openings: every manifest request that passed the passcode, with the `recipient` the
 *   viewer gave, so the patient is told who opened the link and when.
 * - transmissions: every Direct message and email sent to an addressee; its delivery state is the
 *   outbox row's (queued, sent, failed with the reason), so nothing is tracked twice.
 */
export const id = '0008-sending';

export const sql = /* sql */ `
CREATE TABLE share_links (
  id             text PRIMARY KEY,
  patient        text NOT NULL,
  created_by     text NOT NULL,
  label          text NOT NULL,
  passcode_hash  text NOT NULL,
  attempts_left  integer NOT NULL CHECK (attempts_left >= 0),
  what           jsonb NOT NULL,
  expires_at     timestamptz NOT NULL,
  revoked_at     timestamptz,
  disabled_at    timestamptz,
  created_at     timestamptz NOT NULL DEFAULT now()
);
CREATE INDEX share_links_patient ON share_links (patient, created_at DESC);

CREATE TABLE share_link_files (
  link_id      text NOT NULL REFERENCES share_links (id) ON DELETE CASCADE,
  position     integer NOT NULL,
  content_type text NOT NULL,
  jwe          text NOT NULL,
  PRIMARY KEY (link_id, position)
);

CREATE TABLE share_link_openings (
  id         bigserial PRIMARY KEY,
  link_id    text NOT NULL REFERENCES share_links (id) ON DELETE CASCADE,
  recipient  text NOT NULL,
  opened_at  timestamptz NOT NULL DEFAULT now()
);
CREATE INDEX share_link_openings_link ON share_link_openings (link_id, opened_at DESC);

CREATE TABLE transmissions (
  id            uuid PRIMARY KEY DEFAULT gen_random_uuid(),
  patient       text NOT NULL,
  created_by    text NOT NULL,
  method        text NOT NULL CHECK (method IN ('direct', 'email')),
  addressee     text NOT NULL,
  what          jsonb NOT NULL,
  outbox_id     bigint NOT NULL REFERENCES outbox (id),
  share_link_id text REFERENCES share_links (id) ON DELETE SET NULL,
  created_at    timestamptz NOT NULL DEFAULT now()
);
CREATE INDEX transmissions_patient ON transmissions (patient, created_at DESC);
`;
