/**
 * How the record pages say FHIR values in words, per language: codes as their display text, dates
 * without time-zone shifts, numbers with the language's separators, units in plain symbols, and
 * status codes from the catalogs.
 */
import type { CodeableConcept, Quantity, Reference } from '@medplum/fhirtypes';
import { isMessageKey, type Locale, type MessageKey } from '../core/i18n/translate.ts';
import type { DateFormatter } from '../core/fhir/dates.ts';
import { numberFormat } from '../core/i18n/intl-formats.ts';

export interface Formatter {
  readonly locale: Locale;
  readonly t: (key: MessageKey, params?: Record<string, string | number>) => string;
  /** Days as written, times in the practice's time zone. */
  readonly dates: DateFormatter;
}

/** A concept in words: its text, else the first coding's display, else its code (never an empty string when anything is there). */
export function conceptText(concept: CodeableConcept | undefined): string {
  if (!concept) return '';
  if (concept.text) return stripZeroWidth(concept.text);
  const coding = concept.coding?.find((c) => c.display) ?? concept.coding?.[0];
  return stripZeroWidth(coding?.display ?? coding?.code ?? '');
}

/** Synthea's LOINC names carry zero-width spaces after slashes; they only get in the way of search. */
const stripZeroWidth = (text: string) => text.replace(/\u200b/g, '');

/** The first coding's code of a status-like concept (e.g. Condition.clinicalStatus). */
export const codeOf = (concept: CodeableConcept | undefined): string | undefined => concept?.coding?.find((c) => c.code)?.code;

/** A FHIR date or dateTime as a long date in `locale`, using the date the record wrote (no time-zone shift). */
export const dateText = (fmt: Formatter, value: string | undefined): string => (value ? fmt.dates.day(value) : '');

/** A dateTime with its time, for appointments: in the practice's time zone, saying which. */
export const dateTimeText = (fmt: Formatter, value: string | undefined): string => (value ? fmt.dates.instant(value) : '');

export function numberText(fmt: Formatter, value: number): string {
  const digits = Math.abs(value) >= 100 ? 0 : Math.abs(value) >= 10 ? 1 : 2;
  return numberFormat(fmt.locale, { maximumFractionDigits: digits }).format(value);
}

/** UCUM codes people do not read (mm[Hg], kg/m2, Cel) as the symbols they know. */
export function unitText(fmt: Formatter, unit: string | undefined): string {
  if (!unit) return '';
  const symbols: Record<string, string> = { 'mm[Hg]': 'mmHg', 'kg/m2': 'kg/m²', Cel: '°C', '[degF]': '°F', '[lb_av]': 'lb', '[in_i]': 'in', '{score}': '' };
  if (unit in symbols) return symbols[unit]!;
  if (unit === '/min') return fmt.t('unit.perMinute');
  return unit.replace(/\{[^}]*\}/g, '').trim();
}

export function quantityText(fmt: Formatter, quantity: Quantity | undefined): string {
  if (quantity?.value === undefined) return '';
  const unit = unitText(fmt, quantity.unit ?? quantity.code);
  return unit ? `${numberText(fmt, quantity.value)} ${unit}` : numberText(fmt, quantity.value);
}

/** A status code in words from the catalogs (`status.<code>`), or the code itself when the catalog has no word for it. */
export function statusText(fmt: Formatter, code: string | undefined): string {
  if (!code) return '';
  const key = `status.${code}`;
  return isMessageKey(key) ? fmt.t(key) : code;
}

/** The display of a reference: the resolved resource's name when the response included it, else the reference's own display. */
export const referenceText = (reference: Reference | undefined, names: ReadonlyMap<string, string>): string =>
  (reference?.reference ? names.get(reference.reference) : undefined) ?? reference?.display ?? '';

/** Accent- and case-insensitive text for matching a search box query (so "vacuna" finds "Vacúna"). */
export const foldText = (text: string): string => text.normalize('NFD').replace(/\p{M}/gu, '').toLowerCase();
