/**
 * "Not shared with" (issue #14 point 4): the patient keeps one conversation from a named family member, or shares
 * it again. Only the patient themself may (decided from the store's reach, never from the form); the conversation
 * must be a thread header of their own record.
 *
 * Like changing what a family member may see (manage-family.ts), one store transaction writes the link's cache —
 * hidden_threads, migration 0014, which moves the access epoch, so the facade withholds the conversation from that
 * family member's next request on every replica, SMART apps' tokens included — its audit event, and the outbox job
 * that brings the FHIR record of truth along (family-fhir-job.ts, action 'threads'): the family member's Consent
 * with one nested `deny` provision per thread header, retried until HAPI answers.
 */
import type { Communication } from '@medplum/fhirtypes';
import { accountAuditEvent } from '../core/fhir/audit-event.ts';
import { isFhirId } from '../core/fhir/ids.ts';
import { messageCategoryOf } from '../core/fhir/messages.ts';
import { recordAuditEvent } from '../store/audit-trail.ts';
import { enqueue } from '../store/outbox.ts';
import { setThreadHidden, threadSharingOf, type ThreadSharingRow } from '../store/thread-sharing.ts';
import { familyThreadsJob } from './family-fhir-job.ts';
import { familyRole } from './family-role.ts';
import { FamilyError, type ProxiesDeps } from './deps.ts';

export type { ThreadSharingRow } from '../store/thread-sharing.ts';

export interface ThreadSharingRequest {
  /** The session's account and the patient id it acts for (the token's launch context). */
  readonly accountId: string;
  readonly patientId: string;
  /** The conversation's header id. */
  readonly thread: string;
  /** Every family member (RelatedPerson/<id>) the conversation is not shared with; every other live one shares it. */
  readonly notSharedWith: readonly string[];
  readonly clientAddress: string;
}

/**
 * The form named someone who is not a live family member of the patient (a made-up id, or one whose access ended
 * since the page was drawn): the whole change is refused and nothing is written (docs/messages.md).
 */
export class ThreadSharingRefused extends Error {
  constructor() {
    super('not_a_family_member');
  }
}

/**
 * Who may choose who reads the patient's conversations: the patient themself, decided from the store's reach (never
 * from the form or the token's fhirUser); a family member cannot. The one rule for showing the choice and saving it.
 */
async function patientDeciding(deps: ProxiesDeps, accountId: string, patientId: string): Promise<string | undefined> {
  const role = await familyRole(deps, accountId, patientId);
  return role?.role === 'patient' ? role.patient : undefined;
}

/**
 * The patient's live family members, each with whether this conversation is kept from them, for the conversation
 * page; nothing to show (an empty list) unless this account may decide, by the same rule as the save.
 */
export async function threadSharing(deps: ProxiesDeps, request: { accountId: string; patientId: string; thread: string }): Promise<ThreadSharingRow[]> {
  const patient = await patientDeciding(deps, request.accountId, request.patientId);
  return patient ? threadSharingOf(deps.db, patient, `Communication/${request.thread}`) : [];
}

/**
 * Saves who does not see the conversation: each live family member whose state changes is written in its own
 * store transaction (link, audit, the Consent's outbox job). A name that is not a live family member of the patient
 * refuses the whole change (ThreadSharingRefused) before anything is written. Returns how many changed.
 */
export async function saveThreadSharing(deps: ProxiesDeps, request: ThreadSharingRequest): Promise<number> {
  const patient = await patientDeciding(deps, request.accountId, request.patientId);
  // Only the patient decides who reads their conversations; a family member cannot (the control is not shown to them either).
  if (!patient) throw new FamilyError('not_your_record');
  if (!isFhirId(request.thread)) throw new FamilyError('not_found');
  const header = await deps.fhir.read<Communication>('Communication', request.thread).catch(() => undefined);
  const ours = header?.resourceType === 'Communication' && !header.partOf?.length && messageCategoryOf(header) === 'thread' && header.subject?.reference === patient;
  if (!ours) throw new FamilyError('not_found');
  const thread = `Communication/${request.thread}`;
  const wanted = new Set(request.notSharedWith);
  const members = await threadSharingOf(deps.db, patient, thread);
  if ([...wanted].some((name) => !members.some((member) => member.relatedPerson === name))) throw new ThreadSharingRefused();
  const changes = members.filter((member) => member.hidden !== wanted.has(member.relatedPerson));
  for (const member of changes) {
    await deps.db.transaction(async (tx) => {
      const link = await setThreadHidden(tx, patient, member.relatedPerson, thread, !member.hidden);
      if (!link) return;
      if (link.consent) await enqueue(tx, familyThreadsJob({ related_person: member.relatedPerson, consent: link.consent }, link.hiddenThreads, deps.now()));
      await recordAuditEvent(
        tx,
        accountAuditEvent({
          event: 'family-access-changed',
          success: true,
          actor: patient,
          accountId: request.accountId,
          patient,
          clientAddress: request.clientAddress,
          portalName: deps.practice.name,
          recorded: deps.now(),
        }),
      );
    });
  }
  return changes.length;
}
