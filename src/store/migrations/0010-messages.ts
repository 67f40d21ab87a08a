/**
 * Secure messages (issue #14). The conversations and messages themselves live in HAPI (docs/messages.md);
 * the store keeps only what does not belong in a clinic's record:
 *
 * - write_idempotency: one row per (account, client, Idempotency-Key) of a facade create. Claimed before
 *   HAPI is asked (status 'pending'), completed with the created resource's Location, deleted when the
 *   create failed so the client may retry. A replay of a completed key answers the same Location without
 *   writing again; a replay while the first is still pending answers 409; the same key with another body
 *   answers 422. `request_hash` is a SHA-256 of the parsed body, never the text.
 * - message_notifications: when the last "you have a new message" email went to a recipient for a
 *   conversation, so at most one goes per conversation per hour.
 * - message_auto_replies: conversations that already got the out-of-hours automatic reply (once each).
 */
export const id = '0010-messages';

export const sql = /* sql */ `
CREATE TABLE write_idempotency (
  account_id    text NOT NULL,
  client_id     text NOT NULL,
  key           text NOT NULL,
  request_hash  text NOT NULL,
  status        text NOT NULL CHECK (status IN ('pending', 'done')),
  location      text,
  created_at    timestamptz NOT NULL DEFAULT now(),
  PRIMARY KEY (account_id, client_id, key)
);
CREATE INDEX write_idempotency_created ON write_idempotency (created_at);

CREATE TABLE message_notifications (
  thread        text NOT NULL,
  recipient     text NOT NULL,
  last_sent_at  timestamptz NOT NULL,
  PRIMARY KEY (thread, recipient)
);

CREATE TABLE message_auto_replies (
  thread        text PRIMARY KEY,
  sent_at       timestamptz NOT NULL DEFAULT now()
);
`;
