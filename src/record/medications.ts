/** Medications (MedicationRequest, with the Medication it names): current and past, dosage in words. */
import type { Medication, MedicationRequest } from '@medplum/fhirtypes';
import { conceptText, dateText, referenceText, statusText } from './format.ts';
import { dosageText } from './dosage.ts';
import { namesOf } from './resource-names.ts';
import { facts, isType, newestFirst, type RecordGroup, type SectionContext } from './section.ts';

const currentStatuses = new Set(['active', 'on-hold', 'draft']);

export async function loadMedications({ record, fmt }: SectionContext): Promise<RecordGroup[]> {
  const { matches, included } = await record.search<MedicationRequest>(
    `MedicationRequest?patient=${record.patient}&_include=MedicationRequest:medication&_count=100&_sort=-authoredon`,
  );
  const medications = new Map(included.filter(isType<Medication>('Medication')).map((m) => [`Medication/${m.id}`, m]));
  const names = namesOf(included);
  const shown = newestFirst(
    matches.filter((m) => m.status !== 'entered-in-error'),
    (m) => m.authoredOn,
  );
  const item = (m: MedicationRequest) => ({
    title:
      conceptText(m.medicationCodeableConcept) ||
      conceptText(medications.get(m.medicationReference?.reference ?? '')?.code) ||
      m.medicationReference?.display ||
      fmt.t('medications.unnamed'),
    period: { start: m.authoredOn, ongoing: currentStatuses.has(m.status) },
    facts: facts(
      { label: fmt.t('fact.dosage'), value: dosageText(fmt, m.dosageInstruction) },
      { label: fmt.t('fact.prescribedOn'), value: dateText(fmt, m.authoredOn) },
      { label: fmt.t('fact.prescriber'), value: referenceText(m.requester, names) },
      { label: fmt.t('fact.reason'), value: (m.reasonCode ?? []).map(conceptText).join(', ') },
      { label: fmt.t('fact.status'), value: statusText(fmt, m.status) },
    ),
  });
  return [
    { heading: fmt.t('medications.current'), items: shown.filter((m) => currentStatuses.has(m.status)).map(item), empty: fmt.t('medications.noneCurrent') },
    { heading: fmt.t('medications.past'), items: shown.filter((m) => !currentStatuses.has(m.status)).map(item), empty: fmt.t('medications.nonePast') },
  ];
}
