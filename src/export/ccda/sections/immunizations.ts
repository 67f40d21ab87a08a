/**
 * Immunizations Section (entries required) (V3), 2.16.840.1.113883.10.20.22.2.2.1:2015-08-01, written when the
 * document holds immunizations. One Immunization Activity (4.52:2015-08-01) per Immunization: given
 * (negationInd false) or, for status not-done, not given (negationInd true, C-CDA R2.1 Vol. 2 §3.41); the
 * vaccine as Immunization Medication Information (4.54:2014-06-09) with CVX preferred and its lot number.
 */
import type { Immunization } from '@medplum/fhirtypes';
import { OID } from '../code-systems.ts';
import type { BuildContext } from '../context.ts';
import { cd, entryId, pq, templateIds } from '../data-types.ts';
import { conceptText, statusText } from '../display.ts';
import { idAllocator, row, sectionText, table, textReference } from '../narrative.ts';
import { sectionComponent } from '../section.ts';
import { el, type XmlElement } from '../xml.ts';

const SECTION = { templateIds: templateIds('2.16.840.1.113883.10.20.22.2.2.1', '2015-08-01', true), code: ['11369-6', 'History of Immunization Narrative'] } as const;

export function immunizationsSection(immunizations: readonly Immunization[], ctx: BuildContext): XmlElement | undefined {
  if (immunizations.length === 0) return undefined;
  const nextId = idAllocator('immunization');
  const rows: XmlElement[] = [];
  const entries: XmlElement[] = [];
  for (const immunization of immunizations) {
    const rowId = nextId();
    const time = ctx.time(immunization.occurrenceDateTime);
    const manufacturer = ctx.resolve(immunization.manufacturer, 'Organization', immunization)?.name ?? immunization.manufacturer?.display;
    rows.push(
      row(rowId, [
        { id: `${rowId}-name`, text: conceptText(immunization.vaccineCode) },
        statusText(ctx, 'immunization', immunization.status),
        ctx.dateText(immunization.occurrenceDateTime) || (immunization.occurrenceString ?? ''),
        immunization.lotNumber ?? '',
      ]),
    );
    entries.push(
      el(
        'substanceAdministration',
        { classCode: 'SBADM', moodCode: 'EVN', negationInd: immunization.status === 'not-done' ? 'true' : 'false' },
        templateIds('2.16.840.1.113883.10.20.22.4.52', '2015-08-01', true),
        entryId(immunization),
        textReference(rowId),
        el('statusCode', { code: 'completed' }),
        time ? el('effectiveTime', { value: time }) : el('effectiveTime', { nullFlavor: 'UNK' }),
        immunization.doseQuantity?.value !== undefined ? pq('doseQuantity', immunization.doseQuantity) : undefined,
        el(
          'consumable',
          {},
          el(
            'manufacturedProduct',
            { classCode: 'MANU' },
            templateIds('2.16.840.1.113883.10.20.22.4.54', '2014-06-09', true),
            el(
              'manufacturedMaterial',
              {},
              cd('code', immunization.vaccineCode, { prefer: [OID.cvx, OID.ndc], ref: `${rowId}-name` }),
              immunization.lotNumber ? el('lotNumberText', {}, immunization.lotNumber) : undefined,
            ),
            manufacturer ? el('manufacturerOrganization', {}, el('name', {}, manufacturer)) : undefined,
          ),
        ),
      ),
    );
  }
  const headers = ['column.vaccine', 'column.status', 'column.date', 'column.lotNumber'] as const;
  return sectionComponent({
    ...SECTION,
    title: ctx.label('section.immunizations'),
    text: sectionText(
      table(
        headers.map((h) => ctx.label(h)),
        rows,
      ),
    ),
    entries,
  });
}
