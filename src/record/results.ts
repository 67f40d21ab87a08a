/**
 * Test results: lab reports (DiagnosticReport) and their results, newest first and a page at a time,
 * each value with its unit, reference range and out-of-range word; lab results outside any report
 * grouped by day; every numeric result linked to its trend chart.
 */
import type { DiagnosticReport, Observation } from '@medplum/fhirtypes';
import { collator } from '../core/i18n/intl-formats.ts';
import { conceptText, dateText } from './format.ts';
import { effectiveDate, outOfRange, rangeText, resultCode, valueText, type OutOfRange } from './observation-values.ts';
import { newestFirst, type ClinicalPeriod, type SectionContext } from './section.ts';

export interface ResultRow {
  readonly name: string;
  readonly value: string;
  readonly range: string;
  readonly flag: OutOfRange | undefined;
  /** The trend page of this test, when its value is a number. */
  readonly trendHref: string | undefined;
}

export interface ResultGroup {
  readonly title: string;
  readonly date: string;
  readonly rows: readonly ResultRow[];
  /** The report's date as the record wrote it (`date` says it in words), for date ranges. */
  readonly period: ClinicalPeriod;
}

export interface TrendLink {
  readonly name: string;
  readonly href: string;
}

export interface ResultsModel {
  readonly reports: readonly ResultGroup[];
  /** The day to ask for older results from (`?before=`), when there are older reports. */
  readonly olderBefore: string | undefined;
  /** Set when this page shows results before a day (not the newest). */
  readonly before: string | undefined;
  readonly trends: readonly TrendLink[];
}

export const trendHref = (code: { system: string; code: string }) => `/record/results/trend?code=${encodeURIComponent(`${code.system}|${code.code}`)}`;

const shown = (o: Observation) => o.status !== 'entered-in-error' && o.status !== 'cancelled';
const day = (value: string | undefined) => (value ?? '').slice(0, 10);
const isDay = (value: unknown): value is string => typeof value === 'string' && /^\d{4}-\d{2}-\d{2}$/.test(value) && !Number.isNaN(Date.parse(value));

const nextDay = (isoDay: string) => new Date(Date.parse(`${isoDay}T00:00:00Z`) + 86_400_000).toISOString().slice(0, 10);

/** Reports per page: enough for a year or two of care, and a page HAPI answers quickly. */
export const reportsPerPage = 12;

/**
 * One page of results: the newest reports (before `before`, if given), and every lab result from the
 * same days — so results no report groups are shown too. Results are fetched by date rather than
 * through `_include`, which HAPI answers several times slower for long records.
 */
export async function loadResults({ record, fmt }: SectionContext, beforeParam?: unknown): Promise<ResultsModel> {
  const before = isDay(beforeParam) ? beforeParam : undefined;
  const upTo = before ? `&date=lt${before}` : '';
  const reports = await record.search<DiagnosticReport>(`DiagnosticReport?patient=${record.patient}&_count=${reportsPerPage}&_sort=-date${upTo}`, { maxPages: 1 });
  const reportDay = (r: DiagnosticReport) => day(r.effectiveDateTime ?? r.effectivePeriod?.start ?? r.issued);
  let listed = reports.matches.filter((r) => r.status !== 'entered-in-error' && r.status !== 'cancelled');
  // The first day this page covers (the last page reaches back to the first result ever recorded).
  // The oldest day's reports may continue on the next page, so they move there whole.
  let oldest: string | undefined;
  if (!reports.complete) {
    const first = listed.map(reportDay).filter(Boolean).sort()[0];
    const newer = listed.filter((r) => reportDay(r) > (first ?? ''));
    if (first && newer.length > 0) {
      listed = newer;
      oldest = nextDay(first);
    } else {
      oldest = first;
    }
  }
  const labs = await record.search<Observation>(`Observation?patient=${record.patient}&category=laboratory&_count=100&_sort=-date${upTo}${oldest ? `&date=ge${oldest}` : ''}`);
  const observations = new Map<string, Observation>();
  for (const o of labs.matches) if (shown(o)) observations.set(`Observation/${o.id}`, o);

  const row = (o: Observation): ResultRow => {
    const code = resultCode(o);
    return {
      name: conceptText(o.code),
      value: valueText(fmt, o),
      range: rangeText(fmt, o.referenceRange?.[0]),
      flag: outOfRange(o),
      trendHref: code && o.valueQuantity?.value !== undefined ? trendHref(code) : undefined,
    };
  };
  const inReports = new Set<string>();
  const groups: { title: string; date: string | undefined; rows: ResultRow[] }[] = [];
  for (const report of listed) {
    const members = (report.result ?? []).map((ref) => observations.get(ref.reference ?? '')).filter((o): o is Observation => !!o);
    for (const o of members) inReports.add(`Observation/${o.id}`);
    groups.push({ title: conceptText(report.code), date: report.effectiveDateTime ?? report.effectivePeriod?.start ?? report.issued, rows: members.map(row) });
  }
  // Lab results that no report groups: one group per day.
  const loose = new Map<string, Observation[]>();
  for (const [reference, o] of observations) {
    if (inReports.has(reference)) continue;
    const key = day(effectiveDate(o));
    loose.set(key, [...(loose.get(key) ?? []), o]);
  }
  for (const [key, list] of loose) groups.push({ title: fmt.t('results.otherResults'), date: key || undefined, rows: list.map(row) });

  // Every numeric test on this page, linked to its whole history.
  const trends = new Map<string, TrendLink>();
  for (const o of observations.values()) {
    const code = resultCode(o);
    if (!code || o.valueQuantity?.value === undefined) continue;
    const key = `${code.system}|${code.code}`;
    if (!trends.has(key)) trends.set(key, { name: conceptText(o.code), href: trendHref(code) });
  }
  const byName = collator(fmt.locale);
  return {
    reports: newestFirst(groups, (g) => g.date).map((g) => ({ title: g.title, date: dateText(fmt, g.date), rows: g.rows, period: { start: g.date } })),
    olderBefore: oldest,
    before,
    trends: [...trends.values()].sort((a, b) => byName.compare(a.name, b.name)),
  };
}
