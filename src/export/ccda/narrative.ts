/**
 * Section narrative (CDA R2 §4.3.5, NarrativeBlock.xsd): one table per section, one row per entry. Each row
 * and each cell an entry points at carries an ID, so that every entry's text/reference and every code's
 * originalText/reference resolve inside the section's `<text>` (C-CDA R2.1 Vol. 1 §1.3.4.1).
 */
import { el, type XmlChild, type XmlElement } from './xml.ts';

/** Text an entry's originalText points at. */
export interface Part {
  readonly text: string;
  readonly id: string;
}

/** A cell: plain text, text with an ID, or several ID'd parts (one `content` each, separated by "; "). */
export type Cell = string | Part | { readonly parts: readonly Part[] };

export function cellElement(cell: Cell | undefined, tag: 'td' | 'th' = 'td'): XmlElement {
  if (cell === undefined) return el(tag);
  if (typeof cell === 'string') return el(tag, {}, cell);
  if ('parts' in cell) {
    return el(
      tag,
      {},
      cell.parts.map((part, index) => [index > 0 ? '; ' : undefined, el('content', { ID: part.id }, part.text)]),
    );
  }
  return el(tag, { ID: cell.id }, cell.text);
}

export function row(id: string | undefined, cells: readonly (Cell | undefined)[], styleCode?: string): XmlElement {
  return el(
    'tr',
    { ID: id, styleCode },
    cells.map((cell) => cellElement(cell)),
  );
}

export function table(headers: readonly string[], rows: readonly XmlElement[]): XmlElement {
  return el(
    'table',
    {},
    el(
      'thead',
      {},
      el(
        'tr',
        {},
        headers.map((header) => cellElement(header, 'th')),
      ),
    ),
    el('tbody', {}, rows),
  );
}

export const sectionText = (...children: XmlChild[]): XmlElement => el('text', {}, children);
export const paragraph = (text: string): XmlElement => el('paragraph', {}, text);

/** A reference from an entry to its narrative: `<text><reference value="#id"/></text>`. */
export const textReference = (id: string): XmlElement => el('text', {}, el('reference', { value: `#${id}` }));

/** Narrative IDs for one section: `prefix-1`, `prefix-2`, … (CDA IDs are XML IDs, so they start with a letter). */
export function idAllocator(prefix: string): () => string {
  let next = 0;
  return () => `${prefix}-${++next}`;
}
