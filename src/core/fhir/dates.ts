/**
 * One date formatter for pages, PDFs and emails. FHIR dates are calendar days and are said exactly as
 * the record wrote them (no time-zone shift: a birth date is the same day everywhere); instants (a
 * sign-in, an appointment's start, when a form was recorded) are said in the practice's time zone
 * (PRACTICE_TIME_ZONE), with the zone named so a time is never ambiguous.
 */
import type { Locale } from '../i18n/translate.ts';
import { dateTimeFormat } from '../i18n/intl-formats.ts';

export interface DateFormatter {
  readonly locale: Locale;
  readonly timeZone: string;
  /**
   * A FHIR date or the day of a dateTime (`2005-05-03`, or partly known `2005-05` / `2005`) in long
   * words ("3 de mayo de 2005", "May 3, 2005"); text that is not a real date is said as written.
   */
  day(value: string): string;
  /** An instant with date and time in the practice's time zone, zone named ("Dec 2, 2026, 11:30 AM CST"); unreadable text as written. */
  instant(value: Date | string): string;
}

/** True when `timeZone` is an IANA time-zone name this runtime knows (what PRACTICE_TIME_ZONE must be). */
export function isTimeZone(timeZone: string): boolean {
  if (!/^[A-Za-z][A-Za-z0-9_+-]*(?:\/[A-Za-z0-9_+-]+)*$/.test(timeZone)) return false;
  try {
    new Intl.DateTimeFormat('en-US', { timeZone });
    return true;
  } catch {
    return false;
  }
}

const fhirDay = /^(\d{4})(?:-(\d{2})(?:-(\d{2}))?)?/;

/** The calendar day a FHIR date (or a dateTime's date part) names, at UTC midnight, with how much of it is known; undefined when not a real date. */
function calendarDay(value: string): { date: Date; month: boolean; day: boolean } | undefined {
  const match = fhirDay.exec(value);
  if (!match) return undefined;
  const [year, month, day] = [match[1], match[2], match[3]].map((part) => (part === undefined ? undefined : Number(part)));
  const date = new Date(Date.UTC(year!, (month ?? 1) - 1, day ?? 1));
  // Date.UTC rolls 2005-02-30 over to March: a date that does not round-trip is not a date.
  if (date.toISOString().slice(0, match[0].length) !== match[0]) return undefined;
  return { date, month: month !== undefined, day: day !== undefined };
}

/** True when `value` is exactly a FHIR date (R4 §2.24.0.1: YYYY, YYYY-MM or YYYY-MM-DD) naming a real day. */
export const isFhirDate = (value: string): boolean => /^\d{4}(?:-\d{2}(?:-\d{2})?)?$/.test(value) && calendarDay(value) !== undefined;

export function dateFormatter(locale: Locale, timeZone: string): DateFormatter {
  const instantFormat = dateTimeFormat(locale, {
    year: 'numeric',
    month: 'short',
    day: 'numeric',
    hour: 'numeric',
    minute: '2-digit',
    timeZoneName: 'short',
    timeZone,
  });
  // Calendar days, not instants: formatted in UTC so that no time zone moves them.
  const calendar = (parts: Intl.DateTimeFormatOptions) => dateTimeFormat(locale, { year: 'numeric', timeZone: 'UTC', ...parts });
  const dayFormat = calendar({ month: 'long', day: 'numeric' });
  const monthFormat = calendar({ month: 'long' });
  const yearFormat = calendar({});
  return {
    locale,
    timeZone,
    day(value) {
      const known = calendarDay(value);
      if (!known) return value;
      return (known.day ? dayFormat : known.month ? monthFormat : yearFormat).format(known.date);
    },
    instant(value) {
      const instant = typeof value === 'string' ? new Date(value) : value;
      if (Number.isNaN(instant.getTime())) return typeof value === 'string' ? value : '';
      return instantFormat.format(instant);
    },
  };
}
