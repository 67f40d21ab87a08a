/**
 * All SQL on secure-message notices and automatic replies (migrations 0010 and 0013): who is told of a new
 * message, at most one "new message" email per conversation (or staff pool) and recipient per hour, and one
 * out-of-hours automatic reply per conversation, each decided by one statement so two replicas cannot both send.
 */
import type { Queryable } from './db.ts';

/** True (and the slot taken) when `recipient` has had no notice for `thread` in the hour before `now`. */
export async function claimNotificationSlot(tx: Queryable, thread: string, recipient: string, now: Date): Promise<boolean> {
  const result = await tx.query(
    `INSERT INTO message_notifications (thread, recipient, last_sent_at) VALUES ($1, $2, $3)
       ON CONFLICT (thread, recipient) DO UPDATE SET last_sent_at = EXCLUDED.last_sent_at
       WHERE message_notifications.last_sent_at <= EXCLUDED.last_sent_at - interval '1 hour'
     RETURNING thread`,
    [thread, recipient, now],
  );
  return result.rows.length === 1;
}

/** The same limit per staff pool (the `thread` column holds `pool:<code>`, never a conversation id): one notice per pool and address per hour. */
export const claimPoolNoticeSlot = (tx: Queryable, pool: string, email: string, now: Date): Promise<boolean> => claimNotificationSlot(tx, `pool:${pool}`, email, now);

/** True (and recorded) the first time only: the conversation gets its one automatic reply. */
export async function claimAutoReply(db: Queryable, thread: string): Promise<boolean> {
  return (await db.query('INSERT INTO message_auto_replies (thread) VALUES ($1) ON CONFLICT (thread) DO NOTHING RETURNING thread', [thread])).rows.length === 1;
}

/** The claim is given back when the reply could not be written, so the next message tries again. */
export async function releaseAutoReply(db: Queryable, thread: string): Promise<void> {
  await db.query('DELETE FROM message_auto_replies WHERE thread = $1', [thread]);
}

/** A person to tell of a new message in a conversation of the patient. */
export interface NoticeRecipient {
  readonly accountId: string;
  readonly email: string;
  readonly locale: 'es' | 'en';
}

/**
 * Who is told of a new message in `thread` (Communication/<id>) of `patient` (Patient/<id>): every account the
 * one definition of reach (account_reach) gives this patient — so an ended, expired or revoked family link, or
 * an inactive account, is no one — that reads the messages (a family link's Consent gives everything, not chosen
 * parts; the conversation is not kept from it, migration 0014) and wants to be told (its choice, else on for the
 * account's own or signed-for record and off for a family link; migration 0013). A `confidential` conversation (its
 * header carries security labels: an adolescent's, access/minors.ts) tells no family member at all — a parent's
 * account included (`via` proxy) — whatever their age or choice: only the patient's own account is told.
 */
export async function messageNoticeRecipients(db: Queryable, patient: string, thread: string, confidential = false): Promise<NoticeRecipient[]> {
  const rows = await db.query<{ id: string; email: string; locale: 'es' | 'en' }>(
    `SELECT a.id, a.email, a.locale
       FROM (SELECT DISTINCT ON (account_id) account_id, rank, parts, via FROM account_reach WHERE patient = $1 ORDER BY account_id, rank) r
       JOIN accounts a ON a.id = r.account_id
       LEFT JOIN message_notice_choices c ON c.account_id = r.account_id AND c.patient = $1
      WHERE r.parts IS NULL AND COALESCE(c.notify, r.rank < 2) AND NOT ($3 AND r.via = 'proxy')
        AND NOT EXISTS (SELECT 1 FROM account_patients l
                         WHERE l.account_id = r.account_id AND l.patient = $1 AND l.revoked_at IS NULL AND $2 = ANY (l.hidden_threads))
      ORDER BY a.created_at`,
    [patient, thread, confidential],
  );
  return rows.rows.map((row) => ({ accountId: row.id, email: row.email, locale: row.locale }));
}

/** Whether this account is told of new messages of `patient`: its choice, else the default of its way in (undefined: it does not reach the patient). */
export async function messageNoticeChoice(db: Queryable, accountId: string, patient: string): Promise<boolean | undefined> {
  const rows = await db.query<{ notify: boolean }>(
    `SELECT COALESCE(c.notify, r.rank < 2) AS notify
       FROM (SELECT rank FROM account_reach WHERE account_id = $1 AND patient = $2 ORDER BY rank LIMIT 1) r
       LEFT JOIN message_notice_choices c ON c.account_id = $1 AND c.patient = $2`,
    [accountId, patient],
  );
  return rows.rows[0]?.notify;
}

/** Records the choice; only for a patient the account reaches now (false when it does not: nothing written). */
export async function setMessageNoticeChoice(db: Queryable, accountId: string, patient: string, notify: boolean, now: Date): Promise<boolean> {
  const result = await db.query(
    `INSERT INTO message_notice_choices (account_id, patient, notify, chosen_at)
     SELECT $1, $2, $3, $4 WHERE EXISTS (SELECT 1 FROM account_reach WHERE account_id = $1 AND patient = $2)
     ON CONFLICT (account_id, patient) DO UPDATE SET notify = EXCLUDED.notify, chosen_at = EXCLUDED.chosen_at
     RETURNING account_id`,
    [accountId, patient, notify, now],
  );
  return result.rows.length === 1;
}
