/**
 * The account emails, in the recipient's language. Each is plain text (readable everywhere) with a
 * simple HTML alternative; links are the only personal content besides the practice's details.
 */
import { escapeHtml } from '../ui/html.ts';
import { translate, type Locale, type MessageKey } from '../core/i18n/translate.ts';
import type { EmailMessage } from '../store/outbox.ts';
import type { Practice as PracticeConfig } from '../config/config.ts';

/** What an email says of the practice: its name and phone. */
type Practice = Pick<PracticeConfig, 'name' | 'phone'>;

function compose(locale: Locale, practice: Practice, to: string, subjectKey: MessageKey, paragraphs: (string | { link: string })[]): EmailMessage {
  const t = (key: MessageKey, params: Record<string, string | number> = {}) => translate(locale, key, { practice: practice.name, phone: practice.phone, ...params });
  const body = [t('email.greeting'), ...paragraphs, t('email.signature')];
  const text = body.map((p) => (typeof p === 'string' ? p : p.link)).join('\n\n');
  const htmlBody = body.map((p) => (typeof p === 'string' ? `<p>${escapeHtml(p)}</p>` : `<p><a href="${escapeHtml(p.link)}">${escapeHtml(p.link)}</a></p>`)).join('\n');
  return { to, subject: t(subjectKey), text, html: `<!doctype html><html lang="${locale}"><body>${htmlBody}</body></html>`, locale };
}

const line = (locale: Locale, practice: Practice, key: MessageKey, params: Record<string, string | number> = {}) =>
  translate(locale, key, { practice: practice.name, phone: practice.phone, ...params });

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
