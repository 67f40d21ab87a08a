/**
 * Vital signs for the summary, as tables (a PDF has no charts to hover): the vital signs page's loader
 * (record/vitals.ts) read once; its chart series become the readings, the newest of each chart and the
 * page's "other recent vital signs" the latest values.
 */
import { dateText, numberText } from '../../record/format.ts';
import type { Fact, SectionContext } from '../../record/section.ts';
import { loadVitals, type VitalChart } from '../../record/vitals.ts';
import { onDayWithin, overlaps } from './date-range.ts';
import type { SummaryRange, SummaryVitalRow, VitalsSummarySection } from './summary-model.ts';

interface Reading {
  readonly date: string;
  readonly row: SummaryVitalRow;
}

/** A chart's readings, one per day and time: a blood pressure panel's systolic and diastolic together ("120/80 mmHg"). */
function readingsOf(ctx: SectionContext, chart: VitalChart): Reading[] {
  const { fmt } = ctx;
  const byDate = new Map<string, (number | undefined)[]>();
  chart.series.forEach((series, index) => {
    for (const point of series.points) {
      const values = byDate.get(point.date) ?? chart.series.map(() => undefined);
      values[index] = point.value;
      byDate.set(point.date, values);
    }
  });
  return [...byDate].map(([date, values]) => {
    const number = values.map((value) => (value === undefined ? '–' : numberText(fmt, value))).join('/');
    return { date, row: { measurement: chart.title, value: chart.unit ? `${number} ${chart.unit}` : number, date: dateText(fmt, date) } };
  });
}

const factValue = (facts: readonly Fact[], label: string): string => {
  const value = facts.find((fact) => fact.label === label)?.value;
  return typeof value === 'string' ? value : '';
};

export async function summarizeVitals(ctx: SectionContext, range: SummaryRange | undefined, title: string): Promise<VitalsSummarySection> {
  const { fmt } = ctx;
  const model = await loadVitals(ctx);
  const newestFirst = (a: Reading, b: Reading) => b.date.localeCompare(a.date);
  const perChart = model.charts.map((chart) => readingsOf(ctx, chart).sort(newestFirst));
  const inRange = perChart.map((readings) => readings.filter((reading) => onDayWithin(reading.date, range)));
  const latest = [
    ...inRange.flatMap((readings) => (readings[0] ? [readings[0].row] : [])),
    ...model.others
      .filter((item) => overlaps(item.period, range))
      .map((item) => ({ measurement: item.title, value: factValue(item.facts, fmt.t('fact.value')), date: factValue(item.facts, fmt.t('fact.date')) })),
  ];
  const readings = inRange
    .flat()
    .sort(newestFirst)
    .map((reading) => reading.row);
  const none = fmt.t(range ? 'healthSummary.noneInRange' : 'healthSummary.vitalsNone');
  return {
    id: 'vitals',
    kind: 'vitals',
    title,
    // The loader's own verdict: a chart's search had more pages than it follows.
    incomplete: model.complete ? undefined : fmt.t('healthSummary.incomplete', { count: perChart.reduce((sum, list) => sum + list.length, 0) }),
    latest: { heading: fmt.t('healthSummary.vitalsLatest'), rows: latest, empty: none },
    readings: { heading: fmt.t('healthSummary.vitalsReadings'), rows: readings, empty: none },
  };
}
