/**
 * Allergies and Intolerances Section (entries required) (V3), 2.16.840.1.113883.10.20.22.2.6.1:2015-08-01.
 * One Allergy Concern Act (4.30:2015-08-01) per AllergyIntolerance, holding an Allergy - Intolerance
 * Observation (4.7:2014-06-09) with the substance as consumable participant, its criticality (4.145) and its
 * reactions (4.9) with their severity (4.8). "No known allergy" codes become a negated observation
 * (C-CDA R2.1 Vol. 2 §3.6, negationInd with the substance nullFlavored NA).
 */
import type { AllergyIntolerance, AllergyIntoleranceReaction } from '@medplum/fhirtypes';
import { OID } from '../code-systems.ts';
import type { BuildContext } from '../context.ts';
import { cd, entryId, templateIds } from '../data-types.ts';
import { codeText, conceptText, statusText } from '../display.ts';
import { type Cell, idAllocator, row, textReference } from '../narrative.ts';
import { emptySection, tableSection } from '../section.ts';
import { el, type XmlElement } from '../xml.ts';

const SECTION = { templateIds: templateIds('2.16.840.1.113883.10.20.22.2.6.1', '2015-08-01', true), code: ['48765-2', 'Allergies and adverse reactions Document'] } as const;

/** Allergy and Intolerance Type (2.16.840.1.113883.3.88.12.3221.6.2), from FHIR type × category. */
function allergyType(allergy: AllergyIntolerance, category = allergy.category?.[0]): readonly [string, string] {
  if (allergy.type === 'allergy') {
    if (category === 'medication') return ['416098002', 'Allergy to drug'];
    if (category === 'food') return ['414285001', 'Allergy to food'];
    return ['419199007', 'Allergy to substance'];
  }
  if (allergy.type === 'intolerance') {
    if (category === 'medication') return ['59037007', 'Intolerance to drug'];
    if (category === 'food') return ['235719002', 'Intolerance to food'];
    return ['418038007', 'Propensity to adverse reactions to substance'];
  }
  if (category === 'medication') return ['419511003', 'Propensity to adverse reactions to drug'];
  if (category === 'food') return ['418471000', 'Propensity to adverse reactions to food'];
  return ['420134006', 'Propensity to adverse reactions'];
}

/** SNOMED CT "no known …" findings → the category they deny (C-CDA "No Known Allergies" pattern). */
const noKnown: Readonly<Record<string, AllergyIntolerance['category']>> = {
  '716186003': undefined, // No known allergy
  '409137002': ['medication'], // No known drug allergy
  '429625007': ['food'], // No known food allergy
  '428607008': ['environment'], // No known environmental allergy
};
const noKnownCode = (allergy: AllergyIntolerance) => allergy.code?.coding?.find((c) => c.system === 'http://snomed.info/sct' && c.code && c.code in noKnown)?.code;

/** Severity (2.16.840.1.113883.3.88.12.3221.6.8), SNOMED CT. */
const severities = { mild: ['255604002', 'Mild'], moderate: ['6736007', 'Moderate'], severe: ['24484000', 'Severe'] } as const;
/** Criticality Observation (2.16.840.1.113883.1.11.20549), HL7 ObservationValue. */
const criticalities = { low: ['CRITL', 'Low criticality'], high: ['CRITH', 'High criticality'], 'unable-to-assess': ['CRITU', 'Unable to assess criticality'] } as const;

const clinicalStatus = (allergy: AllergyIntolerance) => allergy.clinicalStatus?.coding?.find((c) => c.code)?.code;
const isActive = (allergy: AllergyIntolerance) => {
  const status = clinicalStatus(allergy);
  return status === undefined || status === 'active';
};

