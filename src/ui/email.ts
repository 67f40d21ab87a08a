/**
 * How the portal's emails are written, in the recipient's language: plain text (readable everywhere)
 * with a simple HTML alternative, a greeting and the practice's signature; links are the only personal
 * content besides the practice's details. Account emails (accounts/emails.ts) and the share emails
 * (export/transmit/share-emails.ts) are both made here.
 */
import { escapeHtml } from './html.ts';
import { translate, type Locale, type MessageKey } from '../core/i18n/translate.ts';
import type { Practice as PracticeConfig } from '../config/config.ts';

/** A written email, ready for the outbox (store/outbox.ts EmailMessage has the same shape). */
export interface WrittenEmail {
  readonly to: string;
  readonly subject: string;
  readonly text: string;
  readonly html: string;
  readonly locale: Locale;
}

/** What an email says of the practice: its name and phone. */
export type Practice = Pick<PracticeConfig, 'name' | 'phone'>;

export function compose(locale: Locale, practice: Practice, to: string, subjectKey: MessageKey, paragraphs: (string | { link: string })[]): WrittenEmail {
  const t = (key: MessageKey, params: Record<string, string | number> = {}) => translate(locale, key, { practice: practice.name, phone: practice.phone, ...params });
  const body = [t('email.greeting'), ...paragraphs, t('email.signature')];
  const text = body.map((p) => (typeof p === 'string' ? p : p.link)).join('\n\n');
  const htmlBody = body.map((p) => (typeof p === 'string' ? `<p>${escapeHtml(p)}</p>` : `<p><a href="${escapeHtml(p.link)}">${escapeHtml(p.link)}</a></p>`)).join('\n');
  return { to, subject: t(subjectKey), text, html: `<!doctype html><html lang="${locale}"><body>${htmlBody}</body></html>`, locale };
}

/** One line of an email in `locale`, with the practice's name and phone available as {practice} and {phone}. */
export const line = (locale: Locale, practice: Practice, key: MessageKey, params: Record<string, string | number> = {}) =>
  translate(locale, key, { practice: practice.name, phone: practice.phone, ...params });
