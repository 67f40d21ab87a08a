/** Canonical URLs of the project's own FHIR profiles (fhir-profiles/), which HAPI loads at start-up. */
export const portalConsentProfile = 'https://puente.example.org/fhir/StructureDefinition/puente-portal-consent';
