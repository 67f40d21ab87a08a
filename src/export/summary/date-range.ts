/**
 * Which entries a date range keeps. The rule is the CCD's (export/ccda/select.ts), so the PDF and the CCD
 * made from one choice hold the same things:
 *
 * - An entry is kept when the days it was true overlap the range (both ends inclusive): an encounter, a
 *   lab report or an immunization on its day; a visit or procedure over its period.
 * - Something still in force (an active problem or allergy, a current medication, a plan in force, a goal
 *   being pursued) lasts from its start to now, so it overlaps every range that ends after it began.
 * - An entry with no date at all is kept: nothing places it outside the range (a care team member, an
 *   allergy recorded without a date).
 *
 * Days are the days the record wrote (the first ten characters of a FHIR dateTime), which are the days
 * the record pages and the summary show: an entry the summary dates June 1 is in a range from June 1.
 * (The CCD reads a dateTime's day in the practice's time zone; the two can differ only for a time written
 * with an offset that puts it on another day there.) The dates are the ones each loader reads for its
 * page (record/: `RecordItem.period`, `ResultGroup.period`). Partly known dates ("2019-04", "2019") reach
 * from their first to their last possible day.
 */
import { AppError } from '../../core/errors.ts';
import { isFhirDate } from '../../core/fhir/dates.ts';
import type { Formatter } from '../../record/format.ts';
import type { ClinicalPeriod } from '../../record/section.ts';
import type { SummaryRange } from './summary-model.ts';

const isDay = (value: unknown): value is string => typeof value === 'string' && value.length === 10 && isFhirDate(value);

/**
 * The range as given, checked: each end a real `YYYY-MM-DD` day, `from` not after `to`; undefined when
 * it covers the whole record. Anything else is a bad request (400), never silently widened.
 */
export function checkRange(range: SummaryRange | undefined): SummaryRange | undefined {
  const from = range?.from || undefined;
  const to = range?.to || undefined;
  if ((from !== undefined && !isDay(from)) || (to !== undefined && !isDay(to)) || (from && to && from > to)) throw new AppError('bad_request', 400);
  if (!from && !to) return undefined;
  return { ...(from ? { from } : {}), ...(to ? { to } : {}) };
}

/** What the summary covers, in words. */
export function coversText(fmt: Formatter, range: SummaryRange | undefined): string {
  const from = range?.from ? fmt.dates.day(range.from) : undefined;
  const to = range?.to ? fmt.dates.day(range.to) : undefined;
  if (from && to) return fmt.t('healthSummary.fromTo', { from, to });
  if (from) return fmt.t('healthSummary.from', { from });
  if (to) return fmt.t('healthSummary.to', { to });
  return fmt.t('healthSummary.wholeRecord');
}

/** The day a FHIR date or dateTime names, as written; partly known dates by their first or last possible day. */
const dayOf = (value: string, edge: 'first' | 'last'): string | undefined => {
  const written = /^\d{4}(?:-\d{2}(?:-\d{2})?)?/.exec(value)?.[0];
  if (!written) return undefined;
  if (written.length === 10) return written;
  if (written.length === 7) return edge === 'first' ? `${written}-01` : `${written}-31`;
  return edge === 'first' ? `${written}-01-01` : `${written}-12-31`;
};

/** True when an entry dated `period` belongs in `range` (the rules above). */
export function overlaps(period: ClinicalPeriod | undefined, range: SummaryRange | undefined): boolean {
  if (!range?.from && !range?.to) return true;
  const known = period?.start ?? period?.end;
  if (!known) return true;
  const start = dayOf(period?.start ?? known, 'first');
  const end = period?.ongoing ? '9999-12-31' : dayOf(period?.end ?? known, 'last');
  if (!start || !end) return true;
  if (range.to && start > range.to) return false;
  if (range.from && end < range.from) return false;
  return true;
}

/** True when a single day (a vital sign reading) is within `range`. */
export const onDayWithin = (date: string, range: SummaryRange | undefined): boolean => overlaps({ start: date }, range);
