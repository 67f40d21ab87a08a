/**
 * Seeing and ending family access (issue 13): the patient's list (and the staff console's), changing what a
 * family member may see, ending it (by the patient, by the family member leaving, by staff), each as a
 * store write that moves the access epoch — so it acts on the next request on every replica, SMART apps'
 * tokens included — with, in the same store transaction, the outbox job that brings the FHIR record of truth
 * along (src/proxies/family-fhir-job.ts): the Consent `inactive` with `provision.period.end` and the
 * RelatedPerson `active: false` with `period.end`, or the Consent's new permitted parts.
 *
 * Nothing here calls HAPI: if it is down the access has still ended or changed (the safe direction), and the
 * outbox worker retries the FHIR update until HAPI answers (or, past its horizon, shows it to staff as a dead
 * letter).
 */
import { accountAuditEvent } from '../core/fhir/audit-event.ts';
import type { Queryable } from '../store/db.ts';
import { recordAuditEvent } from '../store/audit-trail.ts';
import { endFamilyLink, familyLinksOf, invitationLinkWorks, isLiveFamilyLink, openFamilyInvitationsFor, setFamilyLinkParts, type FamilyLinkRow } from '../store/family.ts';
import { enqueue } from '../store/outbox.ts';
import { isFamilyPart, parseParts, type FamilyPart } from '../access/family-access.ts';
import { familyAccessEndedEmail } from './family-emails.ts';
import { familyEndJob, familyPartsJob } from './family-fhir-job.ts';
import { FamilyError, type ProxiesDeps } from './deps.ts';

export interface FamilyMember {
  /** RelatedPerson/<id> */
  readonly relatedPerson: string;
  readonly consent: string | undefined;
  readonly name: string;
  /** A relationship code (core/fhir/relationships.ts), or free text for a paper-form designee. */
  readonly relationship: string;
  readonly email: string;
  /** undefined: everything the patient sees. */
  readonly parts: readonly FamilyPart[] | undefined;
  readonly since: Date;
  readonly lastAccess: Date | undefined;
  readonly endsAt: Date | undefined;
  /** When it ended (revoked, or past its end date), and by whom. */
  readonly ended: { readonly at: Date; readonly by: string } | undefined;
}

export interface PendingInvitation {
  readonly id: string;
  readonly name: string;
  readonly relationship: string;
  readonly email: string;
  readonly parts: readonly FamilyPart[] | undefined;
  readonly invitedAt: Date;
  readonly endsAt: Date | undefined;
  /** The link emailed last ("send again" makes a new one): when, until when, and whether it still works. */
  readonly linkSentAt: Date | undefined;
  readonly linkExpiresAt: Date | undefined;
  readonly linkWorks: boolean;
}

const member = (row: FamilyLinkRow, now: Date): FamilyMember => ({
  relatedPerson: row.related_person!,
  consent: row.consent ?? undefined,
  name: row.name ?? row.email,
  relationship: row.relationship ?? '',
  email: row.email,
  parts: parseParts(row.parts),
  since: row.created_at,
  lastAccess: row.last_access ?? undefined,
  endsAt: row.ends_at ?? undefined,
  ended: isLiveFamilyLink(row, now) ? undefined : row.revoked_at ? { at: row.revoked_at, by: row.ended_by ?? 'patient' } : { at: row.ends_at!, by: 'expired' },
});

/** Everyone with access to this patient's record (Patient/<id>) through a family link, and the invitations still open. */
export async function listFamily(deps: ProxiesDeps, patient: string): Promise<{ members: FamilyMember[]; pending: PendingInvitation[] }> {
  const now = deps.now();
  const [links, invitations] = await Promise.all([familyLinksOf(deps.db, patient), openFamilyInvitationsFor(deps.db, patient)]);
  return {
    members: links.map((row) => member(row, now)),
    pending: invitations.map((row) => ({
      id: row.id,
      name: row.name,
      relationship: row.relationship,
      email: row.email,
      parts: parseParts(row.parts),
      invitedAt: row.created_at,
      endsAt: row.ends_at ?? undefined,
      linkSentAt: row.link_sent_at ?? undefined,
      linkExpiresAt: row.link_expires_at ?? undefined,
      linkWorks: invitationLinkWorks(row, now),
    })),
  };
}

