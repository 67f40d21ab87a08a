import type { HumanName, Identifier, Patient } from '@medplum/fhirtypes';

/** "Given Family" from the official (or first) name, for greetings and forms. */
export function displayName(names: readonly HumanName[] | undefined): string {
  const name = names?.find((n) => n.use === 'official') ?? names?.[0];
  if (!name) return '';
  if (name.text) return name.text;
  return [...(name.given ?? []), name.family].filter(Boolean).join(' ');
}

const isMrn = (identifier: Identifier) => identifier.type?.coding?.some((c) => c.code === 'MR') ?? false;

/** The patient's medical record number (the identifier typed MR in v2-0203). */
export const medicalRecordNumber = (patient: Patient): string | undefined => patient.identifier?.find(isMrn)?.value;
