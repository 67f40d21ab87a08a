/**
 * Encounters Section (entries required) (V3), 2.16.840.1.113883.10.20.22.2.22.1:2015-08-01, written when the
 * document holds encounters. One Encounter Activity (4.49:2015-08-01) per Encounter: its type (the class as a
 * translation), period, practitioners as performers, reasons as Indications and its diagnoses as Encounter
 * Diagnosis acts (4.80:2015-08-01) each holding a Problem Observation.
 */
import type { CodeableConcept, Encounter } from '@medplum/fhirtypes';
import { OID } from '../code-systems.ts';
import { practitionerEntity } from '../contact.ts';
import type { BuildContext } from '../context.ts';
import { cd, entryId, templateIds } from '../data-types.ts';
import { conceptText, periodText, personName, statusText } from '../display.ts';
import { indications, reasonsOf } from '../entries/indication.ts';
import { problemObservation } from '../entries/problem-observation.ts';
import { idAllocator, row, sectionText, table, textReference } from '../narrative.ts';
import type { EncounterEntry } from '../select.ts';
import { sectionComponent } from '../section.ts';
import { el, type XmlElement } from '../xml.ts';

const SECTION = { templateIds: templateIds('2.16.840.1.113883.10.20.22.2.22.1', '2015-08-01', true), code: ['46240-8', 'Encounters'] } as const;

/** The encounter's types, with its class (v3 ActCode) as one more coding. */
function encounterConcept(encounter: Encounter): CodeableConcept {
  const types = encounter.type ?? [];
  return {
    coding: [...types.flatMap((type) => type.coding ?? []), ...(encounter.class ? [encounter.class] : [])],
    text: types.map(conceptText).find(Boolean) ?? encounter.class?.display,
  };
}

function encounterTime(encounter: Encounter, ctx: BuildContext): XmlElement {
  const low = ctx.time(encounter.period?.start);
  const high = ctx.time(encounter.period?.end);
  if (!low && !high) return el('effectiveTime', { nullFlavor: 'UNK' });
  return el('effectiveTime', {}, low ? el('low', { value: low }) : el('low', { nullFlavor: 'UNK' }), high ? el('high', { value: high }) : undefined);
}

export function encountersSection(items: readonly EncounterEntry[], ctx: BuildContext): XmlElement | undefined {
  if (items.length === 0) return undefined;
  const nextId = idAllocator('encounter');
  const rows: XmlElement[] = [];
  const entries: XmlElement[] = [];
  for (const { encounter, diagnoses } of items) {
    const rowId = nextId();
    const practitioners = (encounter.participant ?? []).map((p) => ctx.resolve(p.individual, 'Practitioner', encounter)).filter((p) => p !== undefined);
    const practitionerNames = (encounter.participant ?? [])
      .map((p) => {
        const practitioner = ctx.resolve(p.individual, 'Practitioner', encounter);
        return practitioner ? personName(practitioner.name) : (p.individual?.display ?? '');
      })
      .filter(Boolean);
    const provider = ctx.resolve(encounter.serviceProvider, 'Organization', encounter);
    const places = [...(encounter.location ?? []).map((l) => l.location.display ?? ''), provider?.name ?? encounter.serviceProvider?.display ?? ''].filter(Boolean);
    const reasons = reasonsOf(encounter, ctx);
    const diagnosisParts = diagnoses.map((condition, index) => ({ id: `${rowId}-diagnosis-${index + 1}`, text: conceptText(condition.code) }));
    rows.push(
      row(rowId, [
        { id: `${rowId}-name`, text: conceptText(encounterConcept(encounter)) },
        periodText(ctx, encounter.period?.start, encounter.period?.end),
        practitionerNames.join('; '),
        places.join('; '),
        {
          id: `${rowId}-reason`,
          text: reasons
            .map((r) => conceptText(r.concept))
            .filter(Boolean)
            .join('; '),
        },
        { parts: diagnosisParts },
        statusText(ctx, 'encounter', encounter.status),
      ]),
    );
    entries.push(
      el(
        'encounter',
        { classCode: 'ENC', moodCode: 'EVN' },
        templateIds('2.16.840.1.113883.10.20.22.4.49', '2015-08-01', true),
        entryId(encounter),
        cd('code', encounterConcept(encounter), { prefer: [OID.cpt, OID.snomed, OID.hcpcs, OID.actCode], ref: `${rowId}-name` }),
        textReference(rowId),
        encounterTime(encounter, ctx),
        practitioners.map((practitioner) => el('performer', {}, practitionerEntity(practitioner))),
        indications(encounter, reasons, `${rowId}-reason`),
        diagnoses.map((condition, index) =>
          el(
            'entryRelationship',
            { typeCode: 'REFR' },
            el(
              'act',
              { classCode: 'ACT', moodCode: 'EVN' },
              templateIds('2.16.840.1.113883.10.20.22.4.80', '2015-08-01', true),
              entryId(condition, `encounter-diagnosis-${encounter.id ?? ''}`),
              el('code', { code: '29308-4', codeSystem: OID.loinc, codeSystemName: 'LOINC', displayName: 'Diagnosis' }),
              el('entryRelationship', { typeCode: 'SUBJ' }, problemObservation(condition, 'diagnosis', { row: rowId, name: diagnosisParts[index]!.id }, ctx)),
            ),
          ),
        ),
      ),
    );
  }
  const headers = ['column.encounter', 'column.date', 'column.practitioner', 'column.location', 'column.reason', 'column.diagnosis', 'column.status'] as const;
  return sectionComponent({
    ...SECTION,
    title: ctx.label('section.encounters'),
    text: sectionText(
      table(
        headers.map((h) => ctx.label(h)),
        rows,
      ),
    ),
    entries,
  });
}
