/** English strings. The Spanish catalog must have exactly the same keys (checked by the type system). */
export const en = {
  'page.title': 'Patient portal',
  'error.not_found': 'We could not find that page.',
  'error.bad_request': 'The request could not be understood.',
  'error.internal_error': 'Something went wrong on our side. Please try again in a moment.',
  'error.service_unavailable': 'The portal is temporarily unavailable. Please try again in a few minutes.',
  'error.fhir_unavailable': 'Your health record is temporarily unavailable. Please try again in a few minutes.',
  'error.fhir_timeout': 'Your health record is taking too long to answer. Please try again in a few minutes.',
  'error.fhir_not_found': 'We could not find that record.',
  'error.fhir_rejected': 'The health record server did not accept the request.',
  'error.fhir_conflict': 'The record was changed by someone else. Please reload and try again.',
  'error.fhir_error': 'The health record server returned an error. Please try again later.',
  'error.store_unavailable': 'The portal is temporarily unavailable. Please try again in a few minutes.',
  'error.retry': 'Try again',
} as const;

export type MessageKey = keyof typeof en;
