/**
 * Is this resource in this patient's compartment? The check the facade runs on every resource of
 * every response before it leaves (DESIGN.md "Security model" 2–3), so it answers from the FHIR R4
 * Patient CompartmentDefinition and nothing else: the resource is the Patient itself, or one of the
 * compartment's search parameters for its type, evaluated with the parameter's FHIRPath expression,
 * yields a literal reference to that Patient. Observation.focus naming the patient does not count;
 * a type the definition does not list (Practitioner, Task …) is never in the compartment.
 */
import { evalFhirPathTyped, parseFhirPath, toTypedValue, type FhirPathAtom } from '@medplum/core';
import type { Reference, Resource } from '@medplum/fhirtypes';
import { compartmentParamData, compartmentTypes } from './patient-compartment.ts';
import { isFhirId } from '../core/fhir/ids.ts';
import { trimBase } from '../core/fhir/base-url.ts';

export { compartmentParams, isCompartmentType } from './patient-compartment.ts';

export interface CompartmentOptions {
  /**
   * FHIR service bases (absolute http(s) URLs, e.g. the facade's public base and the upstream
   * HAPI base) under which an absolute `<base>/Patient/<id>` names the same patient. Any other
   * absolute reference is to someone else's server and never counts.
   */
  readonly localBases?: readonly string[];
}

// R4 writes "references to a Patient" as `X.where(resolve() is Patient)`. We do not resolve on this
// path, and Medplum's resolve() must not decide it either: it types a reference by splitting on "/",
// so `https://base/Patient/1` resolves to type "https:" and is dropped, and it trusts a non-FHIR
// `Reference.resource` field found in the JSON. Instead the filter is removed and the exact-text
// check below does its job: a reference counts only as `Patient/<id>` or `<local base>/Patient/<id>`,
// i.e. a literal reference whose type segment is Patient (R4 references.html#literal). Removing
// the filter only adds candidates that check then refuses, so the outcome is resolve() typed by
// the reference's own prefix, with no fetch.
const resolveIsPatient = /\.where\(resolve\(\) is Patient\)/g;

function compile(expression: string): FhirPathAtom {
  const path = expression.replace(resolveIsPatient, '');
  // Any other use of resolve() would need a decision of its own; fail at startup, not per request.
  if (path.includes('resolve(')) throw new Error(`compartment-membership: unsupported resolve() in "${expression}"`);
  return parseFhirPath(path);
}

// Parsed once at load, one atom per compartment parameter, in the definition's order. A constant
// derived from constant data: it holds no state that requests could change.
const atomsByType: ReadonlyMap<string, readonly FhirPathAtom[]> = new Map(compartmentTypes().map((type) => [type, compartmentParamData(type).map((p) => compile(p.expression))]));

function patientReferences(patientId: string, localBases: readonly string[]): ReadonlySet<string> {
  const relative = `Patient/${patientId}`;
  const out = new Set([relative]);
  for (const base of localBases) {
    const url = URL.canParse(base) ? new URL(base) : undefined;
    // A base such as "" or "/" would make "/Patient/<id>" count; refuse the configuration outright.
    if (!url || (url.protocol !== 'https:' && url.protocol !== 'http:') || url.search || url.hash || base.includes('#') || base.includes('?')) {
      throw new TypeError(`compartment-membership: local base is not an absolute http(s) FHIR base: ${base}`);
    }
    out.add(`${trimBase(base)}/${relative}`);
  }
  return out;
}

/**
 * The reference text must be one of `targets` exactly. Contained (`#x`), identifier-only and
 * display-only references carry no such text, so they never count. Reference.type must agree with
 * the literal reference's type (R4 references.html#Reference); one that contradicts it fails closed.
 */
function isTargetReference(value: unknown, targets: ReadonlySet<string>): boolean {
  if (typeof value !== 'object' || value === null) return false;
  const { reference, type } = value as Reference;
  if (typeof reference !== 'string' || !targets.has(reference)) return false;
  return type === undefined || type === 'Patient';
}

/** True iff `resource` is in the Patient compartment of `Patient/<patientId>` (FHIR R4 CompartmentDefinition/patient). */
export function isInPatientCompartment(resource: Resource, patientId: string, options: CompartmentOptions = {}): boolean {
  // FHIR R4 id grammar (datatypes.html#id): anything else cannot name a Patient, so nothing matches it.
  if (!isFhirId(patientId)) return false;
  const targets = patientReferences(patientId, options.localBases ?? []);
  const type: unknown = resource?.resourceType;
  if (typeof type !== 'string') return false;
  if (type === 'Patient' && resource.id === patientId) return true;
  const atoms = atomsByType.get(type);
  if (!atoms) return false;
  const input = [toTypedValue(resource)];
  return atoms.some((atom) => evalFhirPathTyped(atom, input).some((result) => isTargetReference(result.value, targets)));
}

/**
 * The ids of every patient whose compartment holds `resource` (the same parameters and reference rule
 * as isInPatientCompartment), e.g. to name each patient a practice-wide response released in its audit.
 */
export function compartmentPatientIds(resource: Resource, options: CompartmentOptions = {}): readonly string[] {
  const type: unknown = resource?.resourceType;
  if (typeof type !== 'string') return [];
  if (type === 'Patient') return isFhirId(resource.id) ? [resource.id] : [];
  const atoms = atomsByType.get(type);
  if (!atoms) return [];
  const prefixes = ['', ...(options.localBases ?? []).map((base) => `${trimBase(base)}/`)];
  const input = [toTypedValue(resource)];
  const ids = new Set<string>();
  for (const atom of atoms) {
    for (const result of evalFhirPathTyped(atom, input)) {
      const value = result.value as Reference | null;
      if (typeof value !== 'object' || value === null || typeof value.reference !== 'string') continue;
      const prefix = prefixes.find((p) => value.reference!.startsWith(`${p}Patient/`));
      if (prefix === undefined) continue;
      const id = value.reference.slice(`${prefix}Patient/`.length);
      if (isFhirId(id) && (value.type === undefined || value.type === 'Patient')) ids.add(id);
    }
  }
  return [...ids];
}