function severityObservation(allergy: AllergyIntolerance, reaction: AllergyIntoleranceReaction, index: number): XmlElement | undefined {
  const severity = reaction.severity ? severities[reaction.severity] : undefined;
  if (!severity) return undefined;
  return el(
    'entryRelationship',
    { typeCode: 'SUBJ', inversionInd: 'true' },
    el(
      'observation',
      { classCode: 'OBS', moodCode: 'EVN' },
      templateIds('2.16.840.1.113883.10.20.22.4.8', '2014-06-09', true),
      entryId(allergy, `severity-${index}`),
      el('code', { code: 'SEV', codeSystem: OID.actCode, codeSystemName: 'HL7ActCode', displayName: 'Severity' }),
      el('statusCode', { code: 'completed' }),
      el('value', { 'xsi:type': 'CD', code: severity[0], codeSystem: OID.snomed, codeSystemName: 'SNOMED CT', displayName: severity[1] }),
    ),
  );
}

function reactionObservations(allergy: AllergyIntolerance, reactionCell: string, rowId: string, ctx: BuildContext): XmlElement[] {
  const observations: XmlElement[] = [];
  (allergy.reaction ?? []).forEach((reaction, reactionIndex) => {
    (reaction.manifestation ?? []).forEach((manifestation, manifestationIndex) => {
      const onset = ctx.time(reaction.onset);
      observations.push(
        el(
          'entryRelationship',
          { typeCode: 'MFST', inversionInd: 'true' },
          el(
            'observation',
            { classCode: 'OBS', moodCode: 'EVN' },
            templateIds('2.16.840.1.113883.10.20.22.4.9', '2014-06-09', true),
            entryId(allergy, `reaction-${reactionIndex}-${manifestationIndex}`),
            el('code', { code: 'ASSERTION', codeSystem: OID.actCode, codeSystemName: 'HL7ActCode' }),
            textReference(rowId),
            el('statusCode', { code: 'completed' }),
            onset ? el('effectiveTime', {}, el('low', { value: onset })) : undefined,
            cd('value', manifestation, { xsiType: 'CD', prefer: [OID.snomed], ref: reactionCell }),
            severityObservation(allergy, reaction, reactionIndex),
          ),
        ),
      );
    });
  });
  return observations;
}

function criticalityObservation(allergy: AllergyIntolerance): XmlElement | undefined {
  const criticality = allergy.criticality ? criticalities[allergy.criticality] : undefined;
  if (!criticality) return undefined;
  return el(
    'entryRelationship',
    { typeCode: 'SUBJ', inversionInd: 'true' },
    el(
      'observation',
      { classCode: 'OBS', moodCode: 'EVN' },
      templateIds('2.16.840.1.113883.10.20.22.4.145'),
      entryId(allergy, 'criticality'),
      el('code', { code: '82606-5', codeSystem: OID.loinc, codeSystemName: 'LOINC', displayName: 'Criticality' }),
      el('statusCode', { code: 'completed' }),
      el('value', { 'xsi:type': 'CD', code: criticality[0], codeSystem: OID.observationValue, codeSystemName: 'HL7ObservationValue', displayName: criticality[1] }),
    ),
  );
}

function reactionText(allergy: AllergyIntolerance, ctx: BuildContext): string {
  return (allergy.reaction ?? [])
    .map((reaction) => {
      const manifestations = (reaction.manifestation ?? []).map(conceptText).filter(Boolean).join(', ');
      const severity = reaction.severity ? ctx.label('text.severity', { severity: codeText(ctx, 'severity', reaction.severity) }) : '';
      return [manifestations || conceptText(reaction.substance), severity].filter(Boolean).join(' — ');
    })
    .filter(Boolean)
    .join('; ');
}

