/**
 * A hand-made record with what the Synthea bundles never have: a name with `<&"` and accents, no MRN, address,
 * telecom or race; partial dates; "no known allergies"; reactions with severity; a contained Medication;
 * health concerns and encounter diagnoses; comparator, string, boolean and absent values; a report whose results
 * the caller may not see; a refused vaccine; a care team; entered-in-error resources that must be left out.
 */
import type { Patient } from '@medplum/fhirtypes';
import type { CcdResource } from '../../../../src/export/ccda/model.ts';

const snomed = (code: string, display: string) => ({ coding: [{ system: 'http://snomed.info/sct', code, display }], text: display });
const loinc = (code: string, display: string) => ({ coding: [{ system: 'http://loinc.org', code, display }], text: display });
const category = (code: string, system = 'http://terminology.hl7.org/CodeSystem/observation-category') => [{ coding: [{ system, code }] }];
const clinical = (code: string, system: string) => ({ coding: [{ system, code }] });

export const edgePatient: Patient = {
  resourceType: 'Patient',
  id: 'edge-1',
  name: [{ use: 'official', given: ['María <José> & "Pepa"'], family: "Núñez-O'Brien" }],
  gender: 'other',
  birthDate: '1970',
  deceasedDateTime: '2024-02-29T23:30:00Z',
  communication: [{ language: { coding: [{ system: 'urn:ietf:bcp:47', code: 'es' }] }, preferred: true }],
  generalPractitioner: [{ reference: 'Practitioner/gp' }],
};

const conditionClinical = 'http://terminology.hl7.org/CodeSystem/condition-clinical';
const conditionCategory = 'http://terminology.hl7.org/CodeSystem/condition-category';
const allergyClinical = 'http://terminology.hl7.org/CodeSystem/allergyintolerance-clinical';

