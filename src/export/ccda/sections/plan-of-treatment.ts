/**
 * Plan of Treatment Section (V2), 2.16.840.1.113883.10.20.22.2.10:2014-06-09, written when the record has care
 * plans that are still plans (see select.ts). One Planned Act (4.39:2014-06-09) per CarePlan, coded by its
 * category, in the mood its intent gives; the activities still to be done are Planned Acts inside it (COMP).
 */
import type { CarePlan, CarePlanActivity } from '@medplum/fhirtypes';
import { OID } from '../code-systems.ts';
import type { BuildContext } from '../context.ts';
import { cd, entryId, templateIds } from '../data-types.ts';
import { conceptText, periodText, statusText } from '../display.ts';
import { idAllocator, row, sectionText, table, textReference } from '../narrative.ts';
import { sectionComponent } from '../section.ts';
import { el, type XmlElement } from '../xml.ts';

const SECTION = { templateIds: templateIds('2.16.840.1.113883.10.20.22.2.10', '2014-06-09', true), code: ['18776-5', 'Plan of care note'] } as const;

/** CarePlan.intent → Planned moodCode (Act/Encounter/Procedure), 2.16.840.1.113883.11.20.9.23. */
const moods: Readonly<Record<string, string>> = { proposal: 'PRP', plan: 'INT', order: 'RQO', option: 'PRP' };

const isPending = (activity: CarePlanActivity) => {
  const status = activity.detail?.status;
  return status !== 'completed' && status !== 'cancelled' && status !== 'stopped' && status !== 'entered-in-error';
};

const activityText = (activity: CarePlanActivity) => conceptText(activity.detail?.code) || activity.detail?.description || activity.reference?.display || '';

export function planOfTreatmentSection(carePlans: readonly CarePlan[], ctx: BuildContext): XmlElement | undefined {
  if (carePlans.length === 0) return undefined;
  const nextId = idAllocator('plan');
  const rows: XmlElement[] = [];
  const entries: XmlElement[] = [];
  for (const plan of carePlans) {
    const rowId = nextId();
    const moodCode = moods[plan.intent] ?? 'INT';
    const activities = (plan.activity ?? [])
      .map((activity, index) => ({ activity, index, id: `${rowId}-activity-${index + 1}`, text: activityText(activity) }))
      .filter((a) => a.text);
    const addresses = (plan.addresses ?? []).map((reference) => conceptText(ctx.resolve(reference, 'Condition', plan)?.code) || reference.display || '').filter(Boolean);
    const category = plan.category?.[0];
    rows.push(
      row(rowId, [
        { id: `${rowId}-name`, text: conceptText(category) || plan.title || plan.description || '' },
        { parts: activities.map(({ id, text }) => ({ id, text })) },
        addresses.join('; '),
        statusText(ctx, 'carePlan', plan.status),
        periodText(ctx, plan.period?.start, plan.period?.end),
      ]),
    );
    const start = ctx.time(plan.period?.start);
    const end = ctx.time(plan.period?.end);
    entries.push(
      el(
        'act',
        { classCode: 'ACT', moodCode },
        templateIds('2.16.840.1.113883.10.20.22.4.39', '2014-06-09', true),
        entryId(plan),
        cd('code', category, { prefer: [OID.snomed, OID.loinc], ref: `${rowId}-name` }),
        textReference(rowId),
        el('statusCode', { code: 'active' }),
        start || end ? el('effectiveTime', {}, start ? el('low', { value: start }) : el('low', { nullFlavor: 'UNK' }), end ? el('high', { value: end }) : undefined) : undefined,
        activities
          .filter(({ activity }) => isPending(activity))
          .map(({ activity, index, id }) =>
            el(
              'entryRelationship',
              { typeCode: 'COMP' },
              el(
                'act',
                { classCode: 'ACT', moodCode },
                templateIds('2.16.840.1.113883.10.20.22.4.39', '2014-06-09', true),
                entryId(plan, `activity-${index}`),
                cd('code', activity.detail?.code ?? { text: activity.detail?.description }, { prefer: [OID.snomed, OID.loinc, OID.cpt], ref: id }),
                textReference(id),
                el('statusCode', { code: 'active' }),
              ),
            ),
          ),
      ),
    );
  }
  const headers = ['column.plan', 'column.activities', 'column.relatedProblems', 'column.status', 'column.period'] as const;
  return sectionComponent({
    ...SECTION,
    title: ctx.label('section.planOfTreatment'),
    text: sectionText(
      table(
        headers.map((h) => ctx.label(h)),
        rows,
      ),
    ),
    entries,
  });
}
