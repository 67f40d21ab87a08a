/**
 * Records the signed portal and email authorization (promise 10) and invites the authorized user.
 * Without it no account exists and no email is sent. In order:
 *   1. the form's facts are checked (the signer's identity must have been confirmed by staff);
 *   2. the FHIR side is written in one transaction: the designee as RelatedPerson (if any), the
 *      Consent (validated first against the project profile with $validate), and a
 *      DocumentReference so the patient finds the signed copy among their documents;
 *   3. the store side is written in one transaction: the account, the single-use registration
 *      link, the invitation email (with the form copy) in the outbox, and the audit record.
 */
import { portalConsentProfile } from '../core/fhir/profiles.ts';
import { randomUUID } from 'node:crypto';
import type { Bundle, Consent, DocumentReference, OperationOutcome, Patient, Practitioner, RelatedPerson } from '@medplum/fhirtypes';
import { AppError } from '../core/errors.ts';
import { accountAuditEvent } from '../core/fhir/audit-event.ts';
import { displayName, medicalRecordNumber } from '../core/fhir/names.ts';
import type { Locale } from '../core/i18n/translate.ts';
import { findAccountsForPatient, findPortalAccountByEmail, insertPendingPortalAccount, normalizeEmail, reopenPortalAccount } from '../store/accounts.ts';
import { recordAuditEvent } from '../store/audit-trail.ts';
import { attachOutbox, issueLink } from '../store/invitations.ts';
import { enqueue } from '../store/outbox.ts';
import { insertFamilyLink } from '../store/family.ts';
import { renderAuthorizationForm } from './authorization-form-pdf.ts';
import { invitationEmail } from './emails.ts';
import type { AccountsDeps } from './deps.ts';

export interface AuthorizationForm {
  readonly patientId: string;
  readonly signer: { readonly kind: 'patient' } | { readonly kind: 'designee'; readonly name: string; readonly relationship: string; readonly email: string };
  readonly patientEmail: string;
  readonly physicianId: string;
  readonly identityConfirmed: boolean;
  readonly staffNote?: string;
  readonly locale: Locale;
}

export interface StaffMember {
  readonly accountId: string;
  /** Practitioner/<id> */
  readonly practitioner: string;
  readonly name: string;
}

export class AuthorizationFormError extends Error {
  readonly code: 'missing_fields' | 'email_in_use' | 'profile_invalid';
  constructor(code: AuthorizationFormError['code']) {
    super(code);
    this.code = code;
  }
}

const emailPattern = /^[^\s@]+@[^\s@]+\.[^\s@]+$/;

