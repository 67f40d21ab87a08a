/**
 * Who is told by email of a new message (issue #14): the patient and the family members who chose to be.
 *
 * - message_notice_choices: one row per account and patient it acts for, once the person has chosen on
 *   /messages; `notify` their choice. Without a row the default is the reach's: on for the account's own
 *   record or the record it signs for (account_reach rank 0 and 1), off for a family link (rank 2). The
 *   recipients are read through account_reach, so an ended, expired or revoked link, or an inactive account,
 *   gets nothing whatever it chose; the row stays and counts again only if access is given again.
 *
 * A separate table rather than a column on account_patients: that table's trigger moves the access epoch on
 * every update (migration 0006), and a notice preference changes no one's access.
 */
export const id = '0013-message-notice-choices';

export const sql = /* sql */ `
CREATE TABLE message_notice_choices (
  account_id  uuid NOT NULL REFERENCES accounts (id) ON DELETE CASCADE,
  patient     text NOT NULL,  -- Patient/<id>
  notify      boolean NOT NULL,
  chosen_at   timestamptz NOT NULL,
  PRIMARY KEY (account_id, patient)
);
`;
