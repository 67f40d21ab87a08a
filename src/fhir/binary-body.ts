/**
 * The body of a `POST /fhir/Binary` (a message's attachment, docs/messages.md): `contentType` and `data`
 * only; the type is decided by the content's first bytes, never by the name or the client's word (issue
 * #14: PDF, JPEG or PNG; at most 10 MB; empty refused). The facade sets `securityContext` to the token's
 * patient, so a Binary can be attached only to that patient's messages.
 */
import { maxAttachmentBytes, sniffAttachmentType, type AttachmentType } from '../core/attachment-type.ts';
import { FacadeError, type FacadeMessageKey } from './facade-error.ts';

const invalid = (key: FacadeMessageKey): never => {
  throw new FacadeError(400, 'invalid', 'invalid', key);
};

export function parseBinaryBody(body: unknown): { contentType: AttachmentType; data: string } {
  if (typeof body !== 'object' || body === null || Array.isArray(body) || (body as { resourceType?: unknown }).resourceType !== 'Binary')
    return invalid('facade.body_type_mismatch');
  const record = body as Record<string, unknown>;
  for (const key of Object.keys(record)) if (!['resourceType', 'id', 'meta', 'contentType', 'data'].includes(key)) invalid('facade.body_element_unsupported');
  const data = record['data'];
  if (typeof data !== 'string' || !/^[A-Za-z0-9+/]*={0,2}$/.test(data) || data.length % 4 !== 0) return invalid('facade.body_element_unsupported');
  const bytes = Buffer.from(data, 'base64');
  if (bytes.length === 0) invalid('facade.attachment_empty');
  if (bytes.length > maxAttachmentBytes) invalid('facade.attachment_too_large');
  const sniffed = sniffAttachmentType(bytes);
  if (!sniffed) invalid('facade.attachment_type_unsupported');
  // The client's word must agree with the bytes: a PNG sent as a PDF is refused, not relabelled.
  if (record['contentType'] !== sniffed) invalid('facade.attachment_type_unsupported');
  return { contentType: sniffed!, data };
}
