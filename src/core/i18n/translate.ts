import { en, type MessageKey } from './catalog-en.ts';
import { es } from './catalog-es.ts';

export type Locale = 'en' | 'es';
export type { MessageKey };
export const locales: readonly Locale[] = ['es', 'en'];
export const isLocale = (value: unknown): value is Locale => value === 'es' || value === 'en';

const catalogs: Record<Locale, Record<MessageKey, string>> = { en, es };

/** True when `key` is in the catalogs (for keys built from data, such as `status.<code>`). */
export const isMessageKey = (key: string): key is MessageKey => Object.hasOwn(en, key);

/** The message for `key` in `locale`, with `{name}` placeholders filled from `params`. */
export function translate(locale: Locale, key: MessageKey, params: Record<string, string | number> = {}): string {
  return catalogs[locale][key].replace(/\{(\w+)\}/g, (whole, name: string) => (name in params ? String(params[name]) : whole));
}

/** Picks the best supported locale from an Accept-Language header (RFC 9110 §12.5.4 q-values). */
export function negotiateLocale(acceptLanguage: string | undefined, fallback: Locale = 'es'): Locale {
  if (!acceptLanguage) return fallback;
  const ranked = acceptLanguage
    .split(',')
    .map((part) => {
      const [tag = '', ...params] = part.trim().split(';');
      const q = params.map((p) => p.trim()).find((p) => p.startsWith('q='));
      return { tag: tag.toLowerCase(), q: q ? Number(q.slice(2)) : 1 };
    })
    .filter((entry) => entry.tag && Number.isFinite(entry.q) && entry.q > 0)
    .sort((a, b) => b.q - a.q);
  for (const { tag } of ranked) {
    const primary = tag.split('-')[0];
    if (isLocale(primary)) return primary;
  }
  return fallback;
}
