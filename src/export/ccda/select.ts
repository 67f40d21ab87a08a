/**
 * Which resources go into which CCD section, and which are left out. The rules (tests count entries by them):
 *
 * - Left out everywhere: anything marked entered-in-error; AllergyIntolerance and Condition whose
 *   verificationStatus is entered-in-error or refuted; Observation and DiagnosticReport with status cancelled
 *   (never made); Encounter planned or cancelled (did not take place); CareTeam not active.
 * - Plan of Treatment holds CarePlans that are still plans (draft, active, on-hold): a C-CDA Planned Act is
 *   always `active` (CONF:1098-32019), so completed or revoked plans are history, not plan.
 * - Observations: one that a DiagnosticReport lists goes into that report's result organizer only. Otherwise
 *   category vital-signs → Vital Signs, grouped by encounter and time into one organizer; category
 *   social-history or survey, or the smoking status code (LOINC 72166-2) → Social History; anything else
 *   (laboratory, imaging, procedure, exam, no category) → Results, one organizer each. A panel that only
 *   lists members (hasMember, no value, no component) is left out: its members carry the values.
 * - Conditions: category health-concern → Health Concerns; encounter-diagnosis → the encounter it names,
 *   when that encounter is in the document, else Problems; anything else → Problems.
 * - Care team (documentationOf/serviceEvent/performer): the Practitioners of active CareTeams; without one,
 *   the patient's general practitioners; without those, the practitioners of the encounters in the document.
 * - A date range keeps what overlaps it, read in the practice's time zone: an ongoing allergy, problem,
 *   medication, plan or goal overlaps every range after its start; something with no date at all is kept
 *   (nothing places it outside the range).
 */
import type {
  AllergyIntolerance,
  CarePlan,
  Condition,
  DiagnosticReport,
  Encounter,
  Goal,
  Immunization,
  MedicationRequest,
  Observation,
  Patient,
  Practitioner,
  Procedure,
} from '@medplum/fhirtypes';
import type { Resolve } from './context.ts';
import { hasValue } from './observation-value.ts';
import { localDay } from './hl7-time.ts';
import type { CcdRange, CcdResource } from './model.ts';

export interface ResultGroup {
  /** The report, or undefined for an observation reported on its own. */
  readonly report?: DiagnosticReport;
  readonly observations: readonly Observation[];
}

export interface VitalSignsGroup {
  readonly key: string;
  readonly time: string | undefined;
  readonly observations: readonly Observation[];
}

export interface EncounterEntry {
  readonly encounter: Encounter;
  readonly diagnoses: readonly Condition[];
}

export interface CareTeamMember {
  readonly practitioner: Practitioner;
  /** PCP when the member is the patient's general practitioner. */
  readonly primaryCare: boolean;
}

export interface CcdSelection {
  readonly allergies: readonly AllergyIntolerance[];
  readonly medications: readonly MedicationRequest[];
  readonly problems: readonly Condition[];
  readonly healthConcerns: readonly Condition[];
  readonly results: readonly ResultGroup[];
  readonly vitalSigns: readonly VitalSignsGroup[];
  readonly socialHistory: readonly Observation[];
  readonly encounters: readonly EncounterEntry[];
  readonly immunizations: readonly Immunization[];
  readonly procedures: readonly Procedure[];
  readonly carePlans: readonly CarePlan[];
  readonly goals: readonly Goal[];
  readonly careTeam: readonly CareTeamMember[];
  /** First and last practice-local day of what the document holds (for serviceEvent when the range is open). */
  readonly span: { readonly start?: string; readonly end?: string };
}

/** When something was true: practice-local days; `ongoing` when it has not ended. */
interface Span {
  readonly start?: string | undefined;
  readonly end?: string | undefined;
  readonly ongoing?: boolean;
}

const codeOf = (concept: { coding?: { code?: string }[] } | undefined) => concept?.coding?.find((c) => c.code)?.code;
const hasCode = (concepts: readonly { coding?: { code?: string }[] }[] | undefined, code: string) =>
  concepts?.some((concept) => concept.coding?.some((c) => c.code === code)) ?? false;

