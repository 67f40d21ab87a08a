/**
 * One `component/section` of the structured body. A required section with nothing to say is still written,
 * with `nullFlavor="NI"`, no entries and a sentence saying so (C-CDA R2.1 "entries required" sections allow
 * exactly that: CONF:1198-7531 and siblings test `@nullFlavor or entry`, and never both).
 */
import { OID } from './code-systems.ts';
import { paragraph, sectionText, table } from './narrative.ts';
import { el, type XmlElement } from './xml.ts';

export interface SectionSpec {
  readonly templateIds: readonly XmlElement[];
  /** The section's LOINC code and its display name. */
  readonly code: readonly [code: string, displayName: string];
  readonly title: string;
  readonly text: XmlElement;
  /** The clinical statements, each wrapped in its own `entry`. */
  readonly entries: readonly XmlElement[];
}

export function sectionComponent(spec: SectionSpec): XmlElement {
  return el(
    'component',
    {},
    el(
      'section',
      {},
      spec.templateIds,
      el('code', { code: spec.code[0], codeSystem: OID.loinc, codeSystemName: 'LOINC', displayName: spec.code[1] }),
      el('title', {}, spec.title),
      spec.text,
      spec.entries.map((entry) => el('entry', { typeCode: 'DRIV' }, entry)),
    ),
  );
}

/** A required section the record has nothing for. */
export function emptySection(spec: Omit<SectionSpec, 'text' | 'entries'>, sentence: string): XmlElement {
  return el(
    'component',
    {},
    el(
      'section',
      { nullFlavor: 'NI' },
      spec.templateIds,
      el('code', { code: spec.code[0], codeSystem: OID.loinc, codeSystemName: 'LOINC', displayName: spec.code[1] }),
      el('title', {}, spec.title),
      sectionText(paragraph(sentence)),
    ),
  );
}

/** A section whose narrative is one table (`headers` already in the document's language), with its entries. */
export function tableSection(spec: Omit<SectionSpec, 'text'>, headers: readonly string[], rows: readonly XmlElement[]): XmlElement {
  return sectionComponent({ ...spec, text: sectionText(table(headers, rows)) });
}
