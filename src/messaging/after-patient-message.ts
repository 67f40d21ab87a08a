/**
 * What follows a patient-side message (issue #14): the pool's staff are emailed (pool-notices.ts), and outside
 * the practice's hours one automatic reply per conversation says when it will be read. Written with the portal's credential (it is the practice
 * speaking), category `auto-reply`, in the language the patient wrote in. If it cannot be written the
 * message itself stands (it was already accepted) and the claim is released so the next message tries again.
 */
import type { Communication } from '@medplum/fhirtypes';
import { categoryCoding } from '../core/fhir/messages.ts';
import { dateFormatter } from '../core/fhir/dates.ts';
import { translate, type Locale } from '../core/i18n/translate.ts';
import { claimAutoReply, releaseAutoReply } from '../store/message-notifications.ts';
import type { MessagingDeps } from './deps.ts';
import { nextOpening } from './practice-hours.ts';
import { notifyPool } from './pool-notices.ts';

export async function afterPatientMessage(deps: MessagingDeps, thread: string, patient: string, locale: Locale): Promise<void> {
  // The message is already written: a notice that cannot be queued must not make the page say it was not sent,
  // but it is logged (the error's class and code, never the message or the patient) so a broken notice is seen.
  await notifyPool(deps, thread).catch((error: unknown) =>
    deps.log.error({ errorClass: (error as Error)?.name, code: (error as { code?: unknown })?.code }, 'pool notice could not be queued'),
  );
  const now = deps.now();
  const opening = nextOpening(now, deps.messages.hours, deps.practice.timeZone);
  if (!opening) return;
  if (!(await claimAutoReply(deps.db, thread))) return;
  const when = dateFormatter(locale, deps.practice.timeZone).instant(opening);
  try {
    await deps.fhir.create<Communication>({
      resourceType: 'Communication',
      status: 'completed',
      category: [{ coding: [categoryCoding('auto-reply')] }],
      partOf: [{ reference: `Communication/${thread}` }],
      subject: { reference: patient },
      recipient: [{ reference: patient }],
      sent: now.toISOString(),
      payload: [{ contentString: translate(locale, 'messages.autoReply', { practice: deps.practice.name, when }) }],
    });
  } catch {
    await releaseAutoReply(deps.db, thread).catch(() => undefined);
  }
}
