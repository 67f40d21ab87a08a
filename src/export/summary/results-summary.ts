/**
 * Test results for the summary: the results page's loader (record/results.ts) read page after page,
 * newest first, from the range's last day back to its first, so each value, unit, reference range and
 * out-of-range word is exactly what the results page shows.
 */
import type { MessageKey } from '../../core/i18n/translate.ts';
import type { OutOfRange } from '../../record/observation-values.ts';
import { loadResults } from '../../record/results.ts';
import type { SectionContext } from '../../record/section.ts';
import { overlaps } from './date-range.ts';
import type { ResultsSummarySection, SummaryRange, SummaryReport } from './summary-model.ts';
import { trackedRecord } from './tracked-record.ts';

/** The results page's words for its "Within range?" column (web/views/record/results-page.ts). */
const flagKeys: Record<OutOfRange, MessageKey> = {
  high: 'flag.high',
  low: 'flag.low',
  'critical-high': 'flag.criticalHigh',
  'critical-low': 'flag.criticalLow',
  abnormal: 'flag.abnormal',
};

/** Pages of reports read at most: 100 pages of 12 reports (record/results.ts) is decades of care. */
export const maxResultPages = 100;

const nextDay = (day: string) => new Date(Date.parse(`${day}T00:00:00Z`) + 86_400_000).toISOString().slice(0, 10);

export async function summarizeResults(ctx: SectionContext, range: SummaryRange | undefined, title: string): Promise<ResultsSummarySection> {
  const { fmt } = ctx;
  const tracked = trackedRecord(ctx.record);
  const reader: SectionContext = { ...ctx, record: tracked.record };
  const reports: SummaryReport[] = [];
  let read = 0;
  // The results page asks for results before a day (exclusive): the day after the range's last.
  let before: string | undefined = range?.to ? nextDay(range.to) : undefined;
  let pages = 0;
  let cutShort = false;
  for (;;) {
    const page = await loadResults(reader, before);
    pages += 1;
    for (const group of page.reports) {
      read += group.rows.length;
      if (!overlaps(group.period, range)) continue;
      reports.push({
        title: group.title,
        date: group.date,
        rows: group.rows.map((row) => ({
          test: row.name,
          value: row.value,
          range: row.range || fmt.t('results.noRange'),
          flag: fmt.t(row.flag ? flagKeys[row.flag] : 'flag.none'),
          outOfRange: row.flag !== undefined,
          date: group.date,
        })),
      });
    }
    before = page.olderBefore;
    // The next page holds only results before `before`: none of them is in a range that starts on or after it.
    if (!before || (range?.from && before <= range.from)) break;
    if (pages >= maxResultPages) {
      cutShort = true;
      break;
    }
  }
  // Report searches are one page by design (the loader pages by day); a result search that had more
  // pages than the client follows, or running out of pages, means results are missing.
  const incomplete = cutShort || tracked.incomplete.some((path) => path.startsWith('Observation?'));
  return {
    id: 'results',
    kind: 'results',
    title,
    incomplete: incomplete ? fmt.t('healthSummary.incomplete', { count: read }) : undefined,
    reports,
    empty: fmt.t(range ? 'healthSummary.noneInRange' : 'results.none'),
  };
}
