/** FHIR base URLs, written once: `${base}/Type/id` must always have exactly one slash. */

/** The base without trailing slashes (`http://hapi/fhir/` → `http://hapi/fhir`). */
export const trimBase = (base: string | URL): string => String(base).replace(/\/+$/, '');

/** `reference` with a local base removed (`${base}/Patient/1` → `Patient/1`); unchanged when no base matches. */
export function relativeToBases(reference: string, bases: readonly string[]): string {
  const base = bases.map(trimBase).find((b) => reference.startsWith(`${b}/`));
  return base === undefined ? reference : reference.slice(base.length + 1);
}
