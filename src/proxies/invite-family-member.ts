/**
 * The patient invites a family member or caregiver (issue 13, at /account/family). The patient types
 * their password again; the invitation names the person, the relationship (FHIR relatedperson-relationshiptype,
 * in words), their email, the access (everything the patient sees, the brochure's default, or a limited set
 * of parts in plain words), an optional last day, and the patient's typed name as signature.
 *
 * Nothing is written to FHIR yet: the RelatedPerson + Consent pair is written when the invited person
 * accepts (accept-family-invitation.ts). Here, in ONE store transaction: the single-use 4-day hashed link
 * (store/invitations.ts), the email in the outbox, the invitation row with the ids the FHIR resources will
 * get, and the AuditEvent. Every refusal is decided before anything is written.
 *
 * No user enumeration (docs/accounts.md, "Family and caregivers"): whether the email already belongs to a
 * patient-side account (a patient, a family member of another patient; active, pending or deactivated) never
 * changes the answer, only where the invitation goes. A new email gets a pending family account and a
 * registration link; an existing holder gets no second account but a link to accept signed in
 * (accept-signed-in.ts), in an email that says so. An email held only by a staff account is a new email here:
 * staff sign in on the console, never on the patient side, so the invited person registers a family account.
 * The refusals left are about the patient's own data: their own email, someone already invited or already
 * with access to this record.
 */
import { randomUUID } from 'node:crypto';
import type { Patient } from '@medplum/fhirtypes';
import { accountAuditEvent } from '../core/fhir/audit-event.ts';
import { isFhirDate } from '../core/fhir/dates.ts';
import { instantOf, localDay } from '../core/fhir/local-time.ts';
import { displayName } from '../core/fhir/names.ts';
import { isRelationshipCode } from '../core/fhir/relationships.ts';
import type { Locale } from '../core/i18n/translate.ts';
import { verifyPassword } from '../core/password-hash.ts';
import { findAccount, findPortalAccountByEmail, insertPendingFamilyAccount, normalizeEmail } from '../store/accounts.ts';
import { accountReach } from '../store/account-reach.ts';
import { recordAuditEvent } from '../store/audit-trail.ts';
import { familyLinksOf, insertFamilyInvitation, invitationLinkWorks, isLiveFamilyLink, openFamilyInvitationsFor } from '../store/family.ts';
import { isFamilyPart, type FamilyPart } from '../access/family-access.ts';
import { emailInvitationLink } from './family-invitation-link.ts';
import { closeInvitationIn } from './pending-invitations.ts';
import { FamilyError, type ProxiesDeps } from './deps.ts';

export interface FamilyInvitationInput {
  /** The inviting patient's account (from the session). */
  readonly accountId: string;
  /** The patient id the invitation is for: must be the inviter's own record. */
  readonly patientId: string;
  readonly password: string;
  readonly name: string;
  readonly relationship: string;
  readonly email: string;
  readonly access: 'everything' | 'limited';
  readonly parts: readonly string[];
  /** The last day of access, YYYY-MM-DD (practice-local), or empty. */
  readonly endDate: string;
  /** The patient's full name, typed as their signature. */
  readonly signature: string;
  /** The invited person's language (the patient's page language). */
  readonly locale: Locale;
  readonly clientAddress: string;
}

const emailPattern = /^[^\s@]+@[^\s@]+\.[^\s@]+$/;

/** The instant a practice-local last day ends (the next day's midnight), or undefined when the date is not a full date. */
export function endOfLocalDay(date: string, timeZone: string): Date | undefined {
  if (!/^\d{4}-\d{2}-\d{2}$/.test(date) || !isFhirDate(date)) return undefined;
  const next = new Date(`${date}T00:00:00Z`);
  next.setUTCDate(next.getUTCDate() + 1);
  return instantOf(`${next.toISOString().slice(0, 10)}T00:00:00`, timeZone);
}