const SMOKING_STATUS = '72166-2';
const isSmokingStatus = (observation: Observation) => observation.code?.coding?.some((c) => c.system === 'http://loinc.org' && c.code === SMOKING_STATUS) ?? false;

/** Kept by the "left out everywhere" rules above. */
export function isKept(resource: CcdResource): boolean {
  switch (resource.resourceType) {
    case 'AllergyIntolerance':
    case 'Condition': {
      const verification = codeOf(resource.verificationStatus);
      return verification !== 'entered-in-error' && verification !== 'refuted';
    }
    case 'Observation':
    case 'DiagnosticReport':
      return resource.status !== 'entered-in-error' && resource.status !== 'cancelled';
    case 'Encounter':
      return resource.status !== 'entered-in-error' && resource.status !== 'cancelled' && resource.status !== 'planned';
    case 'CarePlan':
      return resource.status === 'draft' || resource.status === 'active' || resource.status === 'on-hold';
    case 'Goal':
      return resource.lifecycleStatus !== 'entered-in-error';
    case 'CareTeam':
      return resource.status === undefined || resource.status === 'active';
    case 'MedicationRequest':
    case 'Immunization':
    case 'Procedure':
      return resource.status !== 'entered-in-error';
    default:
      return true;
  }
}

export function conditionKind(condition: Condition): 'health-concern' | 'encounter-diagnosis' | 'problem' {
  if (hasCode(condition.category, 'health-concern')) return 'health-concern';
  if (hasCode(condition.category, 'encounter-diagnosis')) return 'encounter-diagnosis';
  return 'problem';
}

const isVitalSign = (observation: Observation) => hasCode(observation.category, 'vital-signs');
const isSocialHistory = (observation: Observation) => isSmokingStatus(observation) || hasCode(observation.category, 'social-history') || hasCode(observation.category, 'survey');
const isPanelOnly = (observation: Observation) => (observation.hasMember?.length ?? 0) > 0 && !hasValue(observation) && !(observation.component?.length ?? 0);

function effectiveSpan(
  resource: { effectiveDateTime?: string; effectivePeriod?: { start?: string; end?: string }; effectiveInstant?: string; issued?: string },
  day: (v?: string) => string | undefined,
): Span {
  const start = day(resource.effectiveDateTime ?? resource.effectivePeriod?.start ?? resource.effectiveInstant ?? resource.issued);
  return { start, end: day(resource.effectivePeriod?.end) ?? start };
}

/** When each kind of resource was true (see the header: ongoing things overlap every later range). */
function spanOf(resource: CcdResource, day: (v?: string) => string | undefined): Span {
  switch (resource.resourceType) {
    case 'AllergyIntolerance': {
      const start = day(resource.onsetDateTime ?? resource.onsetPeriod?.start ?? resource.recordedDate);
      const status = codeOf(resource.clinicalStatus);
      if (status === undefined || status === 'active') return { start, ongoing: true };
      return { start, end: day(resource.lastOccurrence ?? resource.onsetPeriod?.end ?? resource.recordedDate) ?? start };
    }
    case 'Condition': {
      const start = day(resource.onsetDateTime ?? resource.onsetPeriod?.start ?? resource.recordedDate);
      const end = day(resource.abatementDateTime ?? resource.abatementPeriod?.end ?? resource.abatementPeriod?.start);
      if (end) return { start, end };
      const status = codeOf(resource.clinicalStatus);
      if (status === undefined || status === 'active' || status === 'recurrence' || status === 'relapse') return { start, ongoing: true };
      return { start, end: day(resource.recordedDate) ?? start };
    }
    case 'MedicationRequest': {
      const bounds = resource.dosageInstruction?.[0]?.timing?.repeat?.boundsPeriod;
      const start = day(bounds?.start ?? resource.authoredOn);
      const end = day(bounds?.end);
      if (end) return { start, end };
      const ongoing = resource.status === 'active' || resource.status === 'on-hold' || resource.status === 'draft';
      return ongoing ? { start, ongoing } : { start, end: start };
    }
    case 'Observation':
    case 'DiagnosticReport':
      return effectiveSpan(resource, day);
    case 'Immunization': {
      const start = day(resource.occurrenceDateTime ?? resource.recorded);
      return { start, end: start };
    }
    case 'Procedure': {
      const start = day(resource.performedDateTime ?? resource.performedPeriod?.start);
      return { start, end: day(resource.performedPeriod?.end) ?? start };
    }
    case 'Encounter': {
      const start = day(resource.period?.start);
      return { start, end: day(resource.period?.end) ?? start };
    }
    case 'CarePlan':
    case 'CareTeam': {
      const start = day(resource.period?.start);
      const end = day(resource.period?.end);
      return end ? { start, end } : { start, ongoing: true };
    }
    case 'Goal': {
      const start = day(resource.startDate ?? resource.statusDate);
      const done = resource.lifecycleStatus === 'completed' || resource.lifecycleStatus === 'cancelled' || resource.lifecycleStatus === 'rejected';
      return done ? { start, end: day(resource.statusDate) ?? start } : { start, ongoing: true };
    }
    default:
      return {};
  }
}

