/**
 * What the visitor asked to download, parsed from the share form's query (GET, so it works without
 * JavaScript and the downloads are plain links): the whole record or a date range (`from`, `to`,
 * YYYY-MM-DD, inclusive, either end may be open) and the document's language. A malformed date, a range
 * with no date, or `from` after `to` come back as field errors (catalog keys) for the form to show.
 * One visit (`what=visit&visit=<Encounter id>`) is a range too: the visit's own days, worked out once the
 * record is read (record-download.ts), so an unknown visit is refused there.
 */
import { isFhirDate } from '../core/fhir/dates.ts';
import type { Locale } from '../core/i18n/translate.ts';
import { formBody } from '../http/form-body.ts';

export interface ShareChoice {
  readonly what: 'all' | 'range' | 'visit';
  readonly from: string;
  readonly to: string;
  /** The Encounter id of the one visit asked for (what=visit). */
  readonly visit: string;
  readonly language: Locale;
}

export type ShareFieldError = 'share.error.date' | 'share.error.rangeEmpty' | 'share.error.order' | 'share.error.visit';

export type ParsedShareChoice =
  | { readonly ok: true; readonly choice: ShareChoice; readonly range: { from?: string; to?: string } | undefined; readonly visit?: string }
  | { readonly ok: false; readonly choice: ShareChoice; readonly errors: ShareErrors };

export interface ShareErrors {
  readonly from?: ShareFieldError;
  readonly to?: ShareFieldError;
  readonly visit?: ShareFieldError;
}

const form = formBody({
  what: { oneOf: ['all', 'range', 'visit'] },
  from: { maxLength: 10 },
  to: { maxLength: 10 },
  // FHIR id grammar (R4 §2.24.0.1).
  visit: { pattern: '^[A-Za-z0-9.-]{1,64}$' },
  lang: { oneOf: ['es', 'en'] },
});

const isDay = (value: string) => /^\d{4}-\d{2}-\d{2}$/.test(value) && isFhirDate(value);

/** `query` is the request's query object; `pageLanguage` the visitor's, the document's default language. */
export function parseShareChoice(query: unknown, pageLanguage: Locale): ParsedShareChoice {
  const values = form.parse(query);
  const language: Locale = values.lang === 'es' || values.lang === 'en' ? values.lang : pageLanguage;
  // Something was sent that the form parser refused (too long, repeated): malformed too, never "no date".
  const sent = (name: 'from' | 'to') => typeof query === 'object' && query !== null && Object.hasOwn(query, name) && (query as Record<string, unknown>)[name] !== '';
  // The download links carry only from/to: a date given means a range unless the form said "all".
  const what = values.what === 'all' || values.what === 'range' || values.what === 'visit' ? values.what : sent('from') || sent('to') ? 'range' : 'all';
  const choice: ShareChoice = { what, from: values.from, to: values.to, visit: values.visit, language };
  if (what === 'all') return { ok: true, choice, range: undefined };
  if (what === 'visit') return values.visit ? { ok: true, choice, range: undefined, visit: values.visit } : { ok: false, choice, errors: { visit: 'share.error.visit' } };
  const errors: { from?: ShareFieldError; to?: ShareFieldError } = {};
  if ((values.from && !isDay(values.from)) || (!values.from && sent('from'))) errors.from = 'share.error.date';
  if ((values.to && !isDay(values.to)) || (!values.to && sent('to'))) errors.to = 'share.error.date';
  if (!values.from && !values.to && !errors.from && !errors.to) errors.from = 'share.error.rangeEmpty';
  if (!errors.from && !errors.to && values.from && values.to && values.from > values.to) errors.to = 'share.error.order';
  if (errors.from || errors.to) return { ok: false, choice, errors };
  return { ok: true, choice, range: { ...(values.from ? { from: values.from } : {}), ...(values.to ? { to: values.to } : {}) } };
}
