/** Immunizations: each vaccine with the date it was given (or that it was not given). */
import type { Immunization } from '@medplum/fhirtypes';
import { conceptText, dateText, statusText } from './format.ts';
import { facts, newestFirst, type RecordGroup, type SectionContext } from './section.ts';

export async function loadImmunizations({ record, fmt }: SectionContext): Promise<RecordGroup[]> {
  const { matches } = await record.search<Immunization>(`Immunization?patient=${record.patient}&_count=100&_sort=-date`);
  const shown = newestFirst(
    matches.filter((i) => i.status !== 'entered-in-error'),
    (i) => i.occurrenceDateTime,
  );
  const items = shown.map((i) => ({
    title: conceptText(i.vaccineCode),
    ...(i.status === 'not-done' ? { flag: statusText(fmt, 'not-done') } : {}),
    period: { start: i.occurrenceDateTime },
    facts: facts(
      { label: fmt.t('fact.date'), value: dateText(fmt, i.occurrenceDateTime) || (i.occurrenceString ?? '') },
      { label: fmt.t('fact.dose'), value: i.protocolApplied?.[0]?.doseNumberPositiveInt !== undefined ? String(i.protocolApplied[0].doseNumberPositiveInt) : '' },
      { label: fmt.t('fact.site'), value: conceptText(i.site) },
    ),
  }));
  return [{ heading: fmt.t('immunizations.list'), items, empty: fmt.t('immunizations.none') }];
}
