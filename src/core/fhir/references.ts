/** Literal references (FHIR R4 references.html#literal): `Type/id`, optionally versioned, relative or on a local base. */
import { relativeToBases } from './base-url.ts';
import { fhirIdSource } from './ids.ts';

const literal = new RegExp(`^([A-Z][A-Za-z]{1,63})/(${fhirIdSource})(?:/_history/${fhirIdSource})?$`);

export interface LiteralReference {
  readonly type: string;
  readonly id: string;
}

/**
 * The type and id a reference names: `Type/id` or `Type/id/_history/v`, relative or absolute on one of
 * `localBases` (compared as exact text). Anything else (another server, a contained `#x`, a query) is undefined.
 */
export function parseLiteralReference(text: unknown, localBases: readonly string[] = []): LiteralReference | undefined {
  if (typeof text !== 'string') return undefined;
  const match = literal.exec(relativeToBases(text, localBases));
  return match ? { type: match[1]!, id: match[2]! } : undefined;
}

/** `https://portal/fhir/RelatedPerson/1` → `RelatedPerson/1`: the last `Type/id` of a URL (an id_token's fhirUser). */
export function trailingReference(url: string): string | undefined {
  return new RegExp(`([A-Z][A-Za-z]+/${fhirIdSource})$`).exec(url)?.[1];
}