function allergyEntry(allergy: AllergyIntolerance, rowId: string, cells: { substance: string; type: string; reaction: string }, ctx: BuildContext): XmlElement {
  const denied = noKnownCode(allergy);
  const category = denied ? noKnown[denied]?.[0] : allergy.category?.[0];
  const [typeCode, typeDisplay] = allergyType(allergy, category);
  const active = isActive(allergy);
  const recorded = ctx.time(allergy.recordedDate) ?? ctx.time(allergy.onsetDateTime ?? allergy.onsetPeriod?.start);
  const resolvedAt = ctx.time(allergy.lastOccurrence ?? allergy.onsetPeriod?.end);
  const onset = ctx.time(allergy.onsetDateTime ?? allergy.onsetPeriod?.start);
  return el(
    'act',
    { classCode: 'ACT', moodCode: 'EVN' },
    templateIds('2.16.840.1.113883.10.20.22.4.30', '2015-08-01', true),
    entryId(allergy, 'concern'),
    el('code', { code: 'CONC', codeSystem: OID.actClass, codeSystemName: 'HL7ActClass', displayName: 'Concern' }),
    textReference(rowId),
    el('statusCode', { code: active ? 'active' : 'completed' }),
    el(
      'effectiveTime',
      {},
      recorded ? el('low', { value: recorded }) : el('low', { nullFlavor: 'UNK' }),
      active ? undefined : resolvedAt ? el('high', { value: resolvedAt }) : el('high', { nullFlavor: 'UNK' }),
    ),
    el(
      'entryRelationship',
      { typeCode: 'SUBJ' },
      el(
        'observation',
        { classCode: 'OBS', moodCode: 'EVN', negationInd: denied ? 'true' : undefined },
        templateIds('2.16.840.1.113883.10.20.22.4.7', '2014-06-09', true),
        entryId(allergy),
        el('code', { code: 'ASSERTION', codeSystem: OID.actCode, codeSystemName: 'HL7ActCode' }),
        textReference(rowId),
        el('statusCode', { code: 'completed' }),
        el('effectiveTime', {}, onset ? el('low', { value: onset }) : el('low', { nullFlavor: 'UNK' })),
        el(
          'value',
          { 'xsi:type': 'CD', code: typeCode, codeSystem: OID.snomed, codeSystemName: 'SNOMED CT', displayName: typeDisplay },
          el('originalText', {}, el('reference', { value: `#${cells.type}` })),
        ),
        el(
          'participant',
          { typeCode: 'CSM' },
          el(
            'participantRole',
            { classCode: 'MANU' },
            el(
              'playingEntity',
              { classCode: 'MMAT' },
              denied ? el('code', { nullFlavor: 'NA' }) : cd('code', allergy.code, { prefer: [OID.rxnorm, OID.snomed, OID.unii, OID.ndfrt, OID.ndc], ref: cells.substance }),
            ),
          ),
        ),
        criticalityObservation(allergy),
        reactionObservations(allergy, cells.reaction, rowId, ctx),
      ),
    ),
  );
}

export function allergiesSection(allergies: readonly AllergyIntolerance[], ctx: BuildContext): XmlElement {
  const title = ctx.label('section.allergies');
  if (allergies.length === 0) return emptySection({ ...SECTION, title }, ctx.label('empty.allergies'));
  const nextId = idAllocator('allergy');
  const rows: XmlElement[] = [];
  const entries: XmlElement[] = [];
  for (const allergy of allergies) {
    const rowId = nextId();
    const cells = { substance: `${rowId}-substance`, type: `${rowId}-type`, reaction: `${rowId}-reaction` };
    const typeWords = [allergy.type ? codeText(ctx, 'allergyType', allergy.type) : '', (allergy.category ?? []).map((c) => codeText(ctx, 'allergyCategory', c)).join(', ')]
      .filter(Boolean)
      .join(' — ');
    const narrativeCells: Cell[] = [
      { id: cells.substance, text: conceptText(allergy.code) },
      { id: cells.type, text: typeWords },
      { id: cells.reaction, text: reactionText(allergy, ctx) },
      codeText(ctx, 'criticality', allergy.criticality),
      statusText(ctx, 'allergy', clinicalStatus(allergy)),
      ctx.dateText(allergy.onsetDateTime ?? allergy.onsetPeriod?.start ?? allergy.recordedDate),
    ];
    rows.push(row(rowId, narrativeCells));
    entries.push(allergyEntry(allergy, rowId, cells, ctx));
  }
  const headers = ['column.substance', 'column.allergyType', 'column.reaction', 'column.criticality', 'column.status', 'column.onset'] as const;
  return tableSection(
    { ...SECTION, title, entries },
    headers.map((h) => ctx.label(h)),
    rows,
  );
}
