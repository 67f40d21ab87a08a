/**
 * Vital Signs Section (entries required) (V3), 2.16.840.1.113883.10.20.22.2.4.1:2015-08-01. One Vital Signs
 * Organizer (4.26:2015-08-01, code SNOMED CT 46680005 with LOINC 74728-7, CONF:1198-32740..32746) per visit
 * and time, holding a Vital Sign Observation (4.27:2014-06-09) per measurement; a blood pressure panel's
 * systolic and diastolic components are measurements of their own. Every value is a PQ with a UCUM unit.
 */
import type { Observation } from '@medplum/fhirtypes';
import { OID } from '../code-systems.ts';
import type { BuildContext } from '../context.ts';
import { cd, entryId, type NullFlavor, templateIds, ucumUnit } from '../data-types.ts';
import { conceptText } from '../display.ts';
import { idAllocator, row, textReference } from '../narrative.ts';
import { hasValue, nullFlavorOf, type ValueHolder, valueText } from '../observation-value.ts';
import type { VitalSignsGroup } from '../select.ts';
import { emptySection, tableSection } from '../section.ts';
import { el, type XmlElement } from '../xml.ts';
import { interpretationCodes, observationTime } from './results.ts';

const SECTION = { templateIds: templateIds('2.16.840.1.113883.10.20.22.2.4.1', '2015-08-01', true), code: ['8716-3', 'Vital signs'] } as const;

/** CONF:1098-7305/31579: a PQ with a unit, even when there is no number (then nullFlavored). */
function vitalValue(holder: ValueHolder): XmlElement {
  const quantity = holder.valueQuantity;
  if (quantity?.value !== undefined && Number.isFinite(quantity.value)) return el('value', { 'xsi:type': 'PQ', value: String(quantity.value), unit: ucumUnit(quantity) });
  const nullFlavor: NullFlavor = hasValue(holder) ? 'OTH' : nullFlavorOf(holder.dataAbsentReason);
  return el('value', { 'xsi:type': 'PQ', nullFlavor, unit: quantity ? ucumUnit(quantity) : '1' });
}

interface Measurement {
  readonly observation: Observation;
  readonly key: string;
  readonly code: Observation['code'];
  readonly value: ValueHolder;
  readonly interpretation: Observation['interpretation'];
}

function measurements(observation: Observation): Measurement[] {
  const list: Measurement[] = [];
  const components = observation.component ?? [];
  if (hasValue(observation) || components.length === 0) list.push({ observation, key: '', code: observation.code, value: observation, interpretation: observation.interpretation });
  components.forEach((component, index) => {
    list.push({ observation, key: `component-${index}`, code: component.code, value: component, interpretation: component.interpretation });
  });
  return list;
}

export function vitalSignsSection(groups: readonly VitalSignsGroup[], ctx: BuildContext): XmlElement {
  const title = ctx.label('section.vitalSigns');
  if (groups.length === 0) return emptySection({ ...SECTION, title }, ctx.label('empty.vitalSigns'));
  const nextId = idAllocator('vital');
  const rows: XmlElement[] = [];
  const entries: XmlElement[] = [];
  for (const group of groups) {
    const components: XmlElement[] = [];
    for (const measurement of group.observations.flatMap(measurements)) {
      const rowId = nextId();
      rows.push(
        row(rowId, [ctx.dateText(group.time), { id: `${rowId}-name`, text: conceptText(measurement.code) }, { id: `${rowId}-value`, text: valueText(measurement.value, ctx) }]),
      );
      components.push(
        el(
          'component',
          {},
          el(
            'observation',
            { classCode: 'OBS', moodCode: 'EVN' },
            templateIds('2.16.840.1.113883.10.20.22.4.27', '2014-06-09', true),
            entryId(measurement.observation, measurement.key),
            cd('code', measurement.code, { prefer: [OID.loinc, OID.snomed], ref: `${rowId}-name` }),
            textReference(rowId),
            el('statusCode', { code: 'completed' }),
            observationTime(measurement.observation, ctx),
            vitalValue(measurement.value),
            interpretationCodes({ interpretation: measurement.interpretation }),
          ),
        ),
      );
    }
    const time = ctx.time(group.time);
    entries.push(
      el(
        'organizer',
        { classCode: 'CLUSTER', moodCode: 'EVN' },
        templateIds('2.16.840.1.113883.10.20.22.4.26', '2015-08-01', true),
        entryId(group.observations[0]!, 'vital-signs-organizer'),
        el(
          'code',
          { code: '46680005', codeSystem: OID.snomed, codeSystemName: 'SNOMED CT', displayName: 'Vital signs' },
          el('translation', {
            code: '74728-7',
            codeSystem: OID.loinc,
            codeSystemName: 'LOINC',
            displayName: 'Vital signs, weight, height, head circumference, oximetry, BMI, and BSA panel',
          }),
        ),
        el('statusCode', { code: 'completed' }),
        time ? el('effectiveTime', { value: time }) : el('effectiveTime', { nullFlavor: 'UNK' }),
        components,
      ),
    );
  }
  const headers = ['column.date', 'column.vitalSign', 'column.result'] as const;
  return tableSection(
    { ...SECTION, title, entries },
    headers.map((h) => ctx.label(h)),
    rows,
  );
}
