/**
 * "You have a new message" emails (issue #14): to the patient's own portal account (and family members'
 * accounts that act for the patient), through the outbox, at most one per conversation per recipient per
 * hour, and with NO health data at all: no clinician's name, no subject, no text, no topic — only the
 * practice's name and the portal's address. The rate limit and the outbox row are one transaction, so a
 * notice is either queued and counted, or neither.
 */
import type { Locale } from '../core/i18n/translate.ts';
import { findAccountsForPatient } from '../store/accounts.ts';
import { enqueue, type EmailMessage } from '../store/outbox.ts';
import { claimNotificationSlot } from '../store/message-notifications.ts';
import { compose, line, type Practice } from '../ui/email.ts';
import type { MessagingDeps } from './deps.ts';

export function newMessageEmail(locale: Locale, practice: Practice, to: string, link: string): EmailMessage {
  return compose(locale, practice, to, 'email.newMessage.subject', [line(locale, practice, 'email.newMessage.body'), { link }]);
}

/** Queues the notice for every active account acting for `patient` (Patient/…) that has not had one for this conversation in the last hour. */
export async function notifyPatientSide(deps: Pick<MessagingDeps, 'db' | 'practice' | 'publicUrl' | 'now'>, thread: string, patient: string): Promise<number> {
  const accounts = (await findAccountsForPatient(deps.db, patient)).filter((account) => account.status === 'active');
  const link = new URL('/messages', deps.publicUrl).toString();
  let queued = 0;
  for (const account of accounts) {
    const sent = await deps.db.transaction(async (tx) => {
      if (!(await claimNotificationSlot(tx, thread, account.id, deps.now()))) return false;
      await enqueue(tx, { kind: 'email', payload: newMessageEmail(account.locale, deps.practice, account.email, link) });
      return true;
    });
    if (sent) queued++;
  }
  return queued;
}
