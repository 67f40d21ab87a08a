/**
 * Procedures Section (entries required) (V2), 2.16.840.1.113883.10.20.22.2.7.1:2014-06-09, written when the
 * document holds procedures. One Procedure Activity Procedure (4.14:2014-06-09) per Procedure, its status from
 * the ProcedureAct statusCode value set (2.16.840.1.113883.11.20.9.22) and its reasons as Indications.
 */
import type { Procedure } from '@medplum/fhirtypes';
import { OID } from '../code-systems.ts';
import type { BuildContext } from '../context.ts';
import { cd, entryId, templateIds } from '../data-types.ts';
import { conceptText, periodText, statusText } from '../display.ts';
import { indications, reasonsOf, reasonsText } from '../entries/indication.ts';
import { idAllocator, row, sectionText, table, textReference } from '../narrative.ts';
import { sectionComponent } from '../section.ts';
import { el, type XmlElement } from '../xml.ts';

const SECTION = { templateIds: templateIds('2.16.840.1.113883.10.20.22.2.7.1', '2014-06-09', true), code: ['47519-4', 'History of Procedures Document'] } as const;

/** FHIR Procedure.status → ProcedureAct statusCode (aborted, active, cancelled, completed). */
const statusCodes: Readonly<Record<string, string>> = {
  preparation: 'active',
  'in-progress': 'active',
  'on-hold': 'active',
  'not-done': 'cancelled',
  stopped: 'aborted',
  completed: 'completed',
};

function procedureTime(procedure: Procedure, ctx: BuildContext): XmlElement | undefined {
  if (procedure.performedPeriod) {
    const low = ctx.time(procedure.performedPeriod.start);
    const high = ctx.time(procedure.performedPeriod.end);
    return el('effectiveTime', {}, low ? el('low', { value: low }) : el('low', { nullFlavor: 'UNK' }), high ? el('high', { value: high }) : undefined);
  }
  const time = ctx.time(procedure.performedDateTime);
  return time ? el('effectiveTime', { value: time }) : undefined;
}

export function proceduresSection(procedures: readonly Procedure[], ctx: BuildContext): XmlElement | undefined {
  if (procedures.length === 0) return undefined;
  const nextId = idAllocator('procedure');
  const rows: XmlElement[] = [];
  const entries: XmlElement[] = [];
  for (const procedure of procedures) {
    const rowId = nextId();
    const reasons = reasonsOf(procedure, ctx);
    rows.push(
      row(rowId, [
        { id: `${rowId}-name`, text: conceptText(procedure.code) },
        statusText(ctx, 'procedure', procedure.status),
        procedure.performedDateTime ? ctx.dateText(procedure.performedDateTime) : periodText(ctx, procedure.performedPeriod?.start, procedure.performedPeriod?.end),
        { id: `${rowId}-reason`, text: reasonsText(reasons) },
      ]),
    );
    entries.push(
      el(
        'procedure',
        { classCode: 'PROC', moodCode: 'EVN' },
        templateIds('2.16.840.1.113883.10.20.22.4.14', '2014-06-09', true),
        entryId(procedure),
        cd('code', procedure.code, { prefer: [OID.snomed, OID.cpt, OID.icd10pcs, OID.hcpcs, OID.loinc], ref: `${rowId}-name` }),
        textReference(rowId),
        el('statusCode', { code: statusCodes[procedure.status] ?? 'active' }),
        procedureTime(procedure, ctx),
        indications(procedure, reasons, `${rowId}-reason`),
      ),
    );
  }
  const headers = ['column.procedure', 'column.status', 'column.date', 'column.reason'] as const;
  return sectionComponent({
    ...SECTION,
    title: ctx.label('section.procedures'),
    text: sectionText(
      table(
        headers.map((h) => ctx.label(h)),
        rows,
      ),
    ),
    entries,
  });
}
