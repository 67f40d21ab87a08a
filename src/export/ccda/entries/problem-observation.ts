/**
 * Problem Observation (V3), 2.16.840.1.113883.10.20.22.4.4:2015-08-01 — a Condition as C-CDA states it. Used by
 * the Problems section (inside a Problem Concern Act), by encounters (inside an Encounter Diagnosis) and by
 * Health Concerns (referred to by a Health Concern Act).
 */
import type { Condition } from '@medplum/fhirtypes';
import { OID } from '../code-systems.ts';
import type { BuildContext } from '../context.ts';
import { cd, entryId, templateIds } from '../data-types.ts';
import { textReference } from '../narrative.ts';
import { el, type XmlElement } from '../xml.ts';

/** Problem Type (SNOMED CT, 2.16.840.1.113883.3.88.12.3221.7.2) with its LOINC twin (Problem Type (LOINC), CONF:1198-32950). */
const problemTypes = {
  problem: { snomed: ['55607006', 'Problem'], loinc: ['75326-9', 'Problem'] },
  diagnosis: { snomed: ['282291009', 'Diagnosis'], loinc: ['29308-4', 'Diagnosis'] },
  concern: { snomed: ['55607006', 'Problem'], loinc: ['75326-9', 'Problem'] },
} as const;
export type ProblemType = keyof typeof problemTypes;

const codeOf = (concept: Condition['clinicalStatus']) => concept?.coding?.find((c) => c.code)?.code;
export const isResolved = (condition: Condition): boolean => {
  const status = codeOf(condition.clinicalStatus);
  return status === 'inactive' || status === 'remission' || status === 'resolved' || (!status && !!(condition.abatementDateTime ?? condition.abatementPeriod));
};

export const onsetOf = (condition: Condition): string | undefined => condition.onsetDateTime ?? condition.onsetPeriod?.start;
export const abatementOf = (condition: Condition): string | undefined => condition.abatementDateTime ?? condition.abatementPeriod?.end ?? condition.abatementPeriod?.start;

export interface ProblemNarrative {
  /** The row that says the problem. */
  readonly row: string;
  /** The cell holding the problem's name. */
  readonly name: string;
}

export function problemObservation(condition: Condition, type: ProblemType, narrative: ProblemNarrative, ctx: BuildContext): XmlElement {
  const kind = problemTypes[type];
  const abated = abatementOf(condition);
  const high = ctx.time(abated) ? el('high', { value: ctx.time(abated) }) : isResolved(condition) ? el('high', { nullFlavor: 'UNK' }) : undefined;
  const onset = ctx.time(onsetOf(condition));
  return el(
    'observation',
    { classCode: 'OBS', moodCode: 'EVN' },
    templateIds('2.16.840.1.113883.10.20.22.4.4', '2015-08-01', true),
    entryId(condition, 'problem'),
    el(
      'code',
      { code: kind.snomed[0], codeSystem: OID.snomed, codeSystemName: 'SNOMED CT', displayName: kind.snomed[1] },
      el('translation', { code: kind.loinc[0], codeSystem: OID.loinc, codeSystemName: 'LOINC', displayName: kind.loinc[1] }),
    ),
    textReference(narrative.row),
    el('statusCode', { code: 'completed' }),
    el('effectiveTime', {}, onset ? el('low', { value: onset }) : el('low', { nullFlavor: 'UNK' }), high),
    cd('value', condition.code, { xsiType: 'CD', prefer: [OID.snomed, OID.icd10cm, OID.icd9cm], ref: narrative.name }),
  );
}