export async function inviteFamilyMember(deps: ProxiesDeps, input: FamilyInvitationInput): Promise<{ invitationId: string; accountId: string }> {
  const now = deps.now();
  const account = await findAccount(deps.db, input.accountId);
  // Only the patient invites, for their own record (a family member cannot pass access on).
  const patient = `Patient/${input.patientId}`;
  const own = account ? (await accountReach(deps.db, account.id)).some((r) => r.via === 'self' && r.patient === patient) : false;
  if (account?.kind !== 'patient' || account.status !== 'active' || !own) throw new FamilyError('not_your_record');
  if (!account.password_hash || !(await verifyPassword(input.password, account.password_hash))) throw new FamilyError('wrong_password');

  const name = input.name.trim();
  const email = normalizeEmail(input.email);
  const signature = input.signature.trim();
  if (!name) throw new FamilyError('missing_name');
  if (!isRelationshipCode(input.relationship)) throw new FamilyError('relationship_unknown');
  if (!emailPattern.test(email)) throw new FamilyError('email_invalid');
  if (email === account.email) throw new FamilyError('inviting_self');
  let parts: FamilyPart[] | null = null;
  if (input.access !== 'everything') {
    parts = [...new Set(input.parts)].filter(isFamilyPart);
    if (parts.length === 0 || parts.length !== new Set(input.parts).size) throw new FamilyError('parts_empty');
  }
  let endsAt: Date | null = null;
  if (input.endDate.trim()) {
    endsAt = endOfLocalDay(input.endDate.trim(), deps.practice.timeZone) ?? null;
    if (!endsAt) throw new FamilyError('end_date_invalid');
    const today = localDay(now.toISOString(), deps.practice.timeZone)!;
    if (input.endDate.trim() <= today) throw new FamilyError('end_date_past');
  }
  if (!signature) throw new FamilyError('missing_signature');
  // The patient's own list says these already: refusing them tells nothing about other accounts. An invitation
  // whose link expired (or stopped working) no longer holds the email: it is closed below and a new one made.
  const [open, links] = await Promise.all([openFamilyInvitationsFor(deps.db, patient), familyLinksOf(deps.db, patient)]);
  const sameEmail = open.filter((invitation) => invitation.email === email);
  if (sameEmail.some((invitation) => invitationLinkWorks(invitation, now))) throw new FamilyError('already_invited');
  if (links.some((link) => link.email === email && isLiveFamilyLink(link, now))) throw new FamilyError('already_family');

  const record = await deps.fhir.read<Patient>('Patient', input.patientId);
  const ids = { relatedPerson: randomUUID(), consent: randomUUID(), document: randomUUID() };
  return deps.db.transaction(async (tx) => {
    for (const stale of sameEmail) await closeInvitationIn(tx, stale, now);
    // Looked up inside the transaction, so a pending account made meanwhile for the same email is seen, not duplicated.
    const holder = await findPortalAccountByEmail(tx, email);
    // A pending family account never registered, so it cannot sign in to accept: when it was made for this
    // patient's date of birth (the date its registration asks for) it gets a new registration link, like a new email.
    const registers = !holder || (holder.kind === 'proxy' && holder.status === 'pending' && holder.birth_date === (record.birthDate ?? null));
    const memberAccount =
      holder?.id ??
      (await insertPendingFamilyAccount(tx, {
        email,
        fhirUser: `RelatedPerson/${ids.relatedPerson}`,
        birthDate: record.birthDate ?? null,
        consent: `Consent/${ids.consent}`,
        locale: input.locale,
      }));
    const link = await emailInvitationLink(tx, deps, {
      accountId: memberAccount,
      email,
      registration: registers,
      locale: registers || !holder ? input.locale : holder.locale,
      patientName: displayName(record.name),
      now,
    });
    const invitationId = await insertFamilyInvitation(tx, {
      accountId: memberAccount,
      link,
      patient,
      invitedBy: account.id,
      name,
      relationship: input.relationship,
      email,
      parts,
      endsAt,
      locale: input.locale,
      relatedPerson: `RelatedPerson/${ids.relatedPerson}`,
      consent: `Consent/${ids.consent}`,
      document: `DocumentReference/${ids.document}`,
      signature,
      clientAddress: input.clientAddress,
      now,
    });
    await recordAuditEvent(
      tx,
      accountAuditEvent({
        event: 'family-invited',
        success: true,
        actor: patient,
        accountId: account.id,
        patient,
        clientAddress: input.clientAddress,
        portalName: deps.practice.name,
        recorded: now,
      }),
    );
    return { invitationId, accountId: memberAccount };
  });
}