export async function recordAuthorization(
  deps: AccountsDeps,
  staff: StaffMember,
  form: AuthorizationForm,
  clientAddress: string,
): Promise<{ accountId: string; consentId: string; documentReferenceId: string }> {
  const now = deps.now();
  const designee = form.signer.kind === 'designee' ? form.signer : undefined;
  const authorizedEmail = normalizeEmail(designee ? designee.email : form.patientEmail);
  if (
    !form.identityConfirmed ||
    !emailPattern.test(normalizeEmail(form.patientEmail)) ||
    (designee && (!designee.name.trim() || !designee.relationship.trim() || !emailPattern.test(authorizedEmail)))
  ) {
    throw new AuthorizationFormError('missing_fields');
  }

  const [patient, physician] = await Promise.all([deps.fhir.read<Patient>('Patient', form.patientId), deps.fhir.read<Practitioner>('Practitioner', form.physicianId)]);
  const patientRef = `Patient/${patient.id}`;
  const holder = await findPortalAccountByEmail(deps.db, authorizedEmail);
  const existing = (await findAccountsForPatient(deps.db, patientRef)).find((a) => a.email === authorizedEmail);
  if (holder && holder.id !== existing?.id) throw new AuthorizationFormError('email_in_use');
  if (existing && (existing.status === 'active' || existing.status === 'pending')) throw new AuthorizationFormError('email_in_use');

  const ids = { consent: randomUUID(), document: randomUUID(), relatedPerson: randomUUID() };
  const pdf = await renderAuthorizationForm(
    {
      practice: deps.practice,
      patient: { name: displayName(patient.name), birthDate: patient.birthDate ?? '', mrn: medicalRecordNumber(patient) ?? '' },
      patientEmail: normalizeEmail(form.patientEmail),
      physician: displayName(physician.name),
      signer: designee ? { kind: 'designee', name: designee.name.trim(), relationship: designee.relationship.trim(), email: authorizedEmail } : { kind: 'patient' },
      authorizedUserEmail: authorizedEmail,
      verifiedBy: staff.name,
      recordedAt: now.toISOString(),
      timeZone: deps.practice.timeZone,
      ...(form.staffNote?.trim() ? { staffNote: form.staffNote.trim() } : {}),
      formId: ids.consent,
    },
    form.locale,
  );
  const performer = designee ? `RelatedPerson/${ids.relatedPerson}` : patientRef;
  const title = form.locale === 'es' ? 'Autorización para el portal y el correo electrónico' : 'Portal and email authorization';
  const attachment = { contentType: 'application/pdf', language: form.locale, title, creation: now.toISOString(), data: pdf.toString('base64') };

  const consent: Consent & { id: string } = {
    resourceType: 'Consent',
    id: ids.consent,
    meta: { profile: [portalConsentProfile] },
    status: 'active',
    scope: { coding: [{ system: 'http://terminology.hl7.org/CodeSystem/consentscope', code: 'patient-privacy', display: 'Privacy Consent' }] },
    category: [{ coding: [{ system: 'http://loinc.org', code: '59284-0', display: 'Patient Consent' }] }],
    patient: { reference: patientRef },
    dateTime: now.toISOString(),
    performer: [{ reference: performer }],
    organization: [{ display: deps.practice.name }],
    sourceAttachment: attachment,
    policy: [{ uri: new URL('/policies/portal-and-email', deps.publicUrl).toString() }],
    verification: [
      {
        verified: true,
        verifiedWith: { reference: performer },
        verificationDate: now.toISOString(),
        // R4 has no "verified by" (R5 added verification.verifiedBy): the project's extension names the staff member.
        extension: [{ url: 'https://puente.example.org/fhir/StructureDefinition/consent-verified-by', valueReference: { reference: staff.practitioner } }],
      },
    ],
    provision: {
      type: 'permit',
      period: { start: now.toISOString() },
      actor: [
        {
          role: { coding: [{ system: 'http://terminology.hl7.org/CodeSystem/v3-ParticipationType', code: 'IRCP', display: 'information recipient' }] },
          reference: { reference: performer },
        },
      ],
      action: [
        { coding: [{ system: 'http://terminology.hl7.org/CodeSystem/consentaction', code: 'access', display: 'Access' }], text: 'Patient portal access' },
        { text: 'Communication by email' },
      ],
    },
  };
  await assertValid(deps, consent);

  const documentReference: DocumentReference & { id: string } = {
    resourceType: 'DocumentReference',
    id: ids.document,
    status: 'current',
    type: { coding: [{ system: 'http://loinc.org', code: '59284-0', display: 'Patient Consent' }], text: title },
    category: [{ coding: [{ system: 'http://hl7.org/fhir/us/core/CodeSystem/us-core-documentreference-category', code: 'clinical-note', display: 'Clinical Note' }] }],
    subject: { reference: patientRef },
    date: now.toISOString(),
    author: [{ reference: staff.practitioner }],
    description: title,
    content: [{ attachment }],
    context: { related: [{ reference: `Consent/${ids.consent}` }] },
  };
  const relatedPerson: RelatedPerson | undefined = designee && {
    resourceType: 'RelatedPerson',
    id: ids.relatedPerson,
    active: true,
    patient: { reference: patientRef },
    relationship: [{ text: designee.relationship.trim() }],
    name: [{ text: designee.name.trim() }],
    telecom: [{ system: 'email', value: authorizedEmail }],
  };
  const put = (resource: { resourceType: string; id?: string }) => ({ resource, request: { method: 'PUT' as const, url: `${resource.resourceType}/${resource.id}` } });
  await deps.fhir.transaction({
    resourceType: 'Bundle',
    type: 'transaction',
    entry: [...(relatedPerson ? [put(relatedPerson)] : []), put(consent), put(documentReference)],
  } as Bundle);

  const accountId = await deps.db.transaction(async (tx) => {
    const authorization = { consent: `Consent/${ids.consent}`, locale: form.locale, birthDate: patient.birthDate ?? null, now };
    if (existing) await reopenPortalAccount(tx, existing.id, authorization);
    const account = {
      id:
        existing?.id ??
        (await insertPendingPortalAccount(tx, { ...authorization, kind: designee ? 'proxy' : 'patient', email: authorizedEmail, fhirUser: performer, patient: patientRef })),
    };
    // The designee of the paper form is the same RelatedPerson + Consent pair as an invited family member: the
    // proxy link caches it (issue 13), so the patient's list and the staff console show it and can end it. It
    // reaches nothing while the account is pending (account_reach reads active accounts only).
    if (designee) {
      await insertFamilyLink(tx, {
        accountId: account.id,
        patient: patientRef,
        relatedPerson: performer,
        consent: `Consent/${ids.consent}`,
        parts: null,
        endsAt: null,
        name: designee.name.trim(),
        relationship: designee.relationship.trim(),
        now,
      });
    }
    await recordAuditEvent(
      tx,
      accountAuditEvent({
        event: 'authorization-recorded',
        success: true,
        actor: staff.practitioner,
        accountId: staff.accountId,
        patient: patientRef,
        clientAddress,
        portalName: deps.practice.name,
        recorded: now,
      }),
    );
    await sendRegistrationLink(tx, deps, { accountId: account.id, email: authorizedEmail, locale: form.locale, formPdf: pdf, now }, { staff, patient: patientRef, clientAddress });
    return account.id;
  });
  return { accountId, consentId: ids.consent, documentReferenceId: ids.document };
}

