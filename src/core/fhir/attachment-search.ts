/**
 * Finding the resources that name a Binary as an attachment, on the FHIR server: a `uri` search matches exact
 * text, so the value lists every url form a local Binary may be named by (`Binary/<id>`, and that on each base).
 * Shared by the facade (which Binary a token may read) and the staff console (which file a conversation names).
 */
import { trimBase } from './base-url.ts';

/** The project's search parameter on a message's attachment urls (fhir-profiles/SearchParameter-communication-attachment-url.json; R4 has none). */
export const communicationAttachmentUrl = 'attachment-url';

/**
 * The attachment urls under which a document or a message may name `Binary/<id>`, as one search value
 * (FHIR search escaping for `,`, `|`, `$`, `\`): a `uri` search matches exact text, so every form is listed.
 */
export function attachmentUrlValues(id: string, bases: readonly string[]): string {
  const escapeValue = (value: string) => value.replace(/[\\,|$]/g, (c) => `\\${c}`);
  return [`Binary/${id}`, ...bases.map((base) => `${trimBase(base)}/Binary/${id}`)].map(escapeValue).join(',');
}
