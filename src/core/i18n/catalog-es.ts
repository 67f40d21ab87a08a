import type { MessageKey } from './catalog-en.ts';

/** Spanish strings: `satisfies` makes a missing or extra key a compile error. */
export const es = {
  'page.title': 'Portal del paciente',
  'error.not_found': 'No encontramos esa página.',
  'error.bad_request': 'No pudimos entender la solicitud.',
  'error.internal_error': 'Algo salió mal de nuestro lado. Inténtelo de nuevo en un momento.',
  'error.service_unavailable': 'El portal no está disponible por el momento. Inténtelo de nuevo en unos minutos.',
  'error.fhir_unavailable': 'Su historia clínica no está disponible por el momento. Inténtelo de nuevo en unos minutos.',
  'error.fhir_timeout': 'Su historia clínica está tardando demasiado en responder. Inténtelo de nuevo en unos minutos.',
  'error.fhir_not_found': 'No encontramos ese registro.',
  'error.fhir_rejected': 'El servidor de historias clínicas no aceptó la solicitud.',
  'error.fhir_conflict': 'Otra persona cambió el registro. Vuelva a cargar la página e inténtelo de nuevo.',
  'error.fhir_error': 'El servidor de historias clínicas devolvió un error. Inténtelo de nuevo más tarde.',
  'error.store_unavailable': 'El portal no está disponible por el momento. Inténtelo de nuevo en unos minutos.',
  'error.retry': 'Intentar de nuevo',
} as const satisfies Record<MessageKey, string>;
