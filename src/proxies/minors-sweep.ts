/**
 * A parent's access ends at the child's 18th birthday (issue 13 point 5). The facade already refuses such a
 * token from that day (src/fhir/pipeline.ts, applyMinorsPolicy); this sweep writes it down and tells people:
 *   - 30 days before the birthday: an email to the family member and, when they have an account, to the patient
 *     (once: the notice is recorded as an AuditEvent and not sent again);
 *   - on the day (or the first run after it): the access ends like any other (store, with the outbox job that
 *     makes the Consent inactive and ends the RelatedPerson in FHIR), with an email to both — all in one store
 *     transaction; the adolescent may get their own account through the practice.
 * Each decision is taken on the link's row locked in that transaction (a notice only if none was recorded, an
 * end only of a live link), so even two sweeps at once send each email once; the daily run itself holds a
 * lease so only one replica sweeps at a time (src/proxies/family-sweep.ts). Tests call it with the clock where
 * they want it.
 */
import type { Patient } from '@medplum/fhirtypes';
import { accountAuditEvent } from '../core/fhir/audit-event.ts';
import { displayName } from '../core/fhir/names.ts';
import { adulthoodOn, parentalAccessEnded, type MinorsPolicy } from '../access/minors.ts';
import { recordAuditEvent } from '../store/audit-trail.ts';
import { findAccountsForPatient } from '../store/accounts.ts';
import { liveFamilyLinks, lockLiveFamilyLink, noticeRecorded } from '../store/family.ts';
import { enqueue } from '../store/outbox.ts';
import { minorsNoticeEmail, minorsEndedEmail } from './family-emails.ts';
import { endFamilyAccessIn } from './manage-family.ts';
import type { ProxiesDeps } from './deps.ts';

const noticeDays = 30;

export async function sweepMinorsAccess(deps: ProxiesDeps, policy: MinorsPolicy): Promise<{ noticed: number; ended: number }> {
  const now = deps.now();
  let noticed = 0;
  let ended = 0;
  const birthDates = new Map<string, Patient>();
  for (const link of await liveFamilyLinks(deps.db)) {
    const id = link.patient.split('/')[1]!;
    if (!birthDates.has(id)) birthDates.set(id, await deps.fhir.read<Patient>('Patient', id));
    const patient = birthDates.get(id)!;
    const adult = patient.birthDate ? adulthoodOn(patient.birthDate, policy) : undefined;
    if (!adult || link.created_at >= adult) continue;
    const patientName = displayName(patient.name);
    const own = (await findAccountsForPatient(deps.db, link.patient)).find((a) => a.kind === 'patient' && a.status === 'active');
    if (parentalAccessEnded(patient.birthDate, link.created_at, now, policy)) {
      const done = await deps.db.transaction(async (tx) => {
        const row = await endFamilyAccessIn(tx, deps, {
          patient: link.patient,
          relatedPerson: link.related_person!,
          by: 'age',
          actor: link.patient,
          accountId: link.account_id,
          clientAddress: '127.0.0.1',
          notify: false,
          patientName,
        });
        if (!row) return false;
        await enqueue(tx, { kind: 'email', payload: minorsEndedEmail(link.locale, deps.practice, link.email, patientName) });
        if (own) await enqueue(tx, { kind: 'email', payload: minorsEndedEmail(own.locale, deps.practice, own.email, patientName) });
        return true;
      });
      if (done) ended += 1;
    } else if (adult.getTime() - now.getTime() <= noticeDays * 86_400_000) {
      const day = adult.toISOString().slice(0, 10);
      const sent = await deps.db.transaction(async (tx) => {
        // Decided on the locked row: a second sweep at the same moment waits here, then sees this notice recorded.
        if (!(await lockLiveFamilyLink(tx, link.patient, link.related_person!)) || (await noticeRecorded(tx, link.patient, link.related_person!))) return false;
        await enqueue(tx, { kind: 'email', payload: minorsNoticeEmail(link.locale, deps.practice, link.email, patientName, day) });
        if (own) await enqueue(tx, { kind: 'email', payload: minorsNoticeEmail(own.locale, deps.practice, own.email, patientName, day) });
        await recordAuditEvent(
          tx,
          accountAuditEvent({
            event: 'minor-age-notice',
            success: true,
            actor: link.related_person!,
            accountId: link.account_id,
            patient: link.patient,
            portalName: deps.practice.name,
            recorded: now,
          }),
        );
        return true;
      });
      if (sent) noticed += 1;
    }
  }
  return { noticed, ended };
}
