/**
 * The facade asks HAPI for type searches in offset mode (`_offset`), not as stored searches.
 *
 * Why: HAPI stores every other search (a row per search and one per result, then read back page by
 * page) so it can hand out `_getpages` links. For the patient-compartment read mix on HAPI 8.8 on
 * PostgreSQL that bookkeeping was a third of HAPI's work per search: 8.9 → 6.0 ms of HAPI CPU and
 * 1.8 → 0.9 ms of PostgreSQL's (docs/production.md "Load"). Most of a patient's searches fit on one
 * page, where the stored copy is never read at all.
 *
 * What it costs: each page is the query run again at its offset. So the order must be total, or a
 * page could repeat or skip a resource: `_pid` (HAPI's row id, i.e. the order resources were
 * stored in) follows the client's own `_sort`, or is the order when none was asked. A resource
 * stored while a client pages therefore lands at the end (or at its place in the client's order),
 * and one changed between pages can be seen on both or neither — acceptable for a record read page
 * by page, and every entry is re-checked anyway. The facade's paging cursors carry the query HAPI's
 * next link named (signed, bound to the caller like every cursor: src/fhir/cursors.ts).
 * `$everything` keeps HAPI's stored pages: HAPI does not page it by offset.
 */

/** HAPI's tie-breaking sort key: the resource's row id. */
const rowOrder = '_pid';

/** Puts a rebuilt type search into offset mode at `offset` with a total order (the client's `_sort` first, if any). */
export function searchByOffset(query: URLSearchParams, offset = 0): URLSearchParams {
  const sort = query.get('_sort');
  query.set('_sort', sort ? `${sort},${rowOrder}` : rowOrder);
  query.set('_offset', String(offset));
  return query;
}

/** The query of an offset-mode paging link from HAPI (without `_offset`) and its offset; undefined for any other link. */
export function offsetLink(link: URL): { query: string; offset: number } | undefined {
  const offset = link.searchParams.get('_offset');
  if (offset === null || !/^\d{1,9}$/.test(offset) || link.searchParams.has('_getpages')) return undefined;
  const query = new URLSearchParams(link.searchParams);
  query.delete('_offset');
  return { query: query.toString(), offset: Number(offset) };
}

/** The upstream query of an offset-mode page a cursor names. */
export function queryAtOffset(query: string, offset: number, count: number): URLSearchParams {
  const page = new URLSearchParams(query);
  page.set('_count', String(count));
  page.set('_offset', String(offset));
  return page;
}
