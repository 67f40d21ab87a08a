/**
 * The account emails, in the recipient's language. Each is plain text (readable everywhere) with a
 * simple HTML alternative; links are the only personal content besides the practice's details.
 */
import { compose, line } from '../ui/email.ts';
import type { Locale } from '../core/i18n/translate.ts';
import type { EmailMessage } from '../store/outbox.ts';
import type { Practice } from '../ui/email.ts';

export function invitationEmail(locale: Locale, practice: Practice, to: string, link: string, formPdf?: Buffer): EmailMessage {
  const message = compose(locale, practice, to, 'email.invitation.subject', [
    line(locale, practice, 'email.invitation.body'),
    { link },
    line(locale, practice, 'email.invitation.help'),
    ...(formPdf ? [line(locale, practice, 'email.formCopy')] : []),
  ]);
  if (!formPdf) return message;
  const filename = locale === 'es' ? 'autorizacion-portal.pdf' : 'portal-authorization.pdf';
  return { ...message, attachments: [{ filename, contentType: 'application/pdf', contentBase64: formPdf.toString('base64') }] };
}

export const resetEmail = (locale: Locale, practice: Practice, to: string, link: string) =>
  compose(locale, practice, to, 'email.reset.subject', [line(locale, practice, 'email.reset.body'), { link }, line(locale, practice, 'email.reset.ignore')]);

export const passwordChangedEmail = (locale: Locale, practice: Practice, to: string) =>
  compose(locale, practice, to, 'email.passwordChanged.subject', [line(locale, practice, 'email.passwordChanged.body')]);

export const lockoutEmail = (locale: Locale, practice: Practice, to: string, minutes: number) =>
  compose(locale, practice, to, 'email.lockout.subject', [line(locale, practice, 'email.lockout.body', { minutes })]);

export const emailChangedOldAddress = (locale: Locale, practice: Practice, to: string) =>
  compose(locale, practice, to, 'email.emailChanged.subject', [line(locale, practice, 'email.emailChanged.bodyOld')]);

export const emailChangedNewAddress = (locale: Locale, practice: Practice, to: string) =>
  compose(locale, practice, to, 'email.emailChanged.subject', [line(locale, practice, 'email.emailChanged.bodyNew')]);

export const deactivatedEmail = (locale: Locale, practice: Practice, to: string) =>
  compose(locale, practice, to, 'email.deactivated.subject', [line(locale, practice, 'email.deactivated.body')]);
