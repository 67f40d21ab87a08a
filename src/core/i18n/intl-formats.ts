/**
 * Intl's formatters, made once per locale and options and then kept. Making one costs far more than
 * using it (ICU loads and compiles the locale's patterns): on the record pages, formatters made per
 * request were a sixth of a replica's CPU. They are immutable, and the keys come from code and
 * configuration (two languages, the practice's time zone), so the kept set stays small.
 */
const kept = new Map<string, Intl.DateTimeFormat | Intl.NumberFormat | Intl.Collator>();

function keptFormat<T extends Intl.DateTimeFormat | Intl.NumberFormat | Intl.Collator>(key: string, make: () => T): T {
  let format = kept.get(key) as T | undefined;
  if (!format) {
    format = make();
    kept.set(key, format);
  }
  return format;
}

export const dateTimeFormat = (locale: string, options: Intl.DateTimeFormatOptions): Intl.DateTimeFormat =>
  keptFormat(`date|${locale}|${JSON.stringify(options)}`, () => new Intl.DateTimeFormat(locale, options));

export const numberFormat = (locale: string, options: Intl.NumberFormatOptions): Intl.NumberFormat =>
  keptFormat(`number|${locale}|${JSON.stringify(options)}`, () => new Intl.NumberFormat(locale, options));

/** Sorting words as the reader's language orders them (accents, case). */
export const collator = (locale: string): Intl.Collator => keptFormat(`collator|${locale}`, () => new Intl.Collator(locale));
