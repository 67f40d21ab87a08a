/**
 * Intl's formatters for the portal's two languages, made once per language and options and then kept.
 * Making one costs far more than using it (ICU loads and compiles the locale's patterns): on the record
 * pages, formatters made per request were a sixth of a replica's CPU. They are immutable, and the keys
 * come from code and configuration (two languages, the practice's time zone), so the kept set stays small.
 *
 * Dates are said as Spanish and English are spoken in the United States, where the practice is (es-US,
 * en-US). Numbers in Spanish use the decimal comma (80,2 kg): CLDR's es-US writes a decimal point like
 * en-US, so numbers use plain 'es'.
 */
import type { Locale } from './translate.ts';

const languageTags: Record<Locale, string> = { en: 'en-US', es: 'es-US' };
const numberLocales: Record<Locale, string> = { en: 'en-US', es: 'es' };

/** The portal's language as a BCP 47 tag (es-US, en-US), for documents that name their language (C-CDA, XDM). */
export const languageTag = (locale: Locale): string => languageTags[locale];

const kept = new Map<string, Intl.DateTimeFormat | Intl.NumberFormat | Intl.Collator>();

function keptFormat<T extends Intl.DateTimeFormat | Intl.NumberFormat | Intl.Collator>(key: string, make: () => T): T {
  let format = kept.get(key) as T | undefined;
  if (!format) {
    format = make();
    kept.set(key, format);
  }
  return format;
}

export const dateTimeFormat = (locale: Locale, options: Intl.DateTimeFormatOptions): Intl.DateTimeFormat =>
  keptFormat(`date|${locale}|${JSON.stringify(options)}`, () => new Intl.DateTimeFormat(languageTags[locale], options));

export const numberFormat = (locale: Locale, options: Intl.NumberFormatOptions): Intl.NumberFormat =>
  keptFormat(`number|${locale}|${JSON.stringify(options)}`, () => new Intl.NumberFormat(numberLocales[locale], options));

/** Sorting words as the reader's language orders them (accents, case). */
export const collator = (locale: Locale): Intl.Collator => keptFormat(`collator|${locale}`, () => new Intl.Collator(languageTags[locale]));
