/**
 * FHIR code system URIs → the HL7 OIDs C-CDA writes in @codeSystem (HL7 terminology.hl7.org "external
 * terminologies" and the FHIR R4 code system registry, which list each system's OID).
 */

export interface CodeSystem {
  readonly oid: string;
  readonly name: string;
}

export const OID = {
  loinc: '2.16.840.1.113883.6.1',
  snomed: '2.16.840.1.113883.6.96',
  rxnorm: '2.16.840.1.113883.6.88',
  cvx: '2.16.840.1.113883.12.292',
  icd10cm: '2.16.840.1.113883.6.90',
  icd10pcs: '2.16.840.1.113883.6.4',
  icd9cm: '2.16.840.1.113883.6.103',
  cpt: '2.16.840.1.113883.6.12',
  hcpcs: '2.16.840.1.113883.6.285',
  ndc: '2.16.840.1.113883.6.69',
  ucum: '2.16.840.1.113883.6.8',
  cdcRace: '2.16.840.1.113883.6.238',
  actCode: '2.16.840.1.113883.5.4',
  actClass: '2.16.840.1.113883.5.6',
  administrativeGender: '2.16.840.1.113883.5.1',
  maritalStatus: '2.16.840.1.113883.5.2',
  confidentiality: '2.16.840.1.113883.5.25',
  observationInterpretation: '2.16.840.1.113883.5.83',
  observationValue: '2.16.840.1.113883.5.1063',
  participationFunction: '2.16.840.1.113883.5.88',
  nuccTaxonomy: '2.16.840.1.113883.6.101',
  unii: '2.16.840.1.113883.4.9',
  npi: '2.16.840.1.113883.4.6',
  ssn: '2.16.840.1.113883.4.1',
  ndfrt: '2.16.840.1.113883.3.26.1.5',
  nciThesaurus: '2.16.840.1.113883.3.26.1.1',
} as const;

const bySystem: ReadonlyMap<string, CodeSystem> = new Map([
  ['http://loinc.org', { oid: OID.loinc, name: 'LOINC' }],
  ['http://snomed.info/sct', { oid: OID.snomed, name: 'SNOMED CT' }],
  ['http://www.nlm.nih.gov/research/umls/rxnorm', { oid: OID.rxnorm, name: 'RxNorm' }],
  ['http://hl7.org/fhir/sid/cvx', { oid: OID.cvx, name: 'CVX' }],
  ['http://hl7.org/fhir/sid/icd-10-cm', { oid: OID.icd10cm, name: 'ICD-10-CM' }],
  ['http://www.cms.gov/Medicare/Coding/ICD10', { oid: OID.icd10pcs, name: 'ICD-10-PCS' }],
  ['http://hl7.org/fhir/sid/icd-9-cm', { oid: OID.icd9cm, name: 'ICD-9-CM' }],
  ['http://www.ama-assn.org/go/cpt', { oid: OID.cpt, name: 'CPT-4' }],
  ['https://www.cms.gov/Medicare/Coding/HCPCSReleaseCodeSets', { oid: OID.hcpcs, name: 'HCPCS' }],
  ['http://hl7.org/fhir/sid/ndc', { oid: OID.ndc, name: 'NDC' }],
  ['http://unitsofmeasure.org', { oid: OID.ucum, name: 'UCUM' }],
  ['http://terminology.hl7.org/CodeSystem/v3-ActCode', { oid: OID.actCode, name: 'HL7ActCode' }],
  ['http://terminology.hl7.org/CodeSystem/v3-AdministrativeGender', { oid: OID.administrativeGender, name: 'AdministrativeGender' }],
  ['http://terminology.hl7.org/CodeSystem/v3-MaritalStatus', { oid: OID.maritalStatus, name: 'MaritalStatus' }],
  ['http://terminology.hl7.org/CodeSystem/v3-ObservationInterpretation', { oid: OID.observationInterpretation, name: 'ObservationInterpretation' }],
  ['http://terminology.hl7.org/CodeSystem/v3-ParticipationFunction', { oid: OID.participationFunction, name: 'ParticipationFunction' }],
  ['http://nucc.org/provider-taxonomy', { oid: OID.nuccTaxonomy, name: 'NUCC Health Care Provider Taxonomy' }],
  ['http://fdasis.nlm.nih.gov', { oid: OID.unii, name: 'UNII' }],
  ['http://ncithesaurus-stage.nci.nih.gov', { oid: OID.nciThesaurus, name: 'NCI Thesaurus' }],
  ['http://ncimeta.nci.nih.gov', { oid: OID.nciThesaurus, name: 'NCI Thesaurus' }],
  ['urn:oid:2.16.840.1.113883.6.238', { oid: OID.cdcRace, name: 'Race & Ethnicity - CDC' }],
]);

const oidPattern = /^[0-2](?:\.(?:0|[1-9]\d*))+$/;

/** The OID and name of a FHIR code system URI (`urn:oid:` URIs give their own OID); undefined when unknown. */
export function codeSystemOf(system: string | undefined): CodeSystem | undefined {
  if (!system) return undefined;
  const known = bySystem.get(system);
  if (known) return known;
  if (system.startsWith('urn:oid:')) {
    const oid = system.slice('urn:oid:'.length);
    return oidPattern.test(oid) ? { oid, name: '' } : undefined;
  }
  return undefined;
}

/** True when `value` is an OID (HL7 II root). */
export const isOid = (value: string): boolean => oidPattern.test(value);
