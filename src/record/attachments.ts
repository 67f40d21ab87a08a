/**
 * Which attachment of a document the patient can download: inline data, or a Binary the facade serves
 * (only through a DocumentReference in the patient's compartment — the facade decides, not this code).
 */
import type { Attachment, DocumentReference } from '@medplum/fhirtypes';
import { fhirIdSource } from '../core/fhir/ids.ts';

/** The Binary id an attachment url names (`Binary/1`, or an absolute URL ending in it). */
const binaryUrl = new RegExp(`(?:^|/)Binary/(${fhirIdSource})$`);
export const binaryIdOf = (url: string | undefined): string | undefined => (url ? binaryUrl.exec(url)?.[1] : undefined);

export const downloadableAttachment = (document: DocumentReference): Attachment | undefined =>
  document.content?.map((c) => c.attachment).find((a) => a?.data || binaryIdOf(a?.url));
