/**
 * "End everything" (issue 13), the family part and the receipt: every family member's access to the patient
 * ends in one store transaction (the access epoch moves once per link: acts on the next request everywhere),
 * with each link's outbox job ending its Consent and RelatedPerson in FHIR (src/proxies/family-fhir-job.ts);
 * the receipt email lists, in plain words, what ended. Nothing here asks HAPI: with it down, everything still ends
 * (the family members' emails then go without the patient's name) and the FHIR side waits in the outbox.
 * The apps, sessions and share links are ended by their own capabilities; src/web/end-everything.ts puts the
 * four together (capabilities never import each other).
 */
import { accountAuditEvent } from '../core/fhir/audit-event.ts';
import { translate, type Locale } from '../core/i18n/translate.ts';
import { recordAuditEvent } from '../store/audit-trail.ts';
import { familyLinksOf, isLiveFamilyLink } from '../store/family.ts';
import { enqueue } from '../store/outbox.ts';
import { everythingEndedEmail } from './family-emails.ts';
import { endFamilyAccessIn } from './manage-family.ts';
import type { ProxiesDeps } from './deps.ts';

/** Ends every live family access to the patient; the names of those whose access ended. */
export async function endAllFamilyAccess(
  deps: ProxiesDeps,
  input: { patient: string; patientName: string | undefined; accountId: string; clientAddress: string },
): Promise<string[]> {
  const now = deps.now();
  const live = (await familyLinksOf(deps.db, input.patient)).filter((link) => isLiveFamilyLink(link, now));
  const ended = await deps.db.transaction(async (tx) => {
    const done = [];
    for (const link of live) {
      const row = await endFamilyAccessIn(tx, deps, {
        patient: input.patient,
        relatedPerson: link.related_person!,
        by: 'everything',
        actor: input.patient,
        accountId: input.accountId,
        clientAddress: input.clientAddress,
        notify: true,
        patientName: input.patientName,
      });
      if (row) done.push(row);
    }
    return done;
  });
  return ended.map((row) => row.name ?? row.email);
}

export interface EverythingEnded {
  readonly members: readonly string[];
  readonly apps: number;
  readonly sessions: number;
  readonly links: number;
}

/** The receipt to the patient, and the AuditEvent of the whole action. */
export async function sendEverythingReceipt(
  deps: ProxiesDeps,
  input: { to: string; locale: Locale; patient: string; accountId: string; clientAddress: string; ended: EverythingEnded },
): Promise<void> {
  const t = (key: Parameters<typeof translate>[1], params: Record<string, string | number>) => translate(input.locale, key, params);
  const lines = [
    ...input.ended.members.map((name) => `• ${t('family.receipt.member', { name })}`),
    `• ${t('family.receipt.apps', { count: input.ended.apps })}`,
    `• ${t('family.receipt.sessions', { count: input.ended.sessions })}`,
    `• ${t('family.receipt.links', { count: input.ended.links })}`,
  ];
  await deps.db.transaction(async (tx) => {
    await enqueue(tx, { kind: 'email', payload: everythingEndedEmail(input.locale, deps.practice, input.to, lines) });
    await recordAuditEvent(
      tx,
      accountAuditEvent({
        event: 'everything-ended',
        success: true,
        actor: input.patient,
        accountId: input.accountId,
        patient: input.patient,
        clientAddress: input.clientAddress,
        portalName: deps.practice.name,
        recorded: deps.now(),
      }),
    );
  });
}
