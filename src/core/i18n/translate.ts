import { en, type MessageKey } from './catalog-en.ts';
import { es } from './catalog-es.ts';

export type Locale = 'en' | 'es';
export const locales: readonly Locale[] = ['es', 'en'];

const catalogs: Record<Locale, Record<MessageKey, string>> = { en, es };

export const translate = (locale: Locale, key: MessageKey): string => catalogs[locale][key];

/** Picks the best supported locale from an Accept-Language header (RFC 9110 §12.5.4 q-values). */
export function negotiateLocale(acceptLanguage: string | undefined, fallback: Locale = 'en'): Locale {
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
    if (primary === 'es' || primary === 'en') return primary;
  }
  return fallback;
}
