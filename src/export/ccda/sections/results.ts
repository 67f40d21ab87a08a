/**
 * Results Section (entries required) (V3), 2.16.840.1.113883.10.20.22.2.3.1:2015-08-01. One Result Organizer
 * (4.1:2015-08-01) per DiagnosticReport (BATTERY) holding a Result Observation (4.2:2015-08-01) per result it
 * lists, and one CLUSTER organizer per observation reported on its own. An observation's components become
 * observations of the same organizer; reference ranges and HL7 interpretation codes are carried over.
 */
import type { DiagnosticReport, Observation, ObservationReferenceRange } from '@medplum/fhirtypes';
import { OID } from '../code-systems.ts';
import type { BuildContext } from '../context.ts';
import { cd, entryId, pq, templateIds } from '../data-types.ts';
import { conceptText, conceptsText, rangeText } from '../display.ts';
import { hasValue, type ValueHolder, valueElement, valueText } from '../observation-value.ts';
import { idAllocator, row, textReference } from '../narrative.ts';
import type { ResultGroup } from '../select.ts';
import { emptySection, tableSection } from '../section.ts';
import { el, type XmlElement } from '../xml.ts';

const SECTION = {
  templateIds: templateIds('2.16.840.1.113883.10.20.22.2.3.1', '2015-08-01', true),
  code: ['30954-2', 'Relevant diagnostic tests/laboratory data Narrative'],
} as const;

/** FHIR Observation/DiagnosticReport status → Result Status (2.16.840.1.113883.11.20.9.39). */
export function resultStatus(status: string | undefined): string {
  switch (status) {
    case 'final':
    case 'amended':
    case 'corrected':
    case 'appended':
      return 'completed';
    case 'cancelled':
      return 'cancelled';
    default:
      return 'active';
  }
}

interface Timed {
  effectiveDateTime?: string;
  effectivePeriod?: { start?: string; end?: string };
  effectiveInstant?: string;
  issued?: string;
}
const startOf = (timed: Timed) => timed.effectiveDateTime ?? timed.effectivePeriod?.start ?? timed.effectiveInstant ?? timed.issued;
const endOf = (timed: Timed) => timed.effectivePeriod?.end ?? timed.effectiveDateTime ?? timed.effectiveInstant ?? timed.issued;

/** An observation's effectiveTime: a point, an interval, or nullFlavor UNK. */
export function observationTime(timed: Timed, ctx: BuildContext): XmlElement {
  if (timed.effectivePeriod) {
    const low = ctx.time(timed.effectivePeriod.start);
    const high = ctx.time(timed.effectivePeriod.end);
    return el('effectiveTime', {}, low ? el('low', { value: low }) : el('low', { nullFlavor: 'UNK' }), high ? el('high', { value: high }) : undefined);
  }
  const time = ctx.time(startOf(timed));
  return time ? el('effectiveTime', { value: time }) : el('effectiveTime', { nullFlavor: 'UNK' });
}

const INTERPRETATION = 'http://terminology.hl7.org/CodeSystem/v3-ObservationInterpretation';
/** interpretationCode from HL7 ObservationInterpretation codings (the value set C-CDA binds, CONF:1198-7147). */
export function interpretationCodes(observation: Pick<Observation, 'interpretation'>): XmlElement[] {
  const codes: XmlElement[] = [];
  for (const concept of observation.interpretation ?? []) {
    const coding = concept.coding?.find((c) => c.system === INTERPRETATION && c.code && /^\S+$/.test(c.code));
    if (coding)
      codes.push(
        el('interpretationCode', { code: coding.code, codeSystem: OID.observationInterpretation, codeSystemName: 'ObservationInterpretation', displayName: coding.display }),
      );
  }
  return codes;
}

function referenceRange(range: ObservationReferenceRange): XmlElement {
  return el(
    'referenceRange',
    {},
    el(
      'observationRange',
      {},
      range.text ? el('text', {}, range.text) : undefined,
      range.low || range.high
        ? el('value', { 'xsi:type': 'IVL_PQ' }, range.low ? pq('low', range.low) : undefined, range.high ? pq('high', range.high) : undefined)
        : el('value', { 'xsi:type': 'IVL_PQ', nullFlavor: 'OTH' }),
    ),
  );
}

/** One row and one Result Observation for an observation (or one of its components). */
interface Measured {
  readonly key: string;
  readonly code: Observation['code'];
  readonly value: ValueHolder;
  readonly ranges: readonly ObservationReferenceRange[];
  readonly interpretation: Observation['interpretation'];
}

function measuredParts(observation: Observation): Measured[] {
  const parts: Measured[] = [];
  const components = observation.component ?? [];
  if (hasValue(observation) || components.length === 0) {
    parts.push({ key: '', code: observation.code, value: observation, ranges: observation.referenceRange ?? [], interpretation: observation.interpretation });
  }
  components.forEach((component, index) => {
    parts.push({
      key: `component-${index}`,
      code: component.code,
      value: component,
      ranges: component.referenceRange ?? [],
      interpretation: component.interpretation,
    });
  });
  return parts;
}

