/** Allergies and intolerances, with each reaction and its severity, and the risk the record notes. */
import type { AllergyIntolerance } from '@medplum/fhirtypes';
import { codeOf, conceptText, dateText, statusText } from './format.ts';
import { facts, newestFirst, type RecordGroup, type SectionContext } from './section.ts';

export async function loadAllergies({ record, fmt }: SectionContext): Promise<RecordGroup[]> {
  const { matches } = await record.search<AllergyIntolerance>(`AllergyIntolerance?patient=${record.patient}&_count=100`);
  const shown = newestFirst(
    matches.filter((a) => codeOf(a.verificationStatus) !== 'entered-in-error'),
    (a) => a.recordedDate ?? a.onsetDateTime,
  );
  const items = shown.map((a) => ({
    title: conceptText(a.code),
    ...(a.criticality === 'high' ? { flag: fmt.t('allergies.highRisk') } : {}),
    // An allergy lasts until the record says it is over (clinical status inactive or resolved).
    period: { start: a.recordedDate ?? a.onsetDateTime, ongoing: (codeOf(a.clinicalStatus) ?? 'active') === 'active' },
    facts: facts(
      {
        label: fmt.t('fact.reaction'),
        value: (a.reaction ?? [])
          .map((r) => {
            const what = (r.manifestation ?? []).map(conceptText).filter(Boolean).join(', ');
            return r.severity ? `${what} (${statusText(fmt, r.severity)})` : what;
          })
          .filter(Boolean)
          .join('; '),
      },
      { label: fmt.t('fact.criticality'), value: statusText(fmt, a.criticality === undefined ? undefined : `criticality-${a.criticality}`) },
      { label: fmt.t('fact.category'), value: (a.category ?? []).map((c) => statusText(fmt, c)).join(', ') },
      { label: fmt.t('fact.status'), value: statusText(fmt, codeOf(a.clinicalStatus)) },
      { label: fmt.t('fact.recorded'), value: dateText(fmt, a.recordedDate ?? a.onsetDateTime) },
    ),
  }));
  return [{ heading: fmt.t('allergies.list'), items, empty: fmt.t('allergies.none') }];
}
