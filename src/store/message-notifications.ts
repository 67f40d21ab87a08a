/**
 * All SQL on secure-message notices and automatic replies (migration 0010): at most one "new message"
 * email per conversation and recipient per hour, and one out-of-hours automatic reply per conversation,
 * each decided by one statement so two replicas cannot both send.
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

/** True (and recorded) the first time only: the conversation gets its one automatic reply. */
export async function claimAutoReply(db: Queryable, thread: string): Promise<boolean> {
  return (await db.query('INSERT INTO message_auto_replies (thread) VALUES ($1) ON CONFLICT (thread) DO NOTHING RETURNING thread', [thread])).rows.length === 1;
}

/** The claim is given back when the reply could not be written, so the next message tries again. */
export async function releaseAutoReply(db: Queryable, thread: string): Promise<void> {
  await db.query('DELETE FROM message_auto_replies WHERE thread = $1', [thread]);
}
