/**
 * One Observation's value in words, its reference range, and whether it is out of range: from the
 * interpretation the lab sent, else computed against the reference range (FHIR R4 Observation
 * "interpretation" and "referenceRange"; v3 ObservationInterpretation codes).
 */
import type { Observation, ObservationReferenceRange } from '@medplum/fhirtypes';
import { conceptText, numberText, quantityText, unitText, type Formatter } from './format.ts';

export type OutOfRange = 'high' | 'low' | 'critical-high' | 'critical-low' | 'abnormal';

const interpretationFlags: Record<string, OutOfRange> = { H: 'high', HU: 'high', HH: 'critical-high', L: 'low', LU: 'low', LL: 'critical-low', A: 'abnormal', AA: 'abnormal' };

export function outOfRange(observation: Observation): OutOfRange | undefined {
  for (const concept of observation.interpretation ?? []) {
    for (const coding of concept.coding ?? []) {
      const flag = coding.code ? interpretationFlags[coding.code] : undefined;
      if (flag) return flag;
    }
  }
  const value = observation.valueQuantity?.value;
  const range = observation.referenceRange?.[0];
  if (value === undefined || !range) return undefined;
  if (range.low?.value !== undefined && value < range.low.value) return 'low';
  if (range.high?.value !== undefined && value > range.high.value) return 'high';
  return undefined;
}

export function rangeText(fmt: Formatter, range: ObservationReferenceRange | undefined): string {
  if (!range) return '';
  if (range.text) return range.text;
  const unit = unitText(fmt, range.low?.unit ?? range.high?.unit ?? range.low?.code ?? range.high?.code);
  const low = range.low?.value;
  const high = range.high?.value;
  const withUnit = (text: string) => (unit ? `${text} ${unit}` : text);
  if (low !== undefined && high !== undefined) return withUnit(`${numberText(fmt, low)}–${numberText(fmt, high)}`);
  if (low !== undefined) return withUnit(`≥ ${numberText(fmt, low)}`);
  if (high !== undefined) return withUnit(`≤ ${numberText(fmt, high)}`);
  return '';
}

/** The value as a reader says it: a quantity with its unit, a coded answer's words, or the text recorded. */
export function valueText(fmt: Formatter, observation: Observation): string {
  if (observation.valueQuantity) return quantityText(fmt, observation.valueQuantity);
  if (observation.valueCodeableConcept) return conceptText(observation.valueCodeableConcept);
  if (observation.valueString !== undefined) return observation.valueString;
  if (observation.valueBoolean !== undefined) return fmt.t(observation.valueBoolean ? 'value.yes' : 'value.no');
  if (observation.valueInteger !== undefined) return numberText(fmt, observation.valueInteger);
  if (observation.component?.length) {
    return observation.component.map((c) => `${conceptText(c.code)}: ${c.valueQuantity ? quantityText(fmt, c.valueQuantity) : conceptText(c.valueCodeableConcept)}`).join(', ');
  }
  return observation.dataAbsentReason ? conceptText(observation.dataAbsentReason) : '';
}

export const effectiveDate = (o: Observation): string | undefined => o.effectiveDateTime ?? o.effectivePeriod?.start ?? o.issued;

/** The coding a result's history is grouped by: LOINC when present, else the first coding. */
export function resultCode(observation: Observation): { system: string; code: string } | undefined {
  const codings = observation.code?.coding ?? [];
  const coding = codings.find((c) => c.system === 'http://loinc.org' && c.code) ?? codings.find((c) => c.system && c.code);
  return coding ? { system: coding.system!, code: coding.code! } : undefined;
}
