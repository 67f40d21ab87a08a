/**
 * A file a patient attaches to a message (issue #14): PDF, JPEG or PNG decided by the content's first bytes,
 * never by the file's name (so `SCAN.PDF` and `foto.JPG` are fine, and a renamed program is not); at most
 * 10 MB; an empty file is refused. The facade checks the same again when the Binary is written.
 */
import { maxAttachmentBytes, sniffAttachmentType, type AttachmentType } from '../core/attachment-type.ts';

export interface UploadedFile {
  readonly name: string;
  readonly bytes: Buffer;
  /** What the bytes are, when one of the accepted types. */
  readonly sniffed: AttachmentType | undefined;
}

export const uploadedFile = (name: string, bytes: Buffer): UploadedFile => ({ name, bytes, sniffed: sniffAttachmentType(bytes) });

/** Why a file is refused, as the form says it. */
export type AttachmentError = 'messages.error.fileEmpty' | 'messages.error.fileLarge' | 'messages.error.fileType';

export function checkAttachment(file: UploadedFile): AttachmentError | undefined {
  if (file.bytes.length === 0) return 'messages.error.fileEmpty';
  if (file.bytes.length > maxAttachmentBytes) return 'messages.error.fileLarge';
  if (!file.sniffed) return 'messages.error.fileType';
  return undefined;
}
