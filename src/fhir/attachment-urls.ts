/**
 * A DocumentReference's attachments are fetched through the facade, never from HAPI directly: an
 * absolute attachment url on HAPI's base is rewritten onto the facade's base before the response
 * leaves (HAPI's address is internal, and only the facade applies security model 3 to Binary).
 * Relative urls (`Binary/<id>`) already resolve against the facade's base and are left as they are.
 */
import type { Bundle, DocumentReference, Resource } from '@medplum/fhirtypes';
import { trimBase } from '../core/fhir/base-url.ts';

function rewriteDocument(document: DocumentReference, from: string, to: string): void {
  for (const content of document.content ?? []) {
    const url = content.attachment?.url;
    if (typeof url === 'string' && url.startsWith(`${from}/`)) content.attachment!.url = `${to}${url.slice(from.length)}`;
  }
}

/** Rewrites, in place, every DocumentReference of a read or a searchset (matches and includes alike). */
export function pointAttachmentsAtFacade(response: Resource | undefined, upstreamBase: string, fhirBase: string): void {
  const from = trimBase(upstreamBase);
  const to = trimBase(fhirBase);
  if (!response || from === to) return;
  const resources = response.resourceType === 'Bundle' ? ((response as Bundle).entry ?? []).map((entry) => entry.resource) : [response];
  for (const resource of resources) if (resource?.resourceType === 'DocumentReference') rewriteDocument(resource as DocumentReference, from, to);
}
