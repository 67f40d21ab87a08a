/** Visits (Encounter): date, kind of visit, who saw the patient, where, and why. */
import type { Encounter } from '@medplum/fhirtypes';
import { conceptText, dateText, referenceText, statusText } from './format.ts';
import { namesOf } from './resource-names.ts';
import { facts, newestFirst, type RecordGroup, type SectionContext } from './section.ts';

export async function loadVisits({ record, fmt }: SectionContext): Promise<RecordGroup[]> {
  const { matches, included } = await record.search<Encounter>(
    `Encounter?patient=${record.patient}&_include=Encounter:participant&_include=Encounter:location&_include=Encounter:service-provider&_count=100&_sort=-date`,
  );
  const names = namesOf(included);
  const shown = newestFirst(
    matches.filter((e) => e.status !== 'entered-in-error' && e.status !== 'cancelled'),
    (e) => e.period?.start,
  );
  const items = shown.map((e) => ({
    title: (e.type ?? []).map(conceptText).filter(Boolean)[0] ?? statusText(fmt, `class-${e.class?.code}`),
    period: { start: e.period?.start, end: e.period?.end },
    facts: facts(
      { label: fmt.t('fact.date'), value: dateText(fmt, e.period?.start) },
      { label: fmt.t('fact.visitClass'), value: e.class?.code ? statusText(fmt, `class-${e.class.code}`) : '' },
      {
        label: fmt.t('fact.provider'),
        value: (e.participant ?? [])
          .map((p) => referenceText(p.individual, names))
          .filter(Boolean)
          .join(', '),
      },
      {
        label: fmt.t('fact.location'),
        value:
          (e.location ?? [])
            .map((l) => referenceText(l.location, names))
            .filter(Boolean)
            .join(', ') || referenceText(e.serviceProvider, names),
      },
      {
        label: fmt.t('fact.reason'),
        value: [...(e.reasonCode ?? []).map(conceptText), ...(e.reasonReference ?? []).map((r) => r.display ?? '')].filter(Boolean).join(', '),
      },
    ),
  }));
  return [{ heading: fmt.t('visits.list'), items, empty: fmt.t('visits.none') }];
}
