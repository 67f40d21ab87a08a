/** The treatment plan and progress: care plans with their activities, and goals with their status. */
import type { CarePlan, Goal } from '@medplum/fhirtypes';
import { codeOf, conceptText, dateText, quantityText, statusText } from './format.ts';
import { facts, newestFirst, type RecordGroup, type SectionContext } from './section.ts';

// FHIR R4 request-status: a draft, active or on-hold plan is still in force; a goal is pursued until completed, cancelled or rejected.
const plansInForce = new Set(['draft', 'active', 'on-hold']);
const goalsOver = new Set(['completed', 'cancelled', 'rejected']);

export async function loadCarePlan({ record, fmt }: SectionContext): Promise<RecordGroup[]> {
  const [plans, goals] = await Promise.all([
    record.search<CarePlan>(`CarePlan?patient=${record.patient}&_count=100&_sort=-date`),
    record.search<Goal>(`Goal?patient=${record.patient}&_count=100`),
  ]);
  const planItems = newestFirst(
    plans.matches.filter((p) => p.status !== 'entered-in-error'),
    (p) => p.period?.start,
  ).map((p) => {
    const activities = (p.activity ?? []).map((a) => ({ what: conceptText(a.detail?.code) || a.detail?.description || '', status: a.detail?.status })).filter((a) => a.what);
    return {
      title: (p.category ?? []).map(conceptText).filter(Boolean)[0] ?? p.title ?? fmt.t('carePlan.untitled'),
      period: { start: p.period?.start, end: p.period?.end, ongoing: !p.period?.end && plansInForce.has(p.status) },
      facts: facts(
        { label: fmt.t('fact.status'), value: statusText(fmt, p.status) },
        { label: fmt.t('fact.since'), value: dateText(fmt, p.period?.start) },
        { label: fmt.t('fact.until'), value: dateText(fmt, p.period?.end) },
        {
          label: fmt.t('fact.activities'),
          value: activities.length ? { list: activities.map((a) => ({ text: a.what, note: a.status ? statusText(fmt, a.status) : undefined })) } : '',
        },
      ),
    };
  });
  const goalItems = goals.matches
    .filter((g) => g.lifecycleStatus !== 'entered-in-error')
    .map((g) => ({
      title: conceptText(g.description),
      period: { start: g.startDate, ongoing: !goalsOver.has(g.lifecycleStatus) },
      facts: facts(
        { label: fmt.t('fact.status'), value: statusText(fmt, g.lifecycleStatus) },
        { label: fmt.t('fact.achievement'), value: statusText(fmt, codeOf(g.achievementStatus)) },
        {
          label: fmt.t('fact.target'),
          value: (g.target ?? [])
            .map((t) => [quantityText(fmt, t.detailQuantity), t.dueDate ? fmt.t('carePlan.by', { date: dateText(fmt, t.dueDate) }) : ''].filter(Boolean).join(' '))
            .filter(Boolean)
            .join('; '),
        },
        { label: fmt.t('fact.since'), value: dateText(fmt, g.startDate) },
      ),
    }));
  return [
    { heading: fmt.t('carePlan.plans'), items: planItems, empty: fmt.t('carePlan.nonePlans') },
    { heading: fmt.t('carePlan.goals'), items: goalItems, empty: fmt.t('carePlan.noneGoals') },
  ];
}
