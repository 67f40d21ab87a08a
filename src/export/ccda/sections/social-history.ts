/**
 * Social History Section (V3), 2.16.840.1.113883.10.20.22.2.17:2015-08-01 (required in a CCD; written with
 * nullFlavor NI when the record has nothing for it). Smoking status (LOINC 72166-2 with a SNOMED CT answer) is a
 * Smoking Status - Meaningful Use observation (4.78:2014-06-09, a point in time, CONF:1098-32894..32897); every
 * other social-history or survey observation is a Social History Observation (4.38:2015-08-01).
 */
import type { Observation } from '@medplum/fhirtypes';
import { codeSystemOf, OID } from '../code-systems.ts';
import type { BuildContext } from '../context.ts';
import { cd, entryId, templateIds } from '../data-types.ts';
import { conceptText } from '../display.ts';
import { idAllocator, row, textReference } from '../narrative.ts';
import { valueElement, valueText } from '../observation-value.ts';
import { emptySection, tableSection } from '../section.ts';
import { el, type XmlElement } from '../xml.ts';
import { observationTime } from './results.ts';

const SECTION = { templateIds: templateIds('2.16.840.1.113883.10.20.22.2.17', '2015-08-01', true), code: ['29762-2', 'Social history Narrative'] } as const;

const isLoinc = (coding: { system?: string }) => codeSystemOf(coding.system)?.oid === OID.loinc;
const smokingAnswer = (observation: Observation) =>
  observation.code?.coding?.some((c) => isLoinc(c) && c.code === '72166-2') &&
  observation.valueCodeableConcept?.coding?.some((c) => codeSystemOf(c.system)?.oid === OID.snomed && c.code && /^\S+$/.test(c.code));

function smokingStatus(observation: Observation, rowId: string, ctx: BuildContext): XmlElement {
  const time = ctx.time(observation.effectiveDateTime ?? observation.effectivePeriod?.start ?? observation.effectiveInstant ?? observation.issued);
  return el(
    'observation',
    { classCode: 'OBS', moodCode: 'EVN' },
    templateIds('2.16.840.1.113883.10.20.22.4.78', '2014-06-09', true),
    entryId(observation),
    el(
      'code',
      { code: '72166-2', codeSystem: OID.loinc, codeSystemName: 'LOINC', displayName: 'Tobacco smoking status' },
      el('originalText', {}, el('reference', { value: `#${rowId}-name` })),
    ),
    textReference(rowId),
    el('statusCode', { code: 'completed' }),
    time ? el('effectiveTime', { value: time }) : el('effectiveTime', { nullFlavor: 'UNK' }),
    cd('value', observation.valueCodeableConcept, { xsiType: 'CD', prefer: [OID.snomed], ref: `${rowId}-value` }),
  );
}

function socialHistoryObservation(observation: Observation, rowId: string, ctx: BuildContext): XmlElement {
  const code = cd('code', observation.code, { prefer: [OID.loinc, OID.snomed], ref: `${rowId}-name` });
  // CONF:1198-32951: a code outside LOINC carries a LOINC translation; the generic one when the record has none.
  const loinc = code.attributes.some(([name, value]) => name === 'codeSystem' && value === OID.loinc);
  const withTranslation = loinc
    ? code
    : el(
        'code',
        Object.fromEntries(code.attributes),
        code.children,
        code.children.some((child) => typeof child !== 'string' && child.name === 'translation')
          ? undefined
          : el('translation', { code: '8689-2', codeSystem: OID.loinc, codeSystemName: 'LOINC', displayName: 'History of Social function' }),
      );
  return el(
    'observation',
    { classCode: 'OBS', moodCode: 'EVN' },
    templateIds('2.16.840.1.113883.10.20.22.4.38', '2015-08-01', true),
    entryId(observation),
    withTranslation,
    textReference(rowId),
    el('statusCode', { code: 'completed' }),
    observationTime(observation, ctx),
    valueElement(observation, ctx, `${rowId}-value`),
  );
}

export function socialHistorySection(observations: readonly Observation[], ctx: BuildContext): XmlElement {
  const title = ctx.label('section.socialHistory');
  if (observations.length === 0) return emptySection({ ...SECTION, title }, ctx.label('empty.socialHistory'));
  const nextId = idAllocator('social');
  const rows: XmlElement[] = [];
  const entries: XmlElement[] = [];
  for (const observation of observations) {
    const rowId = nextId();
    const components = (observation.component ?? []).map((c) => `${conceptText(c.code)}: ${valueText(c, ctx)}`);
    rows.push(
      row(rowId, [
        { id: `${rowId}-name`, text: conceptText(observation.code) },
        { id: `${rowId}-value`, text: [valueText(observation, ctx), ...components].filter(Boolean).join('; ') },
        ctx.dateText(observation.effectiveDateTime ?? observation.effectivePeriod?.start ?? observation.effectiveInstant ?? observation.issued),
      ]),
    );
    entries.push(smokingAnswer(observation) ? smokingStatus(observation, rowId, ctx) : socialHistoryObservation(observation, rowId, ctx));
  }
  const headers = ['column.observation', 'column.result', 'column.date'] as const;
  return tableSection(
    { ...SECTION, title, entries },
    headers.map((h) => ctx.label(h)),
    rows,
  );
}
