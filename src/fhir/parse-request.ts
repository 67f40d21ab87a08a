/**
 * Parse once (DESIGN.md security model 1): a /fhir request becomes one strict model or is refused.
 * No array/object query syntax, no unknown or modified parameters, no repeated selectors, resource
 * types case-sensitive, ids by the FHIR id grammar, no encoded slashes or dot segments.
 */
import { allowedIncludes, allowedRevIncludes, maxCount, patientSearchParams, patientSelectors, sharedReadTypes, type ParamKind } from '../access/allow-lists.ts';
import { FacadeError, type FacadeMessageKey } from './facade-error.ts';
import { binaryType } from './binary-access.ts';
import { fhirIdSource, isFhirId } from '../core/fhir/ids.ts';

export type RequestModel =
  | { readonly interaction: 'read'; readonly type: string; readonly id: string }
  | {
      readonly interaction: 'search';
      readonly type: string;
      /** Allowed parameters in request order (name, value), selectors removed. */
      readonly params: readonly (readonly [string, string])[];
      /** Patient ids the client named with patient=/subject=/Patient?_id= (must be the token's own). */
      readonly namedPatients: readonly string[];
      readonly count: number | undefined;
    }
  | {
      /** `Patient/{id}/$everything` (FHIR R4 patient-operation-everything): only for a token whose patient is `id`. */
      readonly interaction: 'everything';
      readonly type: 'Patient';
      readonly id: string;
      /** `_type` as the client named it (each an allow-listed compartment or shared type), or undefined for all. */
      readonly types: readonly string[] | undefined;
      /** `_since`, `start`, `end` as validated, in this order: passed to HAPI as they are, and applied by the facade too (pipeline.ts; HAPI 8.8 ignores them on $everything). */
      readonly params: readonly (readonly [string, string])[];
      readonly count: number | undefined;
    }
  | { readonly interaction: 'page'; readonly cursor: string }
  | { readonly interaction: 'capabilities' };

const tokenValue = /^(?:[A-Za-z0-9:/._%-]{1,200}\|)?[A-Za-z0-9._:/-]{1,100}(?:,(?:[A-Za-z0-9:/._%-]{1,200}\|)?[A-Za-z0-9._:/-]{1,100}){0,9}$/;
const dateValue = /^(?:eq|ne|gt|lt|ge|le|sa|eb|ap)?\d{4}(?:-\d{2}(?:-\d{2}(?:T\d{2}:\d{2}(?::\d{2}(?:\.\d{1,3})?)?(?:Z|[+-]\d{2}:\d{2})?)?)?)?$/;
const valueCheck: Record<ParamKind, RegExp> = { token: tokenValue, date: dateValue, id: new RegExp(`^${fhirIdSource}(?:,${fhirIdSource}){0,19}$`) };
const repeatable: ReadonlySet<ParamKind> = new Set(['date']);

const refuse = (key: FacadeMessageKey, params?: Record<string, string>): never => {
  throw new FacadeError(400, 'invalid', 'not-supported', key, params);
};

/** Splits a raw query string strictly: every pair decodes cleanly, names are plain words. */
function queryPairs(rawQuery: string): [string, string][] {
  if (rawQuery === '') return [];
  return rawQuery.split('&').map((pair) => {
    const index = pair.indexOf('=');
    if (index <= 0) refuse('facade.query_pair_invalid');
    let name: string;
    let value: string;
    try {
      name = decodeURIComponent(pair.slice(0, index).replace(/\+/g, ' '));
      value = decodeURIComponent(pair.slice(index + 1).replace(/\+/g, ' '));
    } catch {
      return refuse('facade.query_invalid');
    }
    if (!/^_?[a-z][a-z-]*(?:\.[a-z]+)?$/.test(name!)) refuse('facade.param_name_unsupported');
    return [name!, value!];
  });
}

/** The patient id a selector value names: "123", "Patient/123", or undefined for anything else. */
function selectedPatient(value: string): string | undefined {
  const id = value.startsWith('Patient/') ? value.slice('Patient/'.length) : value;
  return isFhirId(id) ? id : undefined;
}

const everythingOperation = '$everything';
// FHIR R4 datatypes.html#instant: a full time with seconds and a zone.
const instantValue = /^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}(?:\.\d{1,9})?(?:Z|[+-]\d{2}:\d{2})$/;
// FHIR R4 datatypes.html#date, no prefix: `start`/`end` of Patient $everything are dates.
const plainDate = /^\d{4}(?:-\d{2}(?:-\d{2})?)?$/;
const everythingDates: Readonly<Record<string, RegExp>> = { _since: instantValue, start: plainDate, end: plainDate };

