/**
 * The record's sections in the order patients see them: the home page's map, the section menu
 * and the router are all built from this one list.
 */
import type { MessageKey } from '../core/i18n/translate.ts';
import { loadAllergies } from './allergies.ts';
import { loadAppointments } from './appointments.ts';
import { loadCarePlan } from './care-plan.ts';
import { loadCareTeam } from './care-team.ts';
import { loadDocuments } from './documents.ts';
import { loadImmunizations } from './immunizations.ts';
import { loadMedications } from './medications.ts';
import { loadProblems } from './problems.ts';
import { loadProcedures } from './procedures.ts';
import type { RecordGroup, SectionContext } from './section.ts';
import { loadVisits } from './visits.ts';

export interface SectionLink {
  readonly slug: string;
  readonly titleKey: MessageKey;
  readonly summaryKey: MessageKey;
}

/** List-style sections: a loader returning groups of items, rendered by one view. */
export interface ListSection extends SectionLink {
  readonly load: (ctx: SectionContext) => Promise<RecordGroup[]>;
}

export const listSections: readonly ListSection[] = [
  { slug: 'problems', titleKey: 'section.problems', summaryKey: 'summary.problems', load: loadProblems },
  { slug: 'medications', titleKey: 'section.medications', summaryKey: 'summary.medications', load: loadMedications },
  { slug: 'allergies', titleKey: 'section.allergies', summaryKey: 'summary.allergies', load: loadAllergies },
  { slug: 'immunizations', titleKey: 'section.immunizations', summaryKey: 'summary.immunizations', load: loadImmunizations },
  { slug: 'procedures', titleKey: 'section.procedures', summaryKey: 'summary.procedures', load: loadProcedures },
  { slug: 'visits', titleKey: 'section.visits', summaryKey: 'summary.visits', load: loadVisits },
  { slug: 'documents', titleKey: 'section.documents', summaryKey: 'summary.documents', load: loadDocuments },
  { slug: 'care-team', titleKey: 'section.careTeam', summaryKey: 'summary.careTeam', load: loadCareTeam },
  { slug: 'appointments', titleKey: 'section.appointments', summaryKey: 'summary.appointments', load: loadAppointments },
  { slug: 'care-plan', titleKey: 'section.carePlan', summaryKey: 'summary.carePlan', load: loadCarePlan },
];

const chartSections: readonly SectionLink[] = [
  { slug: 'results', titleKey: 'section.results', summaryKey: 'summary.results' },
  { slug: 'vitals', titleKey: 'section.vitals', summaryKey: 'summary.vitals' },
];

/** Every section in menu order (results and vitals have views of their own): what matters most day to day first. */
const menuOrder = ['problems', 'medications', 'allergies', 'results', 'vitals', 'immunizations', 'procedures', 'visits', 'documents', 'care-team', 'appointments', 'care-plan'];
export const allSections: readonly SectionLink[] = menuOrder.map((slug) => [...listSections, ...chartSections].find((s) => s.slug === slug)!);
