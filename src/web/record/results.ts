/**
 * Test results: lab reports (DiagnosticReport with their results), newest first, each value with its
 * unit, reference range and out-of-range word; lab results outside any report grouped by date; and
 * every numeric result that has history linked to its trend chart.
 */
import type { DiagnosticReport, Observation } from '@medplum/fhirtypes';
import { conceptText, dateText } from './format.ts';
import { effectiveDate, outOfRange, rangeText, resultCode, valueText, type OutOfRange } from './observation-values.ts';
import { isType, newestFirst, type SectionContext } from './section.ts';

export interface ResultRow {
  readonly name: string;
  readonly value: string;
  readonly range: string;
  readonly flag: OutOfRange | undefined;
  /** The trend page of this test, when it has numeric history. */
  readonly trendHref: string | undefined;
}

export interface ResultGroup {
  readonly title: string;
  readonly date: string;
  readonly rows: readonly ResultRow[];
}

export interface TrendLink {
  readonly name: string;
  readonly href: string;
  readonly count: number;
}

export interface ResultsModel {
  readonly reports: readonly ResultGroup[];
  readonly complete: boolean;
  readonly trends: readonly TrendLink[];
}

export const trendHref = (code: { system: string; code: string }) => `/record/results/trend?code=${encodeURIComponent(`${code.system}|${code.code}`)}`;

const isLab = (o: Observation) => (o.category ?? []).some((c) => (c.coding ?? []).some((coding) => coding.code === 'laboratory'));
const shown = (o: Observation) => o.status !== 'entered-in-error' && o.status !== 'cancelled';

export async function loadResults({ record, fmt }: SectionContext): Promise<ResultsModel> {
  const [reports, labs] = await Promise.all([
    record.search<DiagnosticReport>(`DiagnosticReport?patient=${record.patient}&_include=DiagnosticReport:result&_count=100&_sort=-date`),
    record.search<Observation>(`Observation?patient=${record.patient}&category=laboratory&_count=100&_sort=-date`),
  ]);
  const observations = new Map<string, Observation>();
  for (const o of [...reports.included.filter(isType<Observation>('Observation')), ...labs.matches]) if (shown(o)) observations.set(`Observation/${o.id}`, o);

  // A test "has history" when it has at least two numeric values.
  const numericCounts = new Map<string, number>();
  const keyOf = (o: Observation) => {
    const code = resultCode(o);
    return code ? `${code.system}|${code.code}` : undefined;
  };
  for (const o of observations.values()) {
    const key = keyOf(o);
    if (key && o.valueQuantity?.value !== undefined) numericCounts.set(key, (numericCounts.get(key) ?? 0) + 1);
  }
  const row = (o: Observation): ResultRow => {
    const code = resultCode(o);
    const history = code ? (numericCounts.get(`${code.system}|${code.code}`) ?? 0) : 0;
    return { name: conceptText(o.code), value: valueText(fmt, o), range: rangeText(fmt, o.referenceRange?.[0]), flag: outOfRange(o), trendHref: code && history >= 2 ? trendHref(code) : undefined };
  };

  const inReports = new Set<string>();
  const groups: { title: string; date: string | undefined; rows: ResultRow[] }[] = [];
  for (const report of reports.matches.filter((r) => r.status !== 'entered-in-error' && r.status !== 'cancelled')) {
    const members = (report.result ?? []).map((ref) => observations.get(ref.reference ?? '')).filter((o): o is Observation => !!o);
    members.forEach((o) => inReports.add(`Observation/${o.id}`));
    groups.push({ title: conceptText(report.code), date: report.effectiveDateTime ?? report.effectivePeriod?.start ?? report.issued, rows: members.map(row) });
  }
  // Lab results that no report groups: one group per day.
  const loose = new Map<string, Observation[]>();
  for (const [reference, o] of observations) {
    if (inReports.has(reference) || !isLab(o)) continue;
    const day = (effectiveDate(o) ?? '').slice(0, 10);
    loose.set(day, [...(loose.get(day) ?? []), o]);
  }
  for (const [day, list] of loose) groups.push({ title: fmt.t('results.otherResults'), date: day || undefined, rows: list.map(row) });

  const trends = new Map<string, TrendLink>();
  for (const o of observations.values()) {
    const code = resultCode(o);
    const count = code ? (numericCounts.get(`${code.system}|${code.code}`) ?? 0) : 0;
    if (code && count >= 2 && !trends.has(`${code.system}|${code.code}`)) trends.set(`${code.system}|${code.code}`, { name: conceptText(o.code), href: trendHref(code), count });
  }
  return {
    reports: newestFirst(groups, (g) => g.date).map((g) => ({ title: g.title, date: dateText(fmt, g.date), rows: g.rows })),
    complete: reports.complete && labs.complete,
    trends: [...trends.values()].sort((a, b) => a.name.localeCompare(b.name, fmt.locale)),
  };
}