export const edgeResources: CcdResource[] = [
  {
    resourceType: 'Practitioner',
    id: 'gp',
    identifier: [{ system: 'http://hl7.org/fhir/sid/us-npi', value: '1234567893' }],
    name: [{ text: 'Dra. Ana <Ruiz> & Cía' }],
  },
  { resourceType: 'Practitioner', id: 'team-1', name: [{ given: ['Luis'], family: 'Peña' }], telecom: [{ system: 'email', value: 'luis@example.org' }] },
  { resourceType: 'CareTeam', id: 'team', status: 'active', participant: [{ member: { reference: 'Practitioner/team-1' } }] },
  { resourceType: 'Organization', id: 'org', name: 'Hospital "Central" & Clínicas' },

  // Allergies: no known allergy, one with reactions, one resolved intolerance, one entered in error.
  { resourceType: 'AllergyIntolerance', id: 'nka', patient: { reference: 'Patient/edge-1' }, code: snomed('716186003', 'No known allergy'), recordedDate: '2020-01-05' },
  {
    resourceType: 'AllergyIntolerance',
    id: 'peanut',
    patient: { reference: 'Patient/edge-1' },
    type: 'allergy',
    category: ['food'],
    criticality: 'high',
    clinicalStatus: clinical('active', allergyClinical),
    code: { coding: [{ system: 'http://snomed.info/sct', code: '256349002', display: 'Peanut' }], text: 'Cacahuate <maní>' },
    onsetDateTime: '2001-06',
    reaction: [
      { manifestation: [snomed('39579001', 'Anaphylaxis'), snomed('271807003', 'Eruption of skin')], severity: 'severe', onset: '2001-06-02' },
      { manifestation: [{ text: 'Itching "a lot"' }], severity: 'mild' },
    ],
  },
  {
    resourceType: 'AllergyIntolerance',
    id: 'codeine',
    patient: { reference: 'Patient/edge-1' },
    type: 'intolerance',
    category: ['medication'],
    clinicalStatus: clinical('resolved', allergyClinical),
    code: { coding: [{ system: 'http://www.nlm.nih.gov/research/umls/rxnorm', code: '2670', display: 'Codeine' }] },
    lastOccurrence: '2010-02-01',
  },
  {
    resourceType: 'AllergyIntolerance',
    id: 'mistake',
    patient: { reference: 'Patient/edge-1' },
    verificationStatus: clinical('entered-in-error', 'http://terminology.hl7.org/CodeSystem/allergyintolerance-verification'),
    code: { text: 'ENTERED IN ERROR' },
  },

  // Problems, a health concern, encounter diagnoses (one whose encounter is not in the record).
  {
    resourceType: 'Condition',
    id: 'diabetes',
    subject: { reference: 'Patient/edge-1' },
    clinicalStatus: clinical('active', conditionClinical),
    category: [clinical('problem-list-item', conditionCategory)],
    code: { coding: [{ system: 'http://hl7.org/fhir/sid/icd-10-cm', code: 'E11.9', display: 'Type 2 diabetes mellitus without complications' }], text: 'Diabetes tipo 2' },
    onsetDateTime: '2015-03',
  },
  {
    resourceType: 'Condition',
    id: 'free-text',
    subject: { reference: 'Patient/edge-1' },
    clinicalStatus: clinical('resolved', conditionClinical),
    code: { text: 'Dolor "raro" <sin código>' },
    onsetDateTime: '2018-01-01T08:00-05:00',
  },
  {
    resourceType: 'Condition',
    id: 'housing',
    subject: { reference: 'Patient/edge-1' },
    clinicalStatus: clinical('active', conditionClinical),
    category: [clinical('health-concern', 'http://hl7.org/fhir/us/core/CodeSystem/condition-category')],
    code: snomed('73438004', 'Unemployed'),
    recordedDate: '2023-05-01',
  },
  {
    resourceType: 'Condition',
    id: 'visit-dx',
    subject: { reference: 'Patient/edge-1' },
    encounter: { reference: 'Encounter/visit' },
    category: [clinical('encounter-diagnosis', conditionCategory)],
    code: snomed('444814009', 'Viral sinusitis'),
    onsetDateTime: '2023-06-01',
    abatementDateTime: '2023-06-20',
  },
  {
    resourceType: 'Condition',
    id: 'orphan-dx',
    subject: { reference: 'Patient/edge-1' },
    encounter: { reference: 'Encounter/not-visible' },
    category: [clinical('encounter-diagnosis', conditionCategory)],
    code: snomed('36971009', 'Sinusitis'),
    onsetDateTime: '2022-01-10',
  },
  {
    resourceType: 'Condition',
    id: 'refuted',
    subject: { reference: 'Patient/edge-1' },
    verificationStatus: clinical('refuted', 'http://terminology.hl7.org/CodeSystem/condition-ver-status'),
    code: { text: 'REFUTED' },
  },

  // Medications: contained Medication, structured dosage, a reason; one entered in error.
  {
    resourceType: 'MedicationRequest',
    id: 'metformin',
    status: 'active',
    intent: 'order',
    subject: { reference: 'Patient/edge-1' },
    contained: [
      {
        resourceType: 'Medication',
        id: 'med',
        code: { coding: [{ system: 'http://www.nlm.nih.gov/research/umls/rxnorm', code: '861007', display: 'metformin hydrochloride 500 MG Oral Tablet' }] },
      },
    ],
    medicationReference: { reference: '#med' },
    authoredOn: '2015-03-20',
    requester: { reference: 'Practitioner/gp' },
    reasonReference: [{ reference: 'Condition/diabetes' }],
    dosageInstruction: [
      {
        timing: { repeat: { frequency: 2, period: 1, periodUnit: 'd' } },
        doseAndRate: [{ doseQuantity: { value: 500, unit: 'mg', system: 'http://unitsofmeasure.org', code: 'mg' } }],
      },
    ],
  },
  {
    resourceType: 'MedicationRequest',
    id: 'text-only',
    status: 'stopped',
    intent: 'plan',
    subject: { reference: 'Patient/edge-1' },
    medicationCodeableConcept: { text: 'Té de manzanilla & miel' },
    authoredOn: '2019-07-01T09:15:00-05:00',
    dosageInstruction: [{ text: 'Una taza "por la noche" <si hay dolor>' }],
  },
  {
    resourceType: 'MedicationRequest',
    id: 'med-error',
    status: 'entered-in-error',
    intent: 'order',
    subject: { reference: 'Patient/edge-1' },
    medicationCodeableConcept: { text: 'ERROR' },
  },

  // Results: a report whose results are all outside what the caller may see, and odd values.
  {
    resourceType: 'DiagnosticReport',
    id: 'xray',
    status: 'final',
    subject: { reference: 'Patient/edge-1' },
    code: loinc('36643-5', 'XR Chest 2V'),
    effectiveDateTime: '2023-06-05T10:00:00Z',
    result: [{ reference: 'Observation/hidden' }],
    conclusion: 'Sin hallazgos <agudos> & normal',
  },
  {
    resourceType: 'DiagnosticReport',
    id: 'panel',
    status: 'final',
    subject: { reference: 'Patient/edge-1' },
    code: loinc('24323-8', 'Comprehensive metabolic panel'),
    effectiveDateTime: '2023-06-05T10:00:00Z',
    result: [{ reference: 'Observation/crp' }, { reference: 'Observation/comment' }],
  },
  {
    resourceType: 'Observation',
    id: 'crp',
    status: 'final',
    category: category('laboratory'),
    code: loinc('1988-5', 'C reactive protein'),
    effectiveDateTime: '2023-06-05T10:00:00Z',
    valueQuantity: { value: 0.5, comparator: '<', unit: 'mg/dL', system: 'http://unitsofmeasure.org', code: 'mg/dL' },
    referenceRange: [{ high: { value: 1, unit: 'mg/dL', system: 'http://unitsofmeasure.org', code: 'mg/dL' } }],
    interpretation: [{ coding: [{ system: 'http://terminology.hl7.org/CodeSystem/v3-ObservationInterpretation', code: 'N', display: 'Normal' }] }],
  },
  { resourceType: 'Observation', id: 'comment', status: 'final', code: { text: 'Comentario' }, effectiveDateTime: '2023-06-05', valueString: 'Muestra "hemolizada" <leve>' },
  {
    resourceType: 'Observation',
    id: 'pregnant',
    status: 'preliminary',
    category: category('exam'),
    code: loinc('82810-3', 'Pregnancy status'),
    valueBoolean: false,
    effectivePeriod: { start: '2023-06-01', end: '2023-06-02' },
  },
  {
    resourceType: 'Observation',
    id: 'absent',
    status: 'final',
    category: category('laboratory'),
    code: loinc('2345-7', 'Glucose'),
    issued: '2023-06-05T10:00:00.123Z',
    dataAbsentReason: { coding: [{ system: 'http://terminology.hl7.org/CodeSystem/data-absent-reason', code: 'asked-declined' }] },
  },
  { resourceType: 'Observation', id: 'obs-error', status: 'entered-in-error', category: category('laboratory'), code: { text: 'ERROR' }, valueString: 'x' },
  { resourceType: 'Observation', id: 'obs-cancelled', status: 'cancelled', category: category('laboratory'), code: { text: 'CANCELLED' } },

  // Social history: a smoking status, a survey score, a SNOMED-only social-history observation.
  {
    resourceType: 'Observation',
    id: 'smoking',
    status: 'final',
    category: category('social-history'),
    code: loinc('72166-2', 'Tobacco smoking status'),
    effectiveDateTime: '2023-06-01T09:00:00-05:00',
    valueCodeableConcept: snomed('8517006', 'Ex-smoker'),
  },
  {
    resourceType: 'Observation',
    id: 'phq2',
    status: 'final',
    category: category('survey'),
    code: loinc('55758-7', 'PHQ-2 total score'),
    effectiveDateTime: '2023-06-01',
    valueInteger: 1,
  },
  {
    resourceType: 'Observation',
    id: 'job',
    status: 'final',
    category: category('social-history'),
    code: snomed('224362002', 'Employment detail'),
    effectiveDateTime: '2023-06-01',
    valueString: 'Maestra & artista',
  },

  // Vital signs: a blood pressure panel and a height with no number.
  {
    resourceType: 'Observation',
    id: 'bp',
    status: 'final',
    category: category('vital-signs'),
    code: loinc('85354-9', 'Blood pressure panel'),
    encounter: { reference: 'Encounter/visit' },
    effectiveDateTime: '2023-06-01T09:00:00-05:00',
    component: [
      { code: loinc('8480-6', 'Systolic blood pressure'), valueQuantity: { value: 120, unit: 'mmHg', system: 'http://unitsofmeasure.org', code: 'mm[Hg]' } },
      { code: loinc('8462-4', 'Diastolic blood pressure'), valueQuantity: { value: 80, unit: 'mmHg', system: 'http://unitsofmeasure.org', code: 'mm[Hg]' } },
    ],
  },
  {
    resourceType: 'Observation',
    id: 'height',
    status: 'final',
    category: category('vital-signs'),
    code: loinc('8302-2', 'Body height'),
    encounter: { reference: 'Encounter/visit' },
    effectiveDateTime: '2023-06-01T09:00:00-05:00',
    valueString: 'no se pudo medir',
  },

  // Encounters: one with a diagnosis and a reason, one with only a class and no period.
  {
    resourceType: 'Encounter',
    id: 'visit',
    status: 'finished',
    class: { system: 'http://terminology.hl7.org/CodeSystem/v3-ActCode', code: 'AMB', display: 'ambulatory' },
    type: [snomed('185349003', 'Encounter for check up')],
    subject: { reference: 'Patient/edge-1' },
    participant: [{ individual: { reference: 'Practitioner/gp' } }, { individual: { display: 'Enfermera <de turno>' } }],
    period: { start: '2023-06-01T09:00:00-05:00', end: '2023-06-01T09:30:00-05:00' },
    reasonCode: [{ text: 'Congestión & fiebre' }],
    serviceProvider: { reference: 'Organization/org' },
  },
  {
    resourceType: 'Encounter',
    id: 'phone',
    status: 'finished',
    class: { system: 'http://terminology.hl7.org/CodeSystem/v3-ActCode', code: 'VR', display: 'virtual' },
    subject: { reference: 'Patient/edge-1' },
  },
  { resourceType: 'Encounter', id: 'planned', status: 'planned', class: { code: 'AMB' }, subject: { reference: 'Patient/edge-1' }, period: { start: '2027-01-01' } },

  // Immunizations: given with lot and manufacturer; refused.
  {
    resourceType: 'Immunization',
    id: 'flu',
    status: 'completed',
    patient: { reference: 'Patient/edge-1' },
    vaccineCode: { coding: [{ system: 'http://hl7.org/fhir/sid/cvx', code: '140', display: 'Influenza, seasonal, injectable, preservative free' }] },
    occurrenceDateTime: '2022-10-01',
    lotNumber: 'LOT<42>&',
    manufacturer: { display: 'Vacunas "Sur" S.A.' },
    doseQuantity: { value: 0.5, unit: 'mL', system: 'http://unitsofmeasure.org', code: 'mL' },
  },
  {
    resourceType: 'Immunization',
    id: 'refused',
    status: 'not-done',
    patient: { reference: 'Patient/edge-1' },
    vaccineCode: { coding: [{ system: 'http://hl7.org/fhir/sid/cvx', code: '208', display: 'COVID-19 vaccine' }] },
    occurrenceString: 'la primavera pasada',
  },

  // Procedures: one not done with a reason, one with only a text code.
  {
    resourceType: 'Procedure',
    id: 'colonoscopy',
    status: 'not-done',
    subject: { reference: 'Patient/edge-1' },
    code: snomed('73761001', 'Colonoscopy'),
    performedDateTime: '2021-05-05',
    reasonCode: [snomed('275978004', 'Screening for malignant neoplasm of colon')],
  },
  { resourceType: 'Procedure', id: 'home', status: 'completed', subject: { reference: 'Patient/edge-1' }, code: { text: 'Curación casera <vendaje>' } },

  // Plans and goals.
  {
    resourceType: 'CarePlan',
    id: 'plan',
    status: 'active',
    intent: 'proposal',
    subject: { reference: 'Patient/edge-1' },
    category: [snomed('698360004', 'Diabetes self management plan')],
    addresses: [{ reference: 'Condition/diabetes' }],
    period: { start: '2015-04-01' },
    activity: [
      { detail: { status: 'in-progress', code: snomed('160670007', 'Diabetic diet') } },
      { detail: { status: 'completed', code: snomed('229065009', 'Exercise therapy') } },
      { detail: { status: 'scheduled', description: 'Caminar 30 minutos "diarios"' } },
    ],
  },
  {
    resourceType: 'CarePlan',
    id: 'old-plan',
    status: 'completed',
    intent: 'order',
    subject: { reference: 'Patient/edge-1' },
    category: [snomed('53950000', 'Respiratory therapy')],
  },
  {
    resourceType: 'Goal',
    id: 'a1c',
    lifecycleStatus: 'completed',
    achievementStatus: { coding: [{ system: 'http://terminology.hl7.org/CodeSystem/goal-achievement', code: 'achieved' }] },
    description: loinc('4548-4', 'Hemoglobin A1c/Hemoglobin.total in Blood'),
    subject: { reference: 'Patient/edge-1' },
    startDate: '2016-01-01',
    target: [{ dueDate: '2016-12-31' }],
  },
  { resourceType: 'Goal', id: 'walk', lifecycleStatus: 'active', description: { text: 'Caminar <más> & mejor' }, subject: { reference: 'Patient/edge-1' } },
];
