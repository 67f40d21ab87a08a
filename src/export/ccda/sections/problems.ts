/**
 * Problem Section (entries required) (V3), 2.16.840.1.113883.10.20.22.2.5.1:2015-08-01. One Problem Concern Act
 * (4.3:2015-08-01) per Condition: active while the condition is active, recurring or relapsing, completed once
 * it is inactive, in remission or resolved; inside it the Problem Observation (4.4:2015-08-01).
 */
import type { Condition } from '@medplum/fhirtypes';
import { OID } from '../code-systems.ts';
import type { BuildContext } from '../context.ts';
import { entryId, templateIds } from '../data-types.ts';
import { conceptText, statusText } from '../display.ts';
import { abatementOf, isResolved, onsetOf, problemObservation } from '../entries/problem-observation.ts';
import { idAllocator, row, textReference } from '../narrative.ts';
import { emptySection, tableSection } from '../section.ts';
import { el, type XmlElement } from '../xml.ts';

const SECTION = { templateIds: templateIds('2.16.840.1.113883.10.20.22.2.5.1', '2015-08-01', true), code: ['11450-4', 'Problem list - Reported'] } as const;

export const clinicalStatusOf = (condition: Condition): string | undefined => condition.clinicalStatus?.coding?.find((c) => c.code)?.code;

function concernAct(condition: Condition, rowId: string, nameId: string, ctx: BuildContext): XmlElement {
  const resolved = isResolved(condition);
  const recorded = ctx.time(condition.recordedDate) ?? ctx.time(onsetOf(condition));
  const abated = ctx.time(abatementOf(condition));
  return el(
    'act',
    { classCode: 'ACT', moodCode: 'EVN' },
    templateIds('2.16.840.1.113883.10.20.22.4.3', '2015-08-01', true),
    entryId(condition, 'concern'),
    el('code', { code: 'CONC', codeSystem: OID.actClass, codeSystemName: 'HL7ActClass', displayName: 'Concern' }),
    textReference(rowId),
    el('statusCode', { code: resolved ? 'completed' : 'active' }),
    el(
      'effectiveTime',
      {},
      recorded ? el('low', { value: recorded }) : el('low', { nullFlavor: 'UNK' }),
      resolved ? (abated ? el('high', { value: abated }) : el('high', { nullFlavor: 'UNK' })) : undefined,
    ),
    el('entryRelationship', { typeCode: 'SUBJ' }, problemObservation(condition, 'problem', { row: rowId, name: nameId }, ctx)),
  );
}

export function problemsSection(conditions: readonly Condition[], ctx: BuildContext): XmlElement {
  const title = ctx.label('section.problems');
  if (conditions.length === 0) return emptySection({ ...SECTION, title }, ctx.label('empty.problems'));
  const nextId = idAllocator('problem');
  const rows: XmlElement[] = [];
  const entries: XmlElement[] = [];
  for (const condition of conditions) {
    const rowId = nextId();
    const nameId = `${rowId}-name`;
    rows.push(
      row(rowId, [
        { id: nameId, text: conceptText(condition.code) },
        statusText(ctx, 'condition', clinicalStatusOf(condition)),
        ctx.dateText(onsetOf(condition) ?? condition.onsetString),
        ctx.dateText(abatementOf(condition) ?? condition.abatementString),
      ]),
    );
    entries.push(concernAct(condition, rowId, nameId, ctx));
  }
  const headers = ['column.problem', 'column.status', 'column.onset', 'column.resolved'] as const;
  return tableSection(
    { ...SECTION, title, entries },
    headers.map((h) => ctx.label(h)),
    rows,
  );
}
