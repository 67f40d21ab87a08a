/**
 * buildCcd: a C-CDA R2.1 Continuity of Care Document (2.16.840.1.113883.10.20.22.1.2:2015-08-01) from the
 * patient's FHIR record, as XML text. Pure: no I/O, the same input gives the same document.
 *
 * The six sections a CCD requires are always written (with nullFlavor NI and a sentence when the record has
 * nothing for them): Allergies, Medications, Problems, Results, Social History, Vital Signs. Encounters,
 * Immunizations, Procedures, Plan of Treatment, Goals and Health Concerns are written when the record has
 * them. select.ts says which resource goes where and what is left out; the validity of the output against
 * CDA_SDTC.xsd and the HL7 C-CDA R2.1 schematron is what test/unit/export/ccda proves.
 */
import { createContext } from './context.ts';
import { header } from './header.ts';
import type { CcdInput } from './model.ts';
import { allergiesSection } from './sections/allergies.ts';
import { encountersSection } from './sections/encounters.ts';
import { goalsSection } from './sections/goals.ts';
import { healthConcernsSection } from './sections/health-concerns.ts';
import { immunizationsSection } from './sections/immunizations.ts';
import { medicationsSection } from './sections/medications.ts';
import { planOfTreatmentSection } from './sections/plan-of-treatment.ts';
import { problemsSection } from './sections/problems.ts';
import { proceduresSection } from './sections/procedures.ts';
import { resultsSection } from './sections/results.ts';
import { socialHistorySection } from './sections/social-history.ts';
import { vitalSignsSection } from './sections/vital-signs.ts';
import { selectForCcd } from './select.ts';
import { el, serializeXml } from './xml.ts';

export function buildCcd(input: CcdInput): string {
  const ctx = createContext(input);
  const selection = selectForCcd(input.patient, input.resources, ctx.resolve, input.timeZone, input.range);
  const sections = [
    allergiesSection(selection.allergies, ctx),
    medicationsSection(selection.medications, ctx),
    problemsSection(selection.problems, ctx),
    resultsSection(selection.results, ctx),
    socialHistorySection(selection.socialHistory, ctx),
    vitalSignsSection(selection.vitalSigns, ctx),
    encountersSection(selection.encounters, ctx),
    immunizationsSection(selection.immunizations, ctx),
    proceduresSection(selection.procedures, ctx),
    planOfTreatmentSection(selection.carePlans, ctx),
    goalsSection(selection.goals, ctx),
    healthConcernsSection(selection.healthConcerns, ctx),
  ];
  const document = el(
    'ClinicalDocument',
    { xmlns: 'urn:hl7-org:v3', 'xmlns:xsi': 'http://www.w3.org/2001/XMLSchema-instance', 'xmlns:sdtc': 'urn:hl7-org:sdtc' },
    header(input, selection, ctx),
    el('component', {}, el('structuredBody', {}, sections)),
  );
  return serializeXml(document);
}