export type EndedBy = 'patient' | 'family' | 'staff' | 'everything' | 'expired' | 'age';

export interface EndRequest {
  /** Patient/<id> */
  readonly patient: string;
  /** RelatedPerson/<id> */
  readonly relatedPerson: string;
  readonly by: EndedBy;
  /** Who acted: Patient/…, RelatedPerson/… or Practitioner/… */
  readonly actor: string;
  readonly accountId: string;
  readonly clientAddress: string;
  /** Tell the family member by email (not when they left themselves). */
  readonly notify: boolean;
  /** For the family member's email; undefined when the FHIR server did not answer (the email then says it without). */
  readonly patientName: string | undefined;
  /** When the access ended, if not now: an end date that has passed (the sweep). */
  readonly at?: Date;
}

/**
 * Ends one family member's access in the caller's store transaction (the access epoch moves), with the outbox
 * job that ends its FHIR pair at the same instant; undefined when the link was not live.
 */
export async function endFamilyAccessIn(tx: Queryable, deps: ProxiesDeps, request: EndRequest): Promise<FamilyLinkRow | undefined> {
  const now = deps.now();
  const ended = await endFamilyLink(tx, request.patient, request.relatedPerson, request.by, request.at ?? now);
  if (!ended) return undefined;
  await enqueue(tx, familyEndJob(ended, ended.revoked_at ?? now));
  await recordAuditEvent(
    tx,
    accountAuditEvent({
      event: 'family-access-ended',
      success: true,
      actor: request.actor,
      accountId: request.accountId,
      patient: request.patient,
      clientAddress: request.clientAddress,
      portalName: deps.practice.name,
      recorded: now,
    }),
  );
  if (request.notify) {
    const locale = await localeOf(tx, ended.account_id);
    await enqueue(tx, { kind: 'email', payload: familyAccessEndedEmail(locale, deps.practice, ended.email, request.patientName) });
  }
  return ended;
}

async function localeOf(tx: Queryable, accountId: string): Promise<'es' | 'en'> {
  const rows = await tx.query<{ locale: 'es' | 'en' }>('SELECT locale FROM accounts WHERE id = $1', [accountId]);
  return rows.rows[0]?.locale ?? 'es';
}

/** Ends one family member's access now (one store transaction: the end, its FHIR job, audit, email). False when there was nothing live to end. */
export async function endFamilyAccess(deps: ProxiesDeps, request: EndRequest): Promise<boolean> {
  return !!(await deps.db.transaction((tx) => endFamilyAccessIn(tx, deps, request)));
}

/** The patient changes what a family member may see: the store's cache (epoch: acts on the next request) and the Consent's FHIR job, in one transaction. */
export async function changeFamilyAccess(
  deps: ProxiesDeps,
  request: { patient: string; relatedPerson: string; access: 'everything' | 'limited'; parts: readonly string[]; actor: string; accountId: string; clientAddress: string },
): Promise<void> {
  let parts: FamilyPart[] | null = null;
  if (request.access !== 'everything') {
    parts = [...new Set(request.parts)].filter(isFamilyPart);
    if (parts.length === 0 || parts.length !== new Set(request.parts).size) throw new FamilyError('parts_empty');
  }
  const links = await familyLinksOf(deps.db, request.patient);
  const link = links.find((l) => l.related_person === request.relatedPerson && !l.revoked_at);
  if (!link) throw new FamilyError('not_found');
  await deps.db.transaction(async (tx) => {
    if (!(await setFamilyLinkParts(tx, request.patient, request.relatedPerson, parts))) throw new FamilyError('not_found');
    if (link.consent) await enqueue(tx, familyPartsJob({ related_person: link.related_person, consent: link.consent }, parts, deps.now()));
    await recordAuditEvent(
      tx,
      accountAuditEvent({
        event: 'family-access-changed',
        success: true,
        actor: request.actor,
        accountId: request.accountId,
        patient: request.patient,
        clientAddress: request.clientAddress,
        portalName: deps.practice.name,
        recorded: deps.now(),
      }),
    );
  });
}