// Partial dates compare by their first and last possible day ("2019-04" runs from 2019-04-01 to 2019-04-31,
// which sorts after every real April day: good enough for comparing strings).
const firstDay = (day: string) => (day.length === 4 ? `${day}-01-01` : day.length === 7 ? `${day}-01` : day);
const lastDay = (day: string) => (day.length === 4 ? `${day}-12-31` : day.length === 7 ? `${day}-31` : day);

function overlaps(span: Span, range: CcdRange | undefined): boolean {
  if (!range?.from && !range?.to) return true;
  const known = span.start ?? span.end;
  if (!known) return true;
  const start = firstDay(span.start ?? known);
  const end = span.ongoing ? '9999-12-31' : lastDay(span.end ?? known);
  if (range.to && start > range.to) return false;
  if (range.from && end < range.from) return false;
  return true;
}

/** Newest first (by start, then end); undated last, in the record's order. */
function newestFirst<T>(items: readonly T[], spanFor: (item: T) => Span): T[] {
  const keyed = items.map((item, index) => ({ item, index, span: spanFor(item) }));
  keyed.sort((a, b) => {
    const sa = a.span.start ?? a.span.end ?? '';
    const sb = b.span.start ?? b.span.end ?? '';
    if (sa !== sb) return sa < sb ? 1 : -1;
    return a.index - b.index;
  });
  return keyed.map((k) => k.item);
}

