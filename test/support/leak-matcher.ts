/**
 * Finds another patient's data in a response body, for the facade's adversarial tests.
 *
 * Texts (names, MRN, marker strings, encoded content) are matched anywhere. Resource ids are matched
 * only as whole ids where FHIR puts them — a resource's `"id": "…"`, a reference or URL path segment
 * (`Patient/12`, `…/Observation/12/_history`), or a query value (`_id=5,12`) — and never inside a
 * longer token: HAPI's numeric ids grow on a long-lived server, so B's `12` must not be found in A's
 * `1234`, in a timestamp (`10:12:34`) or in a decimal (`98.12`).
 */
export interface Markers {
  /** FHIR resource ids (grammar `[A-Za-z0-9\-.]{1,64}`), matched as whole ids only. */
  readonly ids: readonly string[];
  /** Matched as plain substrings. */
  readonly texts: readonly string[];
}

const escapeRegExp = (text: string) => text.replace(/[.*+?^${}()|[\]\\]/g, '\\$&');

/**
 * The id as it appears in a resource or a reference: after `"id":"` up to the closing quote, or after
 * `/`, `=` or `,` and not followed by another id character (a `.` counts only when one follows it,
 * so `Patient/12.` at the end of a sentence is still a match).
 */
const wholeId = (id: string) => new RegExp(`"id"\\s*:\\s*"${escapeRegExp(id)}"|[/=,]${escapeRegExp(id)}(?![A-Za-z0-9-]|\\.[A-Za-z0-9-])`);

/** Returns the markers found in `text` (ids and texts alike, in the order given). */
export function leakMatcher(markers: Markers): (text: string) => string[] {
  const ids = markers.ids.filter(Boolean).map((id) => [id, wholeId(id)] as const);
  const texts = markers.texts.filter(Boolean);
  return (text) => [...ids.filter(([, pattern]) => pattern.test(text)).map(([id]) => id), ...texts.filter((marker) => text.includes(marker))];
}
