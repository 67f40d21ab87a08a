/**
 * Observation.value[x] (or a component's) → the CDA `value` element with its xsi:type, and the same value as
 * narrative text. An absent value is written with the nullFlavor its dataAbsentReason gives (FHIR R4
 * data-absent-reason → HL7 NullFlavor), NI when there is none.
 */
import type { CodeableConcept, Observation, ObservationComponent } from '@medplum/fhirtypes';
import { OID } from './code-systems.ts';
import type { BuildContext } from './context.ts';
import { cd, type NullFlavor, pq, ts } from './data-types.ts';
import { conceptText, quantityText, rangeText } from './display.ts';
import { el, type XmlElement } from './xml.ts';

export type ValueHolder = Pick<
  Observation | ObservationComponent,
  | 'valueQuantity'
  | 'valueCodeableConcept'
  | 'valueString'
  | 'valueBoolean'
  | 'valueInteger'
  | 'valueRange'
  | 'valueRatio'
  | 'valueTime'
  | 'valueDateTime'
  | 'valuePeriod'
  | 'dataAbsentReason'
>;

const absentReasons: Readonly<Record<string, NullFlavor>> = {
  unknown: 'UNK',
  'asked-unknown': 'ASKU',
  'temp-unknown': 'NAV',
  'not-asked': 'NASK',
  'asked-declined': 'ASKU',
  masked: 'MSK',
  'not-applicable': 'NA',
  unsupported: 'NI',
  'as-text': 'OTH',
  error: 'NI',
  'not-a-number': 'NI',
  'negative-infinity': 'NI',
  'positive-infinity': 'NI',
  'not-performed': 'NI',
  'not-permitted': 'MSK',
};

export function nullFlavorOf(reason: CodeableConcept | undefined): NullFlavor {
  const code = reason?.coding?.find((c) => c.code && absentReasons[c.code])?.code;
  return code ? absentReasons[code]! : 'NI';
}

export const hasValue = (holder: ValueHolder): boolean =>
  holder.valueQuantity !== undefined ||
  holder.valueCodeableConcept !== undefined ||
  holder.valueString !== undefined ||
  holder.valueBoolean !== undefined ||
  holder.valueInteger !== undefined ||
  holder.valueRange !== undefined ||
  holder.valueRatio !== undefined ||
  holder.valueTime !== undefined ||
  holder.valueDateTime !== undefined ||
  holder.valuePeriod !== undefined;

/** The `value` element. `ref` is the narrative ID holding the value's text (coded values point their originalText at it). */
export function valueElement(holder: ValueHolder, ctx: BuildContext, ref?: string): XmlElement {
  const quantity = holder.valueQuantity;
  if (quantity) {
    // A comparator ("<5") is a bound, not a value: an interval open on the other side.
    if (quantity.comparator && quantity.value !== undefined) {
      const bound = pq(quantity.comparator.startsWith('<') ? 'high' : 'low', { ...quantity, comparator: undefined });
      const inclusive = quantity.comparator.length === 2 ? 'true' : 'false';
      return el('value', { 'xsi:type': 'IVL_PQ' }, el(bound.name, { ...Object.fromEntries(bound.attributes), inclusive }));
    }
    return pq('value', quantity, 'PQ');
  }
  if (holder.valueCodeableConcept) return cd('value', holder.valueCodeableConcept, { xsiType: 'CD', prefer: [OID.snomed, OID.loinc], ref });
  if (holder.valueString !== undefined) return el('value', { 'xsi:type': 'ST' }, holder.valueString);
  if (holder.valueBoolean !== undefined) return el('value', { 'xsi:type': 'BL', value: String(holder.valueBoolean) });
  if (holder.valueInteger !== undefined) return el('value', { 'xsi:type': 'INT', value: String(holder.valueInteger) });
  if (holder.valueRange) {
    const { low, high } = holder.valueRange;
    return el('value', { 'xsi:type': 'IVL_PQ' }, low ? pq('low', low) : undefined, high ? pq('high', high) : undefined);
  }
  if (holder.valueRatio) {
    const { numerator, denominator } = holder.valueRatio;
    return el('value', { 'xsi:type': 'RTO_PQ_PQ' }, pq('numerator', numerator), pq('denominator', denominator));
  }
  if (holder.valueDateTime) {
    const time = ts('value', holder.valueDateTime, ctx);
    return el('value', { 'xsi:type': 'TS', ...Object.fromEntries(time.attributes) });
  }
  if (holder.valuePeriod) {
    const low = ctx.time(holder.valuePeriod.start);
    const high = ctx.time(holder.valuePeriod.end);
    return el('value', { 'xsi:type': 'IVL_TS' }, low ? el('low', { value: low }) : el('low', { nullFlavor: 'UNK' }), high ? el('high', { value: high }) : undefined);
  }
  if (holder.valueTime !== undefined) return el('value', { 'xsi:type': 'ST' }, holder.valueTime);
  return el('value', { 'xsi:type': 'CD', nullFlavor: nullFlavorOf(holder.dataAbsentReason) });
}

/** The value as the narrative says it. */
export function valueText(holder: ValueHolder, ctx: BuildContext): string {
  if (holder.valueQuantity) return quantityText(holder.valueQuantity);
  if (holder.valueCodeableConcept) return conceptText(holder.valueCodeableConcept);
  if (holder.valueString !== undefined) return holder.valueString;
  if (holder.valueBoolean !== undefined) return ctx.label(holder.valueBoolean ? 'text.yes' : 'text.no');
  if (holder.valueInteger !== undefined) return String(holder.valueInteger);
  if (holder.valueRange) return rangeText(holder.valueRange);
  if (holder.valueRatio) return `${quantityText(holder.valueRatio.numerator)} / ${quantityText(holder.valueRatio.denominator)}`;
  if (holder.valueDateTime) return ctx.dateText(holder.valueDateTime);
  if (holder.valuePeriod) return `${ctx.dateText(holder.valuePeriod.start)} – ${ctx.dateText(holder.valuePeriod.end)}`;
  if (holder.valueTime !== undefined) return holder.valueTime;
  return conceptText(holder.dataAbsentReason);
}
