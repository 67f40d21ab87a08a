/**
 * Health Concerns Section (V2), 2.16.840.1.113883.10.20.22.2.58:2015-08-01, for Conditions categorized
 * health-concern. One Health Concern Act (4.132:2015-08-01) per concern, referring (REFR) to the Problem
 * Observation that states it. Written only when the record has health concerns.
 */
import type { Condition } from '@medplum/fhirtypes';
import { OID } from '../code-systems.ts';
import type { BuildContext } from '../context.ts';
import { entryId, templateIds } from '../data-types.ts';
import { conceptText, statusText } from '../display.ts';
import { isResolved, onsetOf, problemObservation } from '../entries/problem-observation.ts';
import { idAllocator, row, sectionText, table, textReference } from '../narrative.ts';
import { sectionComponent } from '../section.ts';
import { el, type XmlElement } from '../xml.ts';
import { clinicalStatusOf } from './problems.ts';

const SECTION = { templateIds: templateIds('2.16.840.1.113883.10.20.22.2.58', '2015-08-01'), code: ['75310-3', 'Health concerns Document'] } as const;

export function healthConcernsSection(conditions: readonly Condition[], ctx: BuildContext): XmlElement | undefined {
  if (conditions.length === 0) return undefined;
  const nextId = idAllocator('concern');
  const rows: XmlElement[] = [];
  const entries: XmlElement[] = [];
  for (const condition of conditions) {
    const rowId = nextId();
    const nameId = `${rowId}-name`;
    rows.push(
      row(rowId, [
        { id: nameId, text: conceptText(condition.code) },
        statusText(ctx, 'condition', clinicalStatusOf(condition)),
        ctx.dateText(onsetOf(condition) ?? condition.recordedDate),
      ]),
    );
    entries.push(
      el(
        'act',
        { classCode: 'ACT', moodCode: 'EVN' },
        templateIds('2.16.840.1.113883.10.20.22.4.132', '2015-08-01'),
        entryId(condition, 'health-concern'),
        el('code', { code: '75310-3', codeSystem: OID.loinc, codeSystemName: 'LOINC', displayName: 'Health concern' }),
        textReference(rowId),
        el('statusCode', { code: isResolved(condition) ? 'completed' : 'active' }),
        el('entryRelationship', { typeCode: 'REFR' }, problemObservation(condition, 'concern', { row: rowId, name: nameId }, ctx)),
      ),
    );
  }
  const headers = ['column.concern', 'column.status', 'column.onset'] as const;
  return sectionComponent({
    ...SECTION,
    title: ctx.label('section.healthConcerns'),
    text: sectionText(
      table(
        headers.map((h) => ctx.label(h)),
        rows,
      ),
    ),
    entries,
  });
}
