/**
 * What `buildCcd` needs to write a C-CDA R2.1 Continuity of Care Document: plain data, no I/O. The caller
 * reads the record (through the facade, with the patient's or proxy's token) and passes what that caller may see.
 */
import type {
  AllergyIntolerance,
  CarePlan,
  CareTeam,
  Condition,
  DiagnosticReport,
  Encounter,
  Goal,
  Immunization,
  Medication,
  MedicationRequest,
  Observation,
  Organization,
  Patient,
  Practitioner,
  Procedure,
  Resource,
} from '@medplum/fhirtypes';

export type CcdLanguage = 'es' | 'en';

/** A postal address as the practice configures it (US Realm Address, CONF:81-7290). */
export interface CcdAddress {
  /** One to four street lines. */
  readonly lines: readonly string[];
  readonly city?: string;
  /** USPS two-letter code (C-CDA binds state to USPS codes for US addresses). */
  readonly state?: string;
  readonly postalCode?: string;
  /** ISO 3166-1 alpha-2; absent means US. */
  readonly country?: string;
}

/** The practice that runs the portal: the document's custodian and the author's organization. */
export interface CcdPractice {
  readonly name: string;
  /**
   * The practice's identifier as an HL7 instance identifier: `root` an OID or UUID (for an NPI use
   * root 2.16.840.1.113883.4.6 and the number as `extension`). Absent: a stable UUID derived from the name.
   */
  readonly identifier?: { readonly root: string; readonly extension?: string };
  /** Office phone as people write it ("+1 (555) 010-2000"); absent → telecom nullFlavor. */
  readonly phone?: string;
  /** Absent → addr nullFlavor. */
  readonly address?: CcdAddress;
}

/** The software that writes the document (the author is the portal as an authoring device). */
export interface CcdSoftware {
  /** e.g. "Puente". */
  readonly name: string;
  readonly version: string;
}

/**
 * The covered dates, FHIR dates (`YYYY-MM-DD`, inclusive) read in the practice's time zone. Either end may be
 * open. Absent: the whole record.
 */
export interface CcdRange {
  readonly from?: string;
  readonly to?: string;
}

/** The FHIR resources a CCD is written from (anything else the caller holds is ignored by type). */
export type CcdResource =
  | AllergyIntolerance
  | MedicationRequest
  | Medication
  | Condition
  | Observation
  | DiagnosticReport
  | Immunization
  | Procedure
  | Encounter
  | CarePlan
  | Goal
  | CareTeam
  | Practitioner
  | Organization;

const ccdResourceTypes: ReadonlySet<string> = new Set<CcdResource['resourceType']>([
  'AllergyIntolerance',
  'MedicationRequest',
  'Medication',
  'Condition',
  'Observation',
  'DiagnosticReport',
  'Immunization',
  'Procedure',
  'Encounter',
  'CarePlan',
  'Goal',
  'CareTeam',
  'Practitioner',
  'Organization',
]);

/** True for the resource types a CCD is written from. */
export const isCcdResource = (resource: Resource): resource is CcdResource => ccdResourceTypes.has(resource.resourceType);

export interface CcdInput {
  readonly patient: Patient;
  /** Everything the caller may see of the record (the patient's compartment plus referenced Practitioners, Organizations, Medications). */
  readonly resources: readonly CcdResource[];
  readonly practice: CcdPractice;
  readonly software: CcdSoftware;
  /** The document's id (a UUID): ClinicalDocument/id and setId. */
  readonly documentId: string;
  /** When the document is written: ClinicalDocument/effectiveTime and author/time. */
  readonly createdAt: Date;
  /** The practice's IANA time zone: every instant is written with the offset it has there. */
  readonly timeZone: string;
  /** The language of the narrative (titles, headers, status words); the record's own text is kept as written. */
  readonly language: CcdLanguage;
  readonly range?: CcdRange;
}