function resultObservation(observation: Observation, part: Measured, rowId: string, ctx: BuildContext): XmlElement {
  return el(
    'observation',
    { classCode: 'OBS', moodCode: 'EVN' },
    templateIds('2.16.840.1.113883.10.20.22.4.2', '2015-08-01', true),
    entryId(observation, part.key),
    cd('code', part.code, { prefer: [OID.loinc, OID.snomed], ref: `${rowId}-name` }),
    textReference(rowId),
    el('statusCode', { code: resultStatus(observation.status) }),
    observationTime(observation, ctx),
    valueElement(part.value, ctx, `${rowId}-value`),
    interpretationCodes({ interpretation: part.interpretation }),
    part.ranges.map(referenceRange),
  );
}

function organizerTime(timed: Timed, ctx: BuildContext): XmlElement | undefined {
  const low = ctx.time(startOf(timed));
  const high = ctx.time(endOf(timed));
  if (!low && !high) return undefined;
  // CONF:1198-32488/32489: an organizer's effectiveTime has both low and high.
  return el('effectiveTime', {}, el('low', low ? { value: low } : { nullFlavor: 'UNK' }), el('high', high ? { value: high } : { nullFlavor: 'UNK' }));
}

/** A report without any result the caller may see still says what it concluded. */
function conclusionObservation(report: DiagnosticReport, rowId: string, ctx: BuildContext): XmlElement {
  const value: ValueHolder = report.conclusionCode?.[0] ? { valueCodeableConcept: report.conclusionCode[0] } : report.conclusion ? { valueString: report.conclusion } : {};
  return el(
    'observation',
    { classCode: 'OBS', moodCode: 'EVN' },
    templateIds('2.16.840.1.113883.10.20.22.4.2', '2015-08-01', true),
    entryId(report, 'conclusion'),
    cd('code', report.code, { prefer: [OID.loinc, OID.snomed], ref: `${rowId}-name` }),
    textReference(rowId),
    el('statusCode', { code: resultStatus(report.status) }),
    observationTime(report, ctx),
    valueElement(value, ctx, `${rowId}-value`),
  );
}

export function resultsSection(groups: readonly ResultGroup[], ctx: BuildContext): XmlElement {
  const title = ctx.label('section.results');
  if (groups.length === 0) return emptySection({ ...SECTION, title }, ctx.label('empty.results'));
  const nextId = idAllocator('result');
  const rows: XmlElement[] = [];
  const entries: XmlElement[] = [];
  for (const group of groups) {
    const { report } = group;
    const components: XmlElement[] = [];
    // The organizer's code points at the report's row, or (an observation on its own) at the observation's name.
    let organizerNameId: string | undefined;
    if (report) {
      const reportRow = nextId();
      organizerNameId = `${reportRow}-name`;
      rows.push(row(reportRow, [{ id: organizerNameId, text: conceptText(report.code) }, '', '', '', ctx.dateText(startOf(report))], 'Bold'));
      if (group.observations.length === 0) {
        const rowId = nextId();
        const conclusion = report.conclusion ?? conceptsText(report.conclusionCode);
        rows.push(row(rowId, [{ id: `${rowId}-name`, text: conceptText(report.code) }, { id: `${rowId}-value`, text: conclusion }, '', '', ctx.dateText(startOf(report))]));
        components.push(conclusionObservation(report, rowId, ctx));
      }
    }
    for (const observation of group.observations) {
      for (const part of measuredParts(observation)) {
        const rowId = nextId();
        organizerNameId ??= `${rowId}-name`;
        rows.push(
          row(rowId, [
            { id: `${rowId}-name`, text: conceptText(part.code) },
            { id: `${rowId}-value`, text: valueText(part.value, ctx) },
            part.ranges.map((r) => r.text ?? rangeText(r)).join('; '),
            conceptsText(part.interpretation),
            ctx.dateText(startOf(observation)),
          ]),
        );
        components.push(resultObservation(observation, part, rowId, ctx));
      }
    }
    const source: DiagnosticReport | Observation = report ?? group.observations[0]!;
    entries.push(
      el(
        'organizer',
        { classCode: report ? 'BATTERY' : 'CLUSTER', moodCode: 'EVN' },
        templateIds('2.16.840.1.113883.10.20.22.4.1', '2015-08-01', true),
        entryId(source, 'organizer'),
        cd('code', source.code, { prefer: [OID.loinc, OID.snomed, OID.cpt], ref: organizerNameId }),
        el('statusCode', { code: resultStatus(source.status) }),
        organizerTime(source, ctx),
        components.map((component) => el('component', {}, component)),
      ),
    );
  }
  const headers = ['column.test', 'column.result', 'column.referenceRange', 'column.interpretation', 'column.date'] as const;
  return tableSection(
    { ...SECTION, title, entries },
    headers.map((h) => ctx.label(h)),
    rows,
  );
}