export function selectForCcd(patient: Patient, resources: readonly CcdResource[], resolve: Resolve, timeZone: string, range: CcdRange | undefined): CcdSelection {
  const day = (value?: string) => localDay(value, timeZone);
  const spans = new Map<CcdResource, Span>();
  const span = (resource: CcdResource) => {
    let known = spans.get(resource);
    if (!known) {
      known = spanOf(resource, day);
      spans.set(resource, known);
    }
    return known;
  };
  const kept = resources.filter(isKept);
  const inRange = (resource: CcdResource) => overlaps(span(resource), range);
  const ofType = <K extends CcdResource['resourceType']>(type: K) => kept.filter((r): r is Extract<CcdResource, { resourceType: K }> => r.resourceType === type);

  // Observations a report lists belong to that report, whatever the report's own date or category.
  const reports = ofType('DiagnosticReport');
  const reported = new Set<Observation>();
  const reportMembers = new Map<DiagnosticReport, Observation[]>();
  for (const report of reports) {
    const members: Observation[] = [];
    for (const reference of report.result ?? []) {
      const observation = resolve(reference, 'Observation', report);
      if (observation && isKept(observation) && !members.includes(observation)) members.push(observation);
      if (observation) reported.add(observation);
    }
    reportMembers.set(report, members);
  }

  const results: ResultGroup[] = [];
  const vitalGroups = new Map<string, { key: string; time: string | undefined; observations: Observation[] }>();
  const socialHistory: Observation[] = [];
  for (const report of reports) if (inRange(report)) results.push({ report, observations: reportMembers.get(report)! });
  for (const observation of ofType('Observation')) {
    if (reported.has(observation) || isPanelOnly(observation) || !inRange(observation)) continue;
    if (isSocialHistory(observation)) socialHistory.push(observation);
    else if (isVitalSign(observation)) {
      const time = observation.effectiveDateTime ?? observation.effectivePeriod?.start ?? observation.effectiveInstant ?? observation.issued;
      const key = `${observation.encounter?.reference ?? ''}|${time ?? ''}`;
      const group = vitalGroups.get(key);
      if (group) group.observations.push(observation);
      else vitalGroups.set(key, { key, time, observations: [observation] });
    } else results.push({ observations: [observation] });
  }

  const encounters = newestFirst(ofType('Encounter').filter(inRange), span);
  const diagnosesOf = new Map<Encounter, Condition[]>(encounters.map((encounter) => [encounter, []]));
  const problems: Condition[] = [];
  const healthConcerns: Condition[] = [];
  for (const condition of ofType('Condition')) {
    const kind = conditionKind(condition);
    if (kind === 'encounter-diagnosis') {
      const encounter = resolve(condition.encounter, 'Encounter', condition);
      const list = encounter ? diagnosesOf.get(encounter) : undefined;
      if (list) {
        list.push(condition);
        continue;
      }
    }
    if (!inRange(condition)) continue;
    if (kind === 'health-concern') healthConcerns.push(condition);
    else problems.push(condition);
  }
  // Encounter.diagnosis may name conditions of any category: they are that encounter's diagnoses too.
  for (const encounter of encounters) {
    const list = diagnosesOf.get(encounter)!;
    for (const diagnosis of encounter.diagnosis ?? []) {
      const condition = resolve(diagnosis.condition, 'Condition', encounter);
      if (condition && isKept(condition) && !list.includes(condition)) list.push(condition);
    }
  }

  const careTeam: CareTeamMember[] = [];
  const addMember = (practitioner: Practitioner | undefined, primaryCare: boolean) => {
    if (practitioner && !careTeam.some((m) => m.practitioner === practitioner)) careTeam.push({ practitioner, primaryCare });
  };
  for (const team of ofType('CareTeam').filter(inRange)) {
    for (const participant of team.participant ?? []) addMember(resolve(participant.member, 'Practitioner', team), false);
  }
  if (careTeam.length === 0) for (const reference of patient.generalPractitioner ?? []) addMember(resolve(reference, 'Practitioner', patient), true);
  if (careTeam.length === 0) {
    for (const encounter of encounters) for (const participant of encounter.participant ?? []) addMember(resolve(participant.individual, 'Practitioner', encounter), false);
  }

  const selection = {
    allergies: newestFirst(ofType('AllergyIntolerance').filter(inRange), span),
    medications: newestFirst(ofType('MedicationRequest').filter(inRange), span),
    problems: newestFirst(problems, span),
    healthConcerns: newestFirst(healthConcerns, span),
    results: newestFirst(results, (group) => span(group.report ?? group.observations[0]!)),
    vitalSigns: newestFirst([...vitalGroups.values()], (group) => span(group.observations[0]!)),
    socialHistory: newestFirst(socialHistory, span),
    encounters: encounters.map((encounter) => ({ encounter, diagnoses: diagnosesOf.get(encounter)! })),
    immunizations: newestFirst(ofType('Immunization').filter(inRange), span),
    procedures: newestFirst(ofType('Procedure').filter(inRange), span),
    carePlans: newestFirst(ofType('CarePlan').filter(inRange), span),
    goals: ofType('Goal').filter(inRange),
    careTeam,
  };

  // The span of what the document holds, for serviceEvent when the caller gave no range.
  let start: string | undefined;
  let end: string | undefined;
  const widen = (resource: CcdResource) => {
    const s = span(resource);
    const first = s.start ?? s.end;
    const last = s.end ?? s.start;
    if (first && (!start || firstDay(first) < firstDay(start))) start = first;
    if (last && (!end || lastDay(last) > lastDay(end))) end = last;
  };
  for (const list of [
    selection.allergies,
    selection.medications,
    selection.problems,
    selection.healthConcerns,
    selection.socialHistory,
    selection.immunizations,
    selection.procedures,
  ]) {
    for (const resource of list) widen(resource);
  }
  for (const group of selection.results) widen(group.report ?? group.observations[0]!);
  for (const group of selection.vitalSigns) for (const observation of group.observations) widen(observation);
  for (const { encounter } of selection.encounters) widen(encounter);
  return { ...selection, span: { start, end } };
}
