/** FHIR R4 ids (datatypes.html#id): 1–64 characters from A–Z, a–z, 0–9, '-' and '.'. */

/** The id grammar as a regular-expression fragment, for patterns that embed an id (`Binary/<id>`). */
export const fhirIdSource = '[A-Za-z0-9\\-.]{1,64}';

const fhirIdPattern = new RegExp(`^${fhirIdSource}$`);

/** True when `value` is a FHIR id; anything else cannot name a resource and is refused where it would. */
export const isFhirId = (value: unknown): value is string => typeof value === 'string' && fhirIdPattern.test(value);
