/**
 * The patient-compartment read mix a SMART app sends, the same paths to HAPI directly and through the
 * facade: one source for `npm run bench:facade` and `npm run load`, so their figures compare.
 */
export const readMix = (patientId: string): string[] => [
  `Patient/${patientId}`,
  `Observation?patient=${patientId}&_count=50`,
  `Observation?patient=${patientId}&category=laboratory&_count=20`,
  `Condition?patient=${patientId}`,
  `Encounter?patient=${patientId}&_count=20`,
  `MedicationRequest?patient=${patientId}`,
  `Immunization?patient=${patientId}`,
  `DiagnosticReport?patient=${patientId}&_count=20`,
];
