/**
 * What an attached file really is, from its first bytes (magic numbers), never from its name or the
 * sender's word (issue #14: PDF, JPEG or PNG; at most 10 MB). Used by the patient's message form and by
 * the facade when it stores the Binary, so both refuse the same files.
 */
export const maxAttachmentBytes = 10 * 1024 * 1024;
export type AttachmentType = 'application/pdf' | 'image/jpeg' | 'image/png';

/** PDF `%PDF-`, JPEG `FF D8 FF`, PNG's 8-byte signature; anything else undefined. */
export function sniffAttachmentType(bytes: Uint8Array): AttachmentType | undefined {
  const starts = (...prefix: number[]) => prefix.every((byte, i) => bytes[i] === byte);
  if (starts(0x25, 0x50, 0x44, 0x46, 0x2d)) return 'application/pdf';
  if (starts(0xff, 0xd8, 0xff)) return 'image/jpeg';
  if (starts(0x89, 0x50, 0x4e, 0x47, 0x0d, 0x0a, 0x1a, 0x0a)) return 'image/png';
  return undefined;
}
