/**
 * The FHIR side of family access (issue 13; ../shared notes on the RelatedPerson consent pattern): a
 * RelatedPerson (patient, relationship, name, email, period), a Consent for it (scope patient-privacy,
 * the RelatedPerson as the permitted actor, the period, what is permitted, `sourceReference` = the
 * DocumentReference holding the patient's electronic authorization as a PDF). Profiles:
 * fhir-profiles/StructureDefinition-puente-family-related-person.json and -puente-family-consent.json.
 */
import type { Bundle, CodeableConcept, Consent, ConsentProvision, DocumentReference, RelatedPerson } from '@medplum/fhirtypes';
import { familyConsentProfile, familyRelatedPersonProfile } from '../core/fhir/profiles.ts';
import { relationshipSystem, type RelationshipCode } from '../core/fhir/relationships.ts';
import { permittedTypes, type FamilyPart } from '../access/family-access.ts';

export interface FamilyPair {
  readonly ids: { readonly relatedPerson: string; readonly consent: string; readonly document: string };
  /** Patient/<id> */
  readonly patient: string;
  readonly member: { readonly name: string; readonly relationship: RelationshipCode; readonly relationshipText: string; readonly email: string };
  /** undefined: everything the patient sees. */
  readonly parts: readonly FamilyPart[] | undefined;
  readonly start: Date;
  readonly end: Date | undefined;
  readonly practiceName: string;
  readonly policyUrl: string;
  readonly pdf: { readonly data: Buffer; readonly title: string; readonly locale: string };
}

const consentCategory: CodeableConcept = { coding: [{ system: 'http://loinc.org', code: '59284-0', display: 'Patient Consent' }] };

export function familyRelatedPerson(pair: FamilyPair): RelatedPerson & { id: string } {
  return {
    resourceType: 'RelatedPerson',
    id: pair.ids.relatedPerson,
    meta: { profile: [familyRelatedPersonProfile] },
    active: true,
    patient: { reference: pair.patient },
    relationship: [{ coding: [{ system: relationshipSystem(pair.member.relationship), code: pair.member.relationship }], text: pair.member.relationshipText }],
    name: [{ text: pair.member.name }],
    telecom: [{ system: 'email', value: pair.member.email }],
    period: { start: pair.start.toISOString(), ...(pair.end ? { end: pair.end.toISOString() } : {}) },
  };
}

/**
 * What is permitted: everything (no class), or only the listed resource types, categories in a nested permit;
 * and the conversations not shared with this family member (issue #14 point 4), each a nested `deny` whose
 * `data` is the thread header (`meaning` related: the header and everything that belongs to it, docs/messages.md).
 */
export function familyConsentProvisionParts(parts: readonly FamilyPart[] | undefined, hiddenThreads: readonly string[] = []): Pick<ConsentProvision, 'class' | 'provision'> {
  const types = parts ? permittedTypes(parts) : [];
  const nested: ConsentProvision[] = [
    ...types
      .filter((p) => p.categories)
      .map((p) => ({
        type: 'permit' as const,
        class: [{ system: 'http://hl7.org/fhir/resource-types', code: p.type }],
        code: p.categories!.map((c) => ({ coding: [{ system: c.system, code: c.code }] })),
      })),
    ...hiddenThreads.map((thread) => ({ type: 'deny' as const, data: [{ meaning: 'related' as const, reference: { reference: thread } }] })),
  ];
  return {
    ...(parts ? { class: types.map((p) => ({ system: 'http://hl7.org/fhir/resource-types', code: p.type })) } : {}),
    ...(nested.length ? { provision: nested } : {}),
  };
}

/** The threads a family Consent's deny provisions name (`Communication/<id>`), as familyConsentProvisionParts writes them. */
export function deniedThreadsOf(consent: Consent): string[] {
  return (consent.provision?.provision ?? [])
    .filter((p) => p.type === 'deny')
    .flatMap((p) => (p.data ?? []).map((d) => d.reference?.reference ?? ''))
    .filter((reference) => reference.startsWith('Communication/'));
}

export function familyConsent(pair: FamilyPair): Consent & { id: string } {
  const member = `RelatedPerson/${pair.ids.relatedPerson}`;
  const period = { start: pair.start.toISOString(), ...(pair.end ? { end: pair.end.toISOString() } : {}) };
  return {
    resourceType: 'Consent',
    id: pair.ids.consent,
    meta: { profile: [familyConsentProfile] },
    status: 'active',
    scope: { coding: [{ system: 'http://terminology.hl7.org/CodeSystem/consentscope', code: 'patient-privacy', display: 'Privacy Consent' }] },
    category: [consentCategory],
    patient: { reference: pair.patient },
    dateTime: pair.start.toISOString(),
    performer: [{ reference: pair.patient }],
    organization: [{ display: pair.practiceName }],
    sourceReference: { reference: `DocumentReference/${pair.ids.document}` },
    policy: [{ uri: pair.policyUrl }],
    provision: {
      type: 'permit',
      period,
      actor: [
        {
          role: { coding: [{ system: 'http://terminology.hl7.org/CodeSystem/v3-ParticipationType', code: 'IRCP', display: 'information recipient' }] },
          reference: { reference: member },
        },
      ],
      action: [{ coding: [{ system: 'http://terminology.hl7.org/CodeSystem/consentaction', code: 'access', display: 'Access' }] }],
      ...familyConsentProvisionParts(pair.parts),
    },
  };
}

export function familyDocument(pair: FamilyPair): DocumentReference & { id: string } {
  return {
    resourceType: 'DocumentReference',
    id: pair.ids.document,
    status: 'current',
    type: { ...consentCategory, text: pair.pdf.title },
    category: [{ coding: [{ system: 'http://hl7.org/fhir/us/core/CodeSystem/us-core-documentreference-category', code: 'clinical-note', display: 'Clinical Note' }] }],
    subject: { reference: pair.patient },
    date: pair.start.toISOString(),
    author: [{ reference: pair.patient }],
    description: pair.pdf.title,
    content: [
      {
        attachment: {
          contentType: 'application/pdf',
          language: pair.pdf.locale,
          title: pair.pdf.title,
          creation: pair.start.toISOString(),
          data: pair.pdf.data.toString('base64'),
        },
      },
    ],
    context: { related: [{ reference: `Consent/${pair.ids.consent}` }, { reference: `RelatedPerson/${pair.ids.relatedPerson}` }] },
  };
}

/** The three resources in one transaction (FHIR R4 http.html#transaction: all land or none). PUT by id, so a retried acceptance writes the same resources. */
export function familyTransaction(pair: FamilyPair): Bundle {
  const put = (resource: { resourceType: string; id: string }) => ({ resource, request: { method: 'PUT' as const, url: `${resource.resourceType}/${resource.id}` } });
  return { resourceType: 'Bundle', type: 'transaction', entry: [put(familyRelatedPerson(pair)), put(familyConsent(pair)), put(familyDocument(pair))] } as Bundle;
}
