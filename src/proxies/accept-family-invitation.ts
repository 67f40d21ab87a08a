/**
 * The invited person accepts (issue 13): their registration (accounts/registration.ts, the same
 * single-use link, date of birth and password as every account) completes — or, for someone who already
 * held an account, their signed-in acceptance (accept-signed-in.ts) — and in the same store
 * transaction this step writes the FHIR record of truth and its cache:
 *
 *   1. the RelatedPerson and the Consent are checked against the project's profiles with HAPI's
 *      `$validate?profile=` before anything is written;
 *   2. RelatedPerson + Consent + DocumentReference (the patient's electronic authorization as a PDF, the
 *      Consent's `source`) go to HAPI in ONE transaction bundle: all land or none does;
 *   3. the proxy link (account_patients, the cache account_reach reads) and the invitation's acceptance are
 *      written in the registration's store transaction.
 *
 * A HAPI failure in 1 or 2 throws, so the registration's transaction rolls back: the link is not consumed,
 * the account stays pending, no proxy link exists, and HAPI holds nothing (its transaction failed whole).
 * If the store's commit were to fail after HAPI's transaction, a retry writes the same resources again
 * (PUT by the ids fixed at invitation): never a store row without FHIR, and never a second pair.
 */
import type { OperationOutcome, Patient, Resource } from '@medplum/fhirtypes';
import { accountAuditEvent } from '../core/fhir/audit-event.ts';
import { displayName } from '../core/fhir/names.ts';
import { familyConsentProfile, familyRelatedPersonProfile } from '../core/fhir/profiles.ts';
import { isRelationshipCode } from '../core/fhir/relationships.ts';
import { AppError } from '../core/errors.ts';
import { translate } from '../core/i18n/translate.ts';
import type { Queryable } from '../store/db.ts';
import { recordAuditEvent } from '../store/audit-trail.ts';
import { insertFamilyLink, markFamilyInvitationAccepted, openFamilyInvitationOf, type FamilyInvitationRow } from '../store/family.ts';
import { parseParts } from '../access/family-access.ts';
import { accessInWords } from './access-in-words.ts';
import { renderFamilyAuthorization } from './family-authorization-pdf.ts';
import { familyConsent, familyRelatedPerson, familyTransaction, type FamilyPair } from './family-resources.ts';
import { FamilyError, type ProxiesDeps } from './deps.ts';

const idOf = (reference: string) => reference.slice(reference.indexOf('/') + 1);

/** The step registration runs before it activates an account: for a family member's account, the pair is written; for any other, nothing. */
export function familyAcceptance(deps: ProxiesDeps, clientAddress: string): (tx: Queryable, accountId: string, now: Date) => Promise<void> {
  return async (tx, accountId, now) => {
    const invitation = await openFamilyInvitationOf(tx, accountId, true);
    if (invitation) await acceptFamilyInvitation(tx, deps, { invitation, accountId, clientAddress, now });
  };
}

/**
 * The acceptance itself, in the caller's store transaction: by registration (above) for a new family account, or
 * signed in (accept-signed-in.ts) for an account that already held the email. Either way the family link is the
 * accepting account's, next to whatever else it reaches. Returns the patient's display name (read here for the
 * authorization form), so the signed-in page need not ask HAPI again.
 */
export async function acceptFamilyInvitation(
  tx: Queryable,
  deps: ProxiesDeps,
  request: { invitation: FamilyInvitationRow; accountId: string; clientAddress: string; now: Date },
): Promise<{ patientName: string }> {
  const { invitation, accountId, clientAddress, now } = request;
  if (!isRelationshipCode(invitation.relationship)) throw new FamilyError('relationship_unknown');
  const patient = await deps.fhir.read<Patient>('Patient', idOf(invitation.patient));
  const patientName = displayName(patient.name);
  const locale = invitation.locale;
  const parts = parseParts(invitation.parts);
  const relationshipText = translate(locale, `relationship.${invitation.relationship}`);
  const title = translate(locale, 'family.pdf.title');
  const pdf = await renderFamilyAuthorization(
    {
      practice: deps.practice,
      patient: { name: patientName, birthDate: patient.birthDate ?? '' },
      member: { name: invitation.name, relationship: relationshipText, email: invitation.email },
      access: accessInWords(locale, parts),
      ...(invitation.ends_at ? { endDate: lastDay(invitation.ends_at, deps.practice.timeZone) } : {}),
      signature: invitation.signature,
      invitedAt: invitation.created_at,
      invitedFrom: invitation.client_address,
      acceptedAt: now,
      acceptedFrom: clientAddress,
      formId: idOf(invitation.consent),
    },
    locale,
  );
  const pair: FamilyPair = {
    ids: { relatedPerson: idOf(invitation.related_person), consent: idOf(invitation.consent), document: idOf(invitation.document) },
    patient: invitation.patient,
    member: { name: invitation.name, relationship: invitation.relationship, relationshipText, email: invitation.email },
    parts,
    start: now,
    end: invitation.ends_at ?? undefined,
    practiceName: deps.practice.name,
    policyUrl: new URL('/policies/family-access', deps.publicUrl).toString(),
    pdf: { data: pdf, title, locale },
  };
  await assertValid(deps, familyRelatedPerson(pair), familyRelatedPersonProfile);
  await assertValid(deps, familyConsent(pair), familyConsentProfile);
  await deps.fhir.transaction(familyTransaction(pair));

  await insertFamilyLink(tx, {
    accountId,
    patient: invitation.patient,
    relatedPerson: invitation.related_person,
    consent: invitation.consent,
    parts: invitation.parts,
    endsAt: invitation.ends_at,
    name: invitation.name,
    relationship: invitation.relationship,
    now,
  });
  await markFamilyInvitationAccepted(tx, invitation.id, now);
  await recordAuditEvent(
    tx,
    accountAuditEvent({
      event: 'family-access-granted',
      success: true,
      actor: invitation.related_person,
      accountId,
      patient: invitation.patient,
      clientAddress,
      portalName: deps.practice.name,
      recorded: now,
    }),
  );
  return { patientName };
}

/** The practice-local last day of access (the day before the instant it ends). */
function lastDay(endsAt: Date, timeZone: string): string {
  const day = new Date(endsAt.getTime() - 1);
  return new Intl.DateTimeFormat('en-CA', { timeZone, year: 'numeric', month: '2-digit', day: '2-digit' }).format(day);
}

async function assertValid(deps: ProxiesDeps, resource: Resource, profile: string): Promise<void> {
  const outcome = await deps.fhir
    .operation<OperationOutcome>({ name: `$validate?profile=${encodeURIComponent(profile)}`, resourceType: resource.resourceType, method: 'POST', input: resource })
    .catch((error: unknown) => {
      // HAPI answers 412 (or another 4xx) with the OperationOutcome when validation fails; a dead server keeps its own error.
      if (error instanceof AppError && (error.code === 'fhir_conflict' || error.code === 'fhir_rejected')) throw new FamilyError('profile_invalid');
      throw error;
    });
  if ((outcome.issue ?? []).some((issue) => issue.severity === 'error' || issue.severity === 'fatal')) throw new FamilyError('profile_invalid');
}
