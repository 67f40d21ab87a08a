/**
 * The emails that carry a share to an outside address (ONC (e)(1) "transmit" by email). By default the
 * email holds no health information at all: no name, no birth date, no record number, only the share
 * link (whose decryption key sits in the link's fragment) and a reminder that the passcode comes another
 * way. Only when the patient chose it, after the warning that ordinary email is not encrypted, does the
 * email carry the files themselves.
 */
import type { Locale } from '../../core/i18n/translate.ts';
import { compose, line, type Practice, type WrittenEmail } from '../../ui/email.ts';
import type { ProducedFile } from '../record-download.ts';

export interface EmailAttachment {
  readonly filename: string;
  readonly contentType: string;
  readonly contentBase64: string;
}

export const shareLinkEmail = (locale: Locale, practice: Practice, to: string, link: string, lastDay: string): WrittenEmail =>
  compose(locale, practice, to, 'email.share.subject', [
    line(locale, practice, 'email.share.body'),
    { link },
    line(locale, practice, 'email.share.passcode'),
    line(locale, practice, 'email.share.until', { day: lastDay }),
  ]);

export function attachedRecordEmail(locale: Locale, practice: Practice, to: string, files: readonly ProducedFile[]): WrittenEmail & { attachments: EmailAttachment[] } {
  const message = compose(locale, practice, to, 'email.shareFiles.subject', [line(locale, practice, 'email.shareFiles.body'), line(locale, practice, 'email.shareFiles.privacy')]);
  return {
    ...message,
    attachments: files.map((file) => ({
      filename: file.filename,
      contentType: file.contentType.split(';')[0]!,
      contentBase64: Buffer.from(file.body).toString('base64'),
    })),
  };
}
