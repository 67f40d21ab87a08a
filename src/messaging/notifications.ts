/**
 * "You have a new message" emails (issue #14): to the patient's own portal account and to the family members
 * who chose to be told (message_notice_choices, chosen on /messages), through the outbox, at most one per
 * conversation per recipient per hour, and with NO health data at all: no clinician's name, no subject, no text,
 * no topic — only the practice's name and the portal's address. Who is told is read through the one definition
 * of reach, so ended or expired family access, a limited Consent (no messages) and a conversation the patient
 * keeps from that family member tell no one (store/message-notifications.ts). The rate limit and the outbox row
 * are one transaction, so a notice is either queued and counted, or neither.
 */
import type { Locale } from '../core/i18n/translate.ts';
import { enqueue, type EmailMessage } from '../store/outbox.ts';
import { claimNotificationSlot, messageNoticeChoice, messageNoticeRecipients, setMessageNoticeChoice } from '../store/message-notifications.ts';
import { compose, line, type Practice } from '../ui/email.ts';
import type { MessagingDeps } from './deps.ts';

export function newMessageEmail(locale: Locale, practice: Practice, to: string, link: string): EmailMessage {
  return compose(locale, practice, to, 'email.newMessage.subject', [line(locale, practice, 'email.newMessage.body'), { link }]);
}

/**
 * Queues the notice for everyone to be told of a new message in `thread` of `patient` (Patient/…) who has not had one
 * for it in the last hour; for a `confidential` conversation (labelled: an adolescent's), the patient's own account only.
 */
export async function notifyPatientSide(
  deps: Pick<MessagingDeps, 'db' | 'practice' | 'publicUrl' | 'now'>,
  thread: string,
  patient: string,
  confidential = false,
): Promise<number> {
  const recipients = await messageNoticeRecipients(deps.db, patient, `Communication/${thread}`, confidential);
  const link = new URL('/messages', deps.publicUrl).toString();
  let queued = 0;
  for (const recipient of recipients) {
    const sent = await deps.db.transaction(async (tx) => {
      if (!(await claimNotificationSlot(tx, thread, recipient.accountId, deps.now()))) return false;
      await enqueue(tx, { kind: 'email', payload: newMessageEmail(recipient.locale, deps.practice, recipient.email, link) });
      return true;
    });
    if (sent) queued++;
  }
  return queued;
}

/** Whether the signed-in person is told by email of new messages of `patient` (their choice, else on for the patient and off for family). */
export async function noticesWanted(deps: Pick<MessagingDeps, 'db'>, accountId: string, patient: string): Promise<boolean> {
  return (await messageNoticeChoice(deps.db, accountId, patient)) ?? false;
}

/** Records the signed-in person's choice for `patient`; false when they no longer act for that patient (nothing recorded). */
export async function chooseNotices(deps: Pick<MessagingDeps, 'db' | 'now'>, accountId: string, patient: string, notify: boolean): Promise<boolean> {
  return setMessageNoticeChoice(deps.db, accountId, patient, notify, deps.now());
}
