/**
 * How a released Binary is answered (FHIR R4 http.html#binary): with a FHIR format in Accept, the
 * Binary resource as JSON; otherwise its content, raw, under its own content type. Content served
 * raw from the portal's origin must never run there: it is sent as a download, with nosniff and a
 * sandboxing CSP, so an HTML or SVG document stays inert.
 */
import type { Binary } from '@medplum/fhirtypes';
import { inertDownloadHeaders } from '../http/send-download.ts';

const fhirFormats = /(?:^|[\s,])application\/(?:fhir\+json|json\+fhir|fhir\+xml|xml\+fhir|json)\s*(?:[;,]|$)/i;

/** True when the client asked for the Binary resource itself rather than its content. */
export const wantsBinaryResource = (accept: string | undefined): boolean => fhirFormats.test(accept ?? '');

// RFC 9110 media type: type "/" subtype, tokens only; parameters dropped (HAPI's value is not trusted as a header).
const mediaType = /^[A-Za-z0-9!#$&^_.+-]{1,64}\/[A-Za-z0-9!#$&^_.+-]{1,64}$/;

export interface RawContent {
  readonly headers: Readonly<Record<string, string>>;
  readonly body: Buffer;
}

/** The Binary's content and the headers it travels with. */
export function rawBinaryContent(binary: Binary): RawContent {
  const declared = (binary.contentType ?? '').split(';')[0]!.trim();
  return {
    headers: {
      'Content-Type': mediaType.test(declared) ? declared : 'application/octet-stream',
      'Content-Disposition': `attachment; filename="binary-${binary.id}"`,
      ...inertDownloadHeaders,
    },
    body: Buffer.from(binary.data ?? '', 'base64'),
  };
}
