/**
 * Staff notices per pool (issue #14): when a patient or family member writes, the addresses configured for the
 * conversation's pool (MESSAGE_POOL_EMAILS) are emailed "there is a new message in the {pool} inbox" — the pool
 * and the practice only, never the patient, subject, topic or text — at most once per pool and address per hour,
 * through the outbox (the rate limit and the outbox row in one transaction, as for the patient's notices).
 * The pool is the routing Task's (where the inbox shows the conversation), read with the portal's credential.
 */
import type { Task } from '@medplum/fhirtypes';
import { messageCategorySystem } from '../core/fhir/messages.ts';
import { isMessageKey, translate, type Locale } from '../core/i18n/translate.ts';
import { findStaffByEmail } from '../store/accounts.ts';
import { claimPoolNoticeSlot } from '../store/message-notifications.ts';
import { enqueue, type EmailMessage } from '../store/outbox.ts';
import { compose, line, type Practice } from '../ui/email.ts';
import type { MessagingDeps } from './deps.ts';
import { routingOf } from './thread-model.ts';

/** The pool as the inbox names it: the default pools translated, a practice's own codes as written. */
const poolName = (locale: Locale, pool: string): string => {
  const key = `staffMessages.pool.${pool}`;
  return isMessageKey(key) && pool !== 'none' ? translate(locale, key) : pool.replace(/-/g, ' ');
};

export function poolMessageEmail(locale: Locale, practice: Practice, to: string, pool: string, link: string): EmailMessage {
  return compose(locale, practice, to, 'email.poolMessage.subject', [line(locale, practice, 'email.poolMessage.body', { pool: poolName(locale, pool) }), { link }]);
}

/** Queues the pool's notices for a new patient-side message in `thread`; how many were queued (none when the pool has no addresses or had one this hour). */
export async function notifyPool(deps: Pick<MessagingDeps, 'db' | 'fhir' | 'practice' | 'messages' | 'publicUrl' | 'now'>, thread: string): Promise<number> {
  if (deps.messages.poolEmails.size === 0) return 0;
  const tasks = await deps.fhir.search<Task>('Task', { focus: `Communication/${thread}`, code: `${messageCategorySystem}|thread`, _count: '1' });
  const pool = routingOf(tasks.entry?.[0]?.resource)?.pool;
  const addresses = pool ? (deps.messages.poolEmails.get(pool) ?? []) : [];
  const link = new URL(`/staff/messages?pool=${encodeURIComponent(pool ?? '')}`, deps.publicUrl).toString();
  let queued = 0;
  for (const address of addresses) {
    const sent = await deps.db.transaction(async (tx) => {
      if (!(await claimPoolNoticeSlot(tx, pool!, address, deps.now()))) return false;
      // Only a notice that goes out needs its language (most messages of the hour find the slot taken).
      const locale = (await findStaffByEmail(tx, address))?.locale ?? 'es';
      await enqueue(tx, { kind: 'email', payload: poolMessageEmail(locale, deps.practice, address, pool!, link) });
      return true;
    });
    if (sent) queued++;
  }
  return queued;
}
