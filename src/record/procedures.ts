/** Procedures: what was done and when. */
import type { Procedure } from '@medplum/fhirtypes';
import { conceptText, dateText, statusText } from './format.ts';
import { facts, newestFirst, type RecordGroup, type SectionContext } from './section.ts';

const performedOn = (p: Procedure) => p.performedDateTime ?? p.performedPeriod?.start;

export async function loadProcedures({ record, fmt }: SectionContext): Promise<RecordGroup[]> {
  const { matches } = await record.search<Procedure>(`Procedure?patient=${record.patient}&_count=100&_sort=-date`);
  const shown = newestFirst(
    matches.filter((p) => p.status !== 'entered-in-error'),
    performedOn,
  );
  const items = shown.map((p) => ({
    title: conceptText(p.code),
    period: { start: performedOn(p), end: p.performedPeriod?.end },
    facts: facts(
      { label: fmt.t('fact.date'), value: dateText(fmt, performedOn(p)) },
      { label: fmt.t('fact.reason'), value: (p.reasonCode ?? []).map(conceptText).join(', ') || (p.reasonReference ?? []).map((r) => r.display ?? '').join(', ') },
      { label: fmt.t('fact.status'), value: statusText(fmt, p.status) },
    ),
  }));
  return [{ heading: fmt.t('procedures.list'), items, empty: fmt.t('procedures.none') }];
}
