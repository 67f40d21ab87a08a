/** One test's history (e.g. glucose over the years), for its trend chart and table. */
import type { Observation } from '@medplum/fhirtypes';
import { AppError } from '../core/errors.ts';
import type { TrendSeries } from './trend-series.ts';
import { conceptText, unitText } from './format.ts';
import { effectiveDate } from './observation-values.ts';
import { newestFirst, type SectionContext } from './section.ts';

export interface TrendModel {
  readonly name: string;
  readonly unit: string;
  readonly series: readonly TrendSeries[];
  readonly referenceRange: { low?: number; high?: number } | undefined;
}

// system|code, as the facade's token grammar accepts it.
const codeParam = /^[A-Za-z0-9:/._-]{1,200}\|[A-Za-z0-9._:-]{1,100}$/;

export async function loadTrend({ record, fmt }: SectionContext, code: unknown): Promise<TrendModel> {
  if (typeof code !== 'string' || !codeParam.test(code)) throw new AppError('not_found', 404);
  const { matches } = await record.search<Observation>(`Observation?patient=${record.patient}&code=${encodeURIComponent(code)}&_count=100&_sort=date`);
  const numeric = matches.filter((o) => o.valueQuantity?.value !== undefined && effectiveDate(o) && o.status !== 'entered-in-error');
  if (matches.length === 0) throw new AppError('not_found', 404);
  const latest = newestFirst(numeric.length ? numeric : matches, effectiveDate)[0]!;
  const withRange = newestFirst(numeric, effectiveDate).find((o) => o.referenceRange?.[0]?.low || o.referenceRange?.[0]?.high);
  const range = withRange?.referenceRange?.[0];
  const name = conceptText(latest.code);
  return {
    name,
    unit: unitText(fmt, latest.valueQuantity?.unit ?? latest.valueQuantity?.code),
    series: [{ label: name, points: numeric.map((o) => ({ date: effectiveDate(o)!, value: o.valueQuantity!.value! })) }],
    referenceRange: range
      ? { ...(range.low?.value !== undefined ? { low: range.low.value } : {}), ...(range.high?.value !== undefined ? { high: range.high.value } : {}) }
      : undefined,
  };
}
