/**
 * The relationships a patient can name for a family member or caregiver: codes of the FHIR R4 value set
 * relatedperson-relationshiptype (http://hl7.org/fhir/ValueSet/relatedperson-relationshiptype), which
 * joins HL7 v3 RoleCode's personal relationships and v2 table 0131. The catalogs say each in words
 * (`relationship.<code>`); anything else is refused.
 */
export const v3RoleCode = 'http://terminology.hl7.org/CodeSystem/v3-RoleCode';
export const v2ContactRole = 'http://terminology.hl7.org/CodeSystem/v2-0131';

export const relationshipCodes = [
  'SPS',
  'DOMPART',
  'MTH',
  'FTH',
  'PRN',
  'DAU',
  'SONC',
  'CHILD',
  'SIS',
  'BRO',
  'SIB',
  'GRPRN',
  'GRNDCHILD',
  'AUNT',
  'UNCLE',
  'COUSN',
  'FRND',
  'NBOR',
  'GUARD',
  'C',
  'O',
] as const;
export type RelationshipCode = (typeof relationshipCodes)[number];

export const isRelationshipCode = (value: string): value is RelationshipCode => (relationshipCodes as readonly string[]).includes(value);

/** The coding system of a relationship code: v2 0131 for contact roles (C emergency contact, O other), else v3 RoleCode. */
export const relationshipSystem = (code: RelationshipCode): string => (code === 'C' || code === 'O' ? v2ContactRole : v3RoleCode);
