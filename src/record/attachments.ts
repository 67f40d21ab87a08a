/**
 * Which attachment of a document the patient can download: inline data, or a Binary the facade serves
 * (only through a DocumentReference in the patient's compartment — the facade decides, not this code).
 */
import type { Attachment, DocumentReference } from '@medplum/fhirtypes';

/** The Binary id an attachment url names (`Binary/1`, or an absolute URL ending in it). */
export const binaryIdOf = (url: string | undefined): string | undefined => (url ? /(?:^|\/)Binary\/([A-Za-z0-9\-.]{1,64})$/.exec(url)?.[1] : undefined);

export const downloadableAttachment = (document: DocumentReference): Attachment | undefined =>
  document.content?.map((c) => c.attachment).find((a) => a?.data || binaryIdOf(a?.url));