/**
 * `Patient/{id}/$everything` (R4 patient-operation-everything): `_since`, `start`, `end`, `_type` and
 * `_count`, each at most once; `_type` names only allow-listed types (compartment or shared). Whether
 * `id` is the token's patient is decided later, before HAPI is asked (pipeline.ts).
 */
function parseEverything(id: string, pairs: readonly [string, string][]): RequestModel {
  if (!isFhirId(id)) refuse('facade.id_invalid');
  const seen = new Set<string>();
  const params: [string, string][] = [];
  let types: string[] | undefined;
  let count: number | undefined;
  for (const [name, value] of pairs) {
    if (seen.has(name)) refuse('facade.param_repeated');
    seen.add(name);
    if (name === '_count') {
      if (!/^\d{1,3}$/.test(value) || Number(value) < 1) refuse('facade.count_invalid');
      count = Math.min(Number(value), maxCount);
    } else if (name === '_type') {
      types = value.split(',');
      const known = (t: string) => Object.hasOwn(patientSearchParams, t) || sharedReadTypes.has(t);
      if (types.length > 40 || new Set(types).size !== types.length || !types.every(known)) refuse('facade.param_unsupported', { type: 'Patient' });
    } else if (Object.hasOwn(everythingDates, name) && everythingDates[name]!.test(value)) {
      params.push([name, value]);
    } else {
      refuse('facade.param_unsupported', { type: 'Patient' });
    }
  }
  return { interaction: 'everything', type: 'Patient', id, types, params, count };
}

export function parseRequest(method: string, path: string, rawQuery: string): RequestModel {
  if (method !== 'GET' && method !== 'HEAD') throw new FacadeError(405, 'not-supported', 'not-supported', 'facade.read_only');
  // Percent-encoded slashes, backslashes and dot segments never reach routing (path confusion).
  if (/%2f|%5c|\\|\/\.\.?(\/|$)|\/\//i.test(path)) refuse('facade.path_invalid');
  const segments = path.split('/').filter(Boolean);
  const pairs = queryPairs(rawQuery);

  if (segments.length === 0) {
    if (pairs.length === 1 && pairs[0]![0] === '_cursor') return { interaction: 'page', cursor: pairs[0]![1] };
    return refuse('facade.system_interaction_unavailable');
  }
  if (segments.length === 1 && segments[0] === 'metadata') return { interaction: 'capabilities' };
  const [type, id, ...rest] = segments as [string, string | undefined, ...string[]];
  const searchable = Object.hasOwn(patientSearchParams, type);
  // Binary is read by id only, and only through a DocumentReference that names it (security model 3).
  if (!searchable && !sharedReadTypes.has(type) && type !== binaryType) throw new FacadeError(404, 'not-found', 'not-found', 'facade.type_unavailable');
  if (rest.length === 1 && rest[0] === everythingOperation && type === 'Patient' && id !== undefined) return parseEverything(id, pairs);
  if (rest.length > 0) refuse('facade.path_operations_unavailable');

  if (id !== undefined) {
    if (!isFhirId(id)) refuse('facade.id_invalid');
    if (pairs.length > 0) refuse('facade.read_takes_no_params');
    return { interaction: 'read', type, id };
  }
  if (!searchable) refuse('facade.search_unavailable');

  const allowed = patientSearchParams[type]!;
  const params: [string, string][] = [];
  const namedPatients: string[] = [];
  const seen = new Set<string>();
  let count: number | undefined;
  for (const [name, value] of pairs) {
    const kind = allowed[name];
    const repeated = seen.has(name);
    seen.add(name);
    if (patientSelectors.has(name) || (type === 'Patient' && name === '_id')) {
      if (repeated) refuse('facade.patient_repeated');
      const patient = selectedPatient(value);
      if (!patient) refuse('facade.patient_invalid');
      namedPatients.push(patient!);
      continue;
    }
    if (name === '_count') {
      if (repeated || !/^\d{1,3}$/.test(value) || Number(value) < 1) refuse('facade.count_invalid');
      count = Math.min(Number(value), maxCount);
      continue;
    }
    if (name === '_include') {
      if (!(allowedIncludes[type] ?? []).includes(value)) refuse('facade.include_unavailable');
    } else if (name === '_revinclude') {
      if (!allowedRevIncludes.includes(value)) refuse('facade.revinclude_unavailable');
    } else if (name === '_sort') {
      const field = value.replace(/^-/, '');
      if (repeated || allowed[field] !== 'date') refuse('facade.sort_date_only');
    } else if (!kind || !valueCheck[kind].test(value)) {
      refuse('facade.param_unsupported', { type });
    } else if (repeated && !repeatable.has(kind)) {
      refuse('facade.param_repeated');
    }
    params.push([name, value]);
  }
  return { interaction: 'search', type, params, namedPatients, count };
}
