/**
 * CDA data types from FHIR ones: II (ids), CD/CE (codes), TS/IVL_TS (times), PQ (quantities). Where the
 * record has no value the element carries a nullFlavor, never an empty attribute (CDA R2 §1.1.7 and C-CDA
 * R2.1 Vol. 1 §4.2 "unknown information").
 */
import type { CodeableConcept, Coding, Quantity, Resource } from '@medplum/fhirtypes';
import { codeSystemOf } from './code-systems.ts';
import type { BuildContext } from './context.ts';
import { nameUuid } from './uuid.ts';
import { el, type XmlElement } from './xml.ts';

export type NullFlavor = 'NI' | 'UNK' | 'OTH' | 'NA' | 'ASKU' | 'NASK' | 'MSK' | 'NAV' | 'NP';

/** `templateId` elements; `r11` adds the root-only C-CDA R1.1 templateId that R2.1 asks for beside templates R1.1 had (CONF:1198-32936). */
export function templateIds(root: string, extension?: string, r11 = false): XmlElement[] {
  const ids = [el('templateId', { root, extension })];
  if (r11) ids.unshift(el('templateId', { root }));
  return ids;
}

/** An instance identifier for something derived from a FHIR resource; `role` tells apart the acts one resource becomes. */
export function entryId(resource: Resource, role = '', fallback = ''): XmlElement {
  const key = resource.id ? `${resource.resourceType}/${resource.id}` : `${resource.resourceType}#${fallback}`;
  return el('id', { root: nameUuid(role ? `${key}#${role}` : key) });
}

export interface CdOptions {
  /** `xsi:type` to write (for `value` elements). */
  readonly xsiType?: 'CD' | 'CE';
  /** Code system OIDs in order of preference for the main code; the other codings become translations. */
  readonly prefer?: readonly string[];
  /** ID of the narrative element that holds this concept's text (originalText/reference). */
  readonly ref?: string;
  /** nullFlavor when nothing is codable; default OTH when the record has some text or code, NI when it has nothing. */
  readonly nullFlavor?: NullFlavor;
}

// CDA `cs` codes are tokens without whitespace (datatypes-base.xsd).
const isCode = (code: string | undefined): code is string => !!code && /^\S+$/.test(code);

interface MappedCoding {
  readonly code: string;
  readonly oid: string;
  readonly name: string;
  readonly display: string | undefined;
}

function mappedCodings(concept: CodeableConcept | undefined): MappedCoding[] {
  const mapped: MappedCoding[] = [];
  for (const coding of concept?.coding ?? []) {
    const system = codeSystemOf(coding.system);
    if (!system || !isCode(coding.code)) continue;
    if (mapped.some((m) => m.oid === system.oid && m.code === coding.code)) continue;
    mapped.push({ code: coding.code, oid: system.oid, name: system.name, display: coding.display });
  }
  return mapped;
}

const originalText = (ref: string | undefined) => (ref ? el('originalText', {}, el('reference', { value: `#${ref}` })) : undefined);

/** A coded element (CD/CE) from a CodeableConcept; codings in unknown systems are left out (their text stays in the narrative). */
export function cd(tag: string, concept: CodeableConcept | undefined, options: CdOptions = {}): XmlElement {
  const codings = mappedCodings(concept);
  const rank = (coding: MappedCoding) => {
    const index = options.prefer?.indexOf(coding.oid) ?? -1;
    return index === -1 ? Number.MAX_SAFE_INTEGER : index;
  };
  const primary = codings.reduce<MappedCoding | undefined>((best, coding) => (!best || rank(coding) < rank(best) ? coding : best), undefined);
  const translations = codings
    .filter((coding) => coding !== primary)
    .map((coding) => el('translation', { code: coding.code, codeSystem: coding.oid, codeSystemName: coding.name, displayName: coding.display }));
  if (!primary) {
    const hasSomething = !!concept?.text || (concept?.coding?.length ?? 0) > 0;
    const nullFlavor = options.nullFlavor ?? (hasSomething ? 'OTH' : 'NI');
    return el(tag, { 'xsi:type': options.xsiType, nullFlavor }, originalText(options.ref));
  }
  return el(
    tag,
    { 'xsi:type': options.xsiType, code: primary.code, codeSystem: primary.oid, codeSystemName: primary.name, displayName: primary.display },
    originalText(options.ref),
    translations,
  );
}

/** A fixed code (template-mandated codes such as ASSERTION or 48765-2). */
export function fixedCode(tag: string, code: string, codeSystem: string, codeSystemName: string, displayName?: string, xsiType?: 'CD' | 'CE'): XmlElement {
  return el(tag, { 'xsi:type': xsiType, code, codeSystem, codeSystemName, displayName });
}

/** A CD from a single Coding. */
export const codingConcept = (coding: Coding | undefined): CodeableConcept | undefined => (coding ? { coding: [coding] } : undefined);

/** TS from a FHIR date/dateTime; nullFlavor when absent or unreadable. */
export function ts(tag: string, value: string | undefined, ctx: BuildContext, nullFlavor: NullFlavor = 'UNK'): XmlElement {
  const time = ctx.time(value);
  return time ? el(tag, { value: time }) : el(tag, { nullFlavor });
}

export interface IvlOptions {
  /** Write `xsi:type="IVL_TS"` (where the element's declared type is SXCM_TS or ANY). */
  readonly xsiType?: boolean;
  /** What to write for an absent start: a nullFlavor (default UNK) or nothing. */
  readonly missingLow?: NullFlavor | 'omit';
  /** What to write for an absent end: nothing (default, an ongoing interval) or a nullFlavor. */
  readonly missingHigh?: NullFlavor | 'omit';
}

/** IVL_TS with low/high from FHIR dates/dateTimes. */
export function ivlTs(tag: string, low: string | undefined, high: string | undefined, ctx: BuildContext, options: IvlOptions = {}): XmlElement {
  const lowTime = ctx.time(low);
  const highTime = ctx.time(high);
  const missingLow = options.missingLow ?? 'UNK';
  const missingHigh = options.missingHigh ?? 'omit';
  return el(
    tag,
    { 'xsi:type': options.xsiType ? 'IVL_TS' : undefined },
    lowTime ? el('low', { value: lowTime }) : missingLow === 'omit' ? undefined : el('low', { nullFlavor: missingLow }),
    highTime ? el('high', { value: highTime }) : missingHigh === 'omit' ? undefined : el('high', { nullFlavor: missingHigh }),
  );
}

const UCUM = 'http://unitsofmeasure.org';

/** The UCUM unit of a FHIR Quantity: its code when the system is UCUM, else its unit text when it is a single token, else "1". */
export function ucumUnit(quantity: Quantity): string {
  if (quantity.system === UCUM && isCode(quantity.code)) return quantity.code;
  if (isCode(quantity.code) && !quantity.system) return quantity.code;
  if (isCode(quantity.unit) && /^[!-~]+$/.test(quantity.unit)) return quantity.unit;
  return '1';
}

/** PQ (value + UCUM unit); nullFlavor NI when the quantity has no number. */
export function pq(tag: string, quantity: Quantity | undefined, xsiType?: 'PQ'): XmlElement {
  if (quantity?.value === undefined || !Number.isFinite(quantity.value)) return el(tag, { 'xsi:type': xsiType, nullFlavor: 'NI' });
  return el(tag, { 'xsi:type': xsiType, value: String(quantity.value), unit: ucumUnit(quantity) });
}
