/**
 * The FHIR R4 Patient CompartmentDefinition (http://hl7.org/fhir/CompartmentDefinition/patient|4.0.1):
 * which resource types can be in a patient's compartment and through which search parameters.
 * DESIGN.md "Security model" 3: membership means these parameters only, never "the patient is
 * referenced somewhere". The data is generated from the published definition
 * (patient-compartment-data.ts says how); this file only gives it a typed, lookup-safe face.
 */
import { type CompartmentParamData, patientCompartmentData } from './patient-compartment-data.ts';

export type { CompartmentParamData };
export type PatientCompartmentType = keyof typeof patientCompartmentData;

// A Map, not the object literal, so that resource types such as "constructor" or "__proto__"
// taken from untrusted JSON can never find an inherited property.
const byType: ReadonlyMap<string, readonly CompartmentParamData[]> = new Map(Object.entries(patientCompartmentData));
const codesByType: ReadonlyMap<string, readonly string[]> = new Map([...byType].map(([type, params]) => [type, Object.freeze(params.map((p) => p.code))]));

/** True if resources of this type can be in a Patient compartment (R4 lists 66 such types). */
export const isCompartmentType = (type: string): type is PatientCompartmentType => byType.has(type);

/** The search parameter codes that place a resource of this type in the compartment; [] if none. */
export const compartmentParams = (type: string): readonly string[] => codesByType.get(type) ?? [];

/** The same parameters with their R4 SearchParameter ids and FHIRPath expressions; [] if none. */
export const compartmentParamData = (type: string): readonly CompartmentParamData[] => byType.get(type) ?? [];

/** Every resource type of the compartment, for building allow-lists and capability statements. */
export const compartmentTypes = (): readonly string[] => [...byType.keys()];
