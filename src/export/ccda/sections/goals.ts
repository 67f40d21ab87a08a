/**
 * Goals Section, 2.16.840.1.113883.10.20.22.2.60, written when the record has goals. One Goal Observation
 * (4.121, moodCode GOL) per Goal: its description (coded when the record codes it, else nullFlavor OTH with the
 * text as originalText), its lifecycle as statusCode and its start date.
 */
import type { Goal } from '@medplum/fhirtypes';
import { OID } from '../code-systems.ts';
import type { BuildContext } from '../context.ts';
import { cd, entryId, templateIds } from '../data-types.ts';
import { codeText, conceptText, statusText } from '../display.ts';
import { idAllocator, row, sectionText, table, textReference } from '../narrative.ts';
import { sectionComponent } from '../section.ts';
import { el, type XmlElement } from '../xml.ts';

const SECTION = { templateIds: templateIds('2.16.840.1.113883.10.20.22.2.60'), code: ['61146-7', 'Goals Narrative'] } as const;

/** Goal.lifecycleStatus → HL7 ActStatus. */
const statusCodes: Readonly<Record<string, string>> = {
  proposed: 'active',
  planned: 'active',
  accepted: 'active',
  active: 'active',
  'on-hold': 'suspended',
  completed: 'completed',
  cancelled: 'cancelled',
  rejected: 'cancelled',
};

export function goalsSection(goals: readonly Goal[], ctx: BuildContext): XmlElement | undefined {
  if (goals.length === 0) return undefined;
  const nextId = idAllocator('goal');
  const rows: XmlElement[] = [];
  const entries: XmlElement[] = [];
  for (const goal of goals) {
    const rowId = nextId();
    const achievement = goal.achievementStatus?.coding?.find((c) => c.code)?.code;
    const due = goal.target?.find((t) => t.dueDate)?.dueDate;
    const start = ctx.time(goal.startDate);
    rows.push(
      row(rowId, [
        { id: `${rowId}-name`, text: conceptText(goal.description) },
        statusText(ctx, 'goal', goal.lifecycleStatus),
        achievement ? codeText(ctx, 'achievement', achievement) : conceptText(goal.achievementStatus),
        ctx.dateText(due),
      ]),
    );
    entries.push(
      el(
        'observation',
        { classCode: 'OBS', moodCode: 'GOL' },
        templateIds('2.16.840.1.113883.10.20.22.4.121'),
        entryId(goal),
        cd('code', goal.description, { prefer: [OID.loinc, OID.snomed], ref: `${rowId}-name` }),
        textReference(rowId),
        el('statusCode', { code: statusCodes[goal.lifecycleStatus] ?? 'active' }),
        start ? el('effectiveTime', { value: start }) : undefined,
      ),
    );
  }
  const headers = ['column.goal', 'column.status', 'column.progress', 'column.targetDate'] as const;
  return sectionComponent({
    ...SECTION,
    title: ctx.label('section.goals'),
    text: sectionText(
      table(
        headers.map((h) => ctx.label(h)),
        rows,
      ),
    ),
    entries,
  });
}