/** Issues a new registration link (voiding earlier ones) and queues its email in the caller's transaction. */
export async function sendRegistrationLink(
  tx: import('../store/db.ts').Queryable,
  deps: Pick<AccountsDeps, 'publicUrl' | 'practice' | 'signIn'>,
  input: { accountId: string; email: string; locale: Locale; formPdf?: Buffer; now: Date },
  audit: { staff: StaffMember; patient: string | undefined; clientAddress: string },
): Promise<void> {
  const { token, invitationId } = await issueLink(tx, {
    accountId: input.accountId,
    purpose: 'registration',
    email: input.email,
    ttlMs: deps.signIn.invitationTtlMs,
    now: input.now,
  });
  const link = new URL(`/register?t=${token}`, deps.publicUrl).toString();
  const outboxId = await enqueue(tx, { kind: 'email', payload: invitationEmail(input.locale, deps.practice, input.email, link, input.formPdf) });
  await attachOutbox(tx, invitationId, outboxId);
  await recordAuditEvent(
    tx,
    accountAuditEvent({
      event: 'invitation-sent',
      success: true,
      actor: audit.staff.practitioner,
      accountId: audit.staff.accountId,
      ...(audit.patient ? { patient: audit.patient } : {}),
      clientAddress: audit.clientAddress,
      portalName: deps.practice.name,
      recorded: input.now,
    }),
  );
}

async function assertValid(deps: AccountsDeps, consent: Consent): Promise<void> {
  const outcome = await deps.fhir
    .operation<OperationOutcome>({ name: `$validate?profile=${encodeURIComponent(portalConsentProfile)}`, resourceType: 'Consent', method: 'POST', input: consent })
    .catch((error: unknown) => {
      // HAPI answers 412 (or another 4xx) with the OperationOutcome when validation fails; a timeout or an
      // unavailable server is not an invalid form and keeps its own error.
      if (error instanceof AppError && (error.code === 'fhir_conflict' || error.code === 'fhir_rejected')) throw new AuthorizationFormError('profile_invalid');
      throw error;
    });
  if ((outcome.issue ?? []).some((issue) => issue.severity === 'error' || issue.severity === 'fatal')) throw new AuthorizationFormError('profile_invalid');
}
