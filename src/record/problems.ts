/** Health problems (Condition): current ones first, then resolved, each with when it started and ended. */
import type { Condition } from '@medplum/fhirtypes';
import { codeOf, conceptText, dateText, statusText } from './format.ts';
import { facts, newestFirst, type RecordGroup, type SectionContext } from './section.ts';

// FHIR R4 condition-clinical: active, recurrence and relapse are current; inactive, remission and resolved are past.
const currentStatuses = new Set(['active', 'recurrence', 'relapse']);

export async function loadProblems({ record, fmt }: SectionContext): Promise<RecordGroup[]> {
  const { matches } = await record.search<Condition>(`Condition?patient=${record.patient}&_count=100`);
  const shown = matches.filter((c) => codeOf(c.verificationStatus) !== 'entered-in-error');
  const isCurrent = (c: Condition) => currentStatuses.has(codeOf(c.clinicalStatus) ?? 'active');
  const item = (c: Condition) => ({
    title: conceptText(c.code),
    period: { start: c.onsetDateTime ?? c.onsetPeriod?.start ?? c.recordedDate, end: c.abatementDateTime ?? c.abatementPeriod?.end, ongoing: isCurrent(c) },
    facts: facts(
      { label: fmt.t('fact.since'), value: dateText(fmt, c.onsetDateTime ?? c.onsetPeriod?.start ?? c.recordedDate) },
      { label: fmt.t('fact.resolvedOn'), value: dateText(fmt, c.abatementDateTime ?? c.abatementPeriod?.end) },
      { label: fmt.t('fact.status'), value: statusText(fmt, codeOf(c.clinicalStatus)) },
      { label: fmt.t('fact.category'), value: (c.category ?? []).map(conceptText).filter(Boolean).join(', ') },
    ),
  });
  const sorted = newestFirst(shown, (c) => c.onsetDateTime ?? c.recordedDate);
  return [
    { heading: fmt.t('problems.current'), items: sorted.filter(isCurrent).map(item), empty: fmt.t('problems.noneCurrent') },
    { heading: fmt.t('problems.past'), items: sorted.filter((c) => !isCurrent(c)).map(item), empty: fmt.t('problems.nonePast') },
  ];
}
