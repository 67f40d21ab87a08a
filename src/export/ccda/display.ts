/**
 * The record's values said as text for the narrative: concept text as the record has it, quantities with
 * their units, dates in words, FHIR status codes in the document's language (an unknown code as written).
 */
import type { CodeableConcept, HumanName, Quantity, Range } from '@medplum/fhirtypes';
import { displayName } from '../../core/fhir/names.ts';
import type { BuildContext } from './context.ts';
import { isLabelKey } from './labels.ts';

/** The text of a concept: its own text, else the first display, else the first code. */
export function conceptText(concept: CodeableConcept | undefined): string {
  if (!concept) return '';
  if (concept.text) return concept.text;
  return concept.coding?.find((c) => c.display)?.display ?? concept.coding?.find((c) => c.code)?.code ?? '';
}

export const conceptsText = (concepts: readonly (CodeableConcept | undefined)[] | undefined): string => (concepts ?? []).map(conceptText).filter(Boolean).join('; ');

export function quantityText(quantity: Quantity | undefined): string {
  if (quantity?.value === undefined) return '';
  const unit = quantity.unit ?? quantity.code;
  return `${quantity.comparator ?? ''}${quantity.value}${unit ? ` ${unit}` : ''}`;
}

export function rangeText(range: Range | undefined): string {
  if (!range) return '';
  const low = quantityText(range.low);
  const high = quantityText(range.high);
  if (low && high) return `${low} – ${high}`;
  if (low) return `≥ ${low}`;
  if (high) return `≤ ${high}`;
  return '';
}

/** A FHIR status code in words (`status.<domain>.<code>` in the labels), or the code itself when the catalog has no words for it. */
export function statusText(ctx: BuildContext, domain: string, code: string | undefined): string {
  if (!code) return '';
  const key = `status.${domain}.${code}`;
  return isLabelKey(key) ? ctx.label(key) : code;
}

/** Words for a label family keyed by a FHIR code (`severity.mild`), or the code itself. */
export function codeText(ctx: BuildContext, family: string, code: string | undefined): string {
  if (!code) return '';
  const key = `${family}.${code}`;
  return isLabelKey(key) ? ctx.label(key) : code;
}

/** "from X to Y" / "since X" / "until Y" in the document's language. */
export function periodText(ctx: BuildContext, start: string | undefined, end: string | undefined): string {
  const from = ctx.dateText(start);
  const to = ctx.dateText(end);
  if (from && to) return from === to ? from : ctx.label('text.period', { from, to });
  if (from) return ctx.label('text.since', { from });
  if (to) return ctx.label('text.until', { to });
  return '';
}

/** A person's name as the record writes it ("Given Family"; prefix kept). */
export function personName(names: readonly HumanName[] | undefined): string {
  const name = names?.find((n) => n.use === 'official') ?? names?.[0];
  if (!name) return '';
  if (name.text) return name.text;
  return [...(name.prefix ?? []), displayName([name]), ...(name.suffix ?? [])].filter(Boolean).join(' ');
}
