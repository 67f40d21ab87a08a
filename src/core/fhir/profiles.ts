/** Canonical URLs of the project's own FHIR profiles (fhir-profiles/), which HAPI loads at start-up. */
export const portalConsentProfile = 'https://puente.example.org/fhir/StructureDefinition/puente-portal-consent';
/** A family member or caregiver the patient invited (issue 13): fhir-profiles/StructureDefinition-puente-family-related-person.json. */
export const familyRelatedPersonProfile = 'https://puente.example.org/fhir/StructureDefinition/puente-family-related-person';
/** The patient's electronic authorization of a family member: fhir-profiles/StructureDefinition-puente-family-consent.json. */
export const familyConsentProfile = 'https://puente.example.org/fhir/StructureDefinition/puente-family-consent';
