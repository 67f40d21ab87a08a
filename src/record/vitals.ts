/**
 * Vital signs over time: weight, height, BMI, blood pressure and heart rate as series for charts
 * (LOINC codes of the FHIR vital signs profiles; Synthea's older blood pressure panel 55284-4 too),
 * and the latest of the other vital signs among the newest readings.
 */
import type { Observation } from '@medplum/fhirtypes';
import type { MessageKey } from '../core/i18n/translate.ts';
import type { TrendSeries } from './trend-series.ts';
import { conceptText, dateText, unitText } from './format.ts';
import { effectiveDate, valueText } from './observation-values.ts';
import { facts, newestFirst, type RecordItem, type SectionContext } from './section.ts';

export interface VitalChart {
  readonly id: string;
  readonly title: string;
  readonly unit: string;
  readonly series: readonly TrendSeries[];
}

export interface VitalsModel {
  readonly charts: readonly VitalChart[];
  readonly others: readonly RecordItem[];
  readonly complete: boolean;
}

const loinc = (o: Observation) => (o.code?.coding ?? []).filter((c) => c.system === 'http://loinc.org').map((c) => c.code);

interface ChartSpec {
  readonly id: string;
  readonly titleKey: MessageKey;
  readonly codes: readonly string[];
  /** Component codes for panels (blood pressure); a single series from valueQuantity otherwise. */
  readonly components?: readonly { code: string; labelKey: MessageKey }[];
}

const chartSpecs: readonly ChartSpec[] = [
  { id: 'weight', titleKey: 'vitals.weight', codes: ['29463-7'] },
  { id: 'height', titleKey: 'vitals.height', codes: ['8302-2'] },
  { id: 'bmi', titleKey: 'vitals.bmi', codes: ['39156-5'] },
  {
    id: 'blood-pressure',
    titleKey: 'vitals.bloodPressure',
    codes: ['85354-9', '55284-4'],
    components: [
      { code: '8480-6', labelKey: 'vitals.systolic' },
      { code: '8462-4', labelKey: 'vitals.diastolic' },
    ],
  },
  { id: 'heart-rate', titleKey: 'vitals.heartRate', codes: ['8867-4'] },
];

const codeParam = (codes: readonly string[]) => codes.map((code) => `http://loinc.org|${code}`).join(',');

/**
 * Two searches in parallel: the charts' readings (every chart's codes at once, split here by code) and the
 * newest readings, from which the latest of every other vital sign is taken. One search for the charts, not one
 * per chart: each facade call costs HAPI a search and an AuditEvent, and the page two facade calls instead of six.
 */
export async function loadVitals({ record, fmt }: SectionContext): Promise<VitalsModel> {
  const base = `Observation?patient=${record.patient}&category=vital-signs`;
  const usable = (list: Observation[]) => list.filter((o) => o.status !== 'entered-in-error' && o.status !== 'cancelled' && effectiveDate(o));
  const chartCodes = chartSpecs.flatMap((spec) => spec.codes);
  const [recent, charted] = await Promise.all([
    record.search<Observation>(`${base}&_count=50&_sort=-date`, { maxPages: 1 }),
    // As many pages as the charts had when each was its own search (10 of 100 readings each).
    record.search<Observation>(`${base}&code=${encodeURIComponent(codeParam(chartCodes))}&_count=100&_sort=-date`, { maxPages: 10 * chartSpecs.length }),
  ]);
  const readings = usable(charted.matches);
  const charts = chartSpecs.map((spec): VitalChart => {
    const list = readings.filter((o) => loinc(o).some((code) => spec.codes.includes(code!)));
    if (spec.components) {
      const series = spec.components.map((component) => ({
        label: fmt.t(component.labelKey),
        points: list.flatMap((o) => {
          const value = o.component?.find((c) => (c.code?.coding ?? []).some((coding) => coding.code === component.code))?.valueQuantity?.value;
          return value === undefined ? [] : [{ date: effectiveDate(o)!, value }];
        }),
      }));
      const unitSource = list[0]?.component?.[0]?.valueQuantity;
      return { id: spec.id, title: fmt.t(spec.titleKey), unit: unitText(fmt, unitSource?.unit ?? unitSource?.code ?? 'mm[Hg]'), series };
    }
    const withValue = list.filter((o) => o.valueQuantity?.value !== undefined);
    return {
      id: spec.id,
      title: fmt.t(spec.titleKey),
      unit: unitText(fmt, withValue[0]?.valueQuantity?.unit ?? withValue[0]?.valueQuantity?.code),
      series: [{ label: fmt.t(spec.titleKey), points: withValue.map((o) => ({ date: effectiveDate(o)!, value: o.valueQuantity!.value! })) }],
    };
  });
  const chartedCodes = new Set(chartCodes);
  const latestByCode = new Map<string, Observation>();
  for (const o of newestFirst(usable(recent.matches), effectiveDate)) {
    if (loinc(o).some((code) => chartedCodes.has(code!))) continue;
    const key = loinc(o)[0] ?? conceptText(o.code);
    if (!latestByCode.has(key)) latestByCode.set(key, o);
  }
  const others = [...latestByCode.values()].map((o) => ({
    title: conceptText(o.code),
    period: { start: effectiveDate(o) },
    facts: facts({ label: fmt.t('fact.value'), value: valueText(fmt, o) }, { label: fmt.t('fact.date'), value: dateText(fmt, effectiveDate(o)) }),
  }));
  return { charts, others, complete: charted.complete };
}
