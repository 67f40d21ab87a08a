/**
 * What Synthea lacks and a portal shows: the practice, its clinicians, a care team per patient,
 * upcoming appointments and a visit note. Every resource has a fixed id and is written with PUT,
 * so running the demo again updates instead of duplicating.
 */
import type { Appointment, Bundle, BundleEntry, CareTeam, DocumentReference, Organization, Patient, Practitioner, Resource } from '@medplum/fhirtypes';

export const practiceOrganizationId = 'puente-demo-clinic';

const organization: Organization = {
  resourceType: 'Organization',
  id: practiceOrganizationId,
  active: true,
  name: 'Clínica Puente (demo)',
  identifier: [{ system: 'http://hl7.org/fhir/sid/us-npi', value: '1234567893' }],
  telecom: [
    { system: 'phone', value: '+1 555 0100', use: 'work' },
    { system: 'email', value: 'recepcion@clinica-puente.example', use: 'work' },
  ],
  address: [{ line: ['100 Calle Mayor'], city: 'Springfield', state: 'MA', postalCode: '01101', country: 'US' }],
};

export const demoPractitioners: Practitioner[] = [
  {
    resourceType: 'Practitioner',
    id: 'puente-dr-morales',
    active: true,
    identifier: [{ system: 'http://hl7.org/fhir/sid/us-npi', value: '1003000126' }],
    name: [{ family: 'Morales', given: ['Ana'], prefix: ['Dra.'] }],
    telecom: [{ system: 'email', value: 'ana.morales@clinica-puente.example', use: 'work' }],
    qualification: [{ code: { text: 'Family medicine / Medicina familiar' } }],
    communication: [{ coding: [{ system: 'urn:ietf:bcp:47', code: 'es' }] }, { coding: [{ system: 'urn:ietf:bcp:47', code: 'en' }] }],
  },
  {
    resourceType: 'Practitioner',
    id: 'puente-np-carter',
    active: true,
    identifier: [{ system: 'http://hl7.org/fhir/sid/us-npi', value: '1003000134' }],
    name: [{ family: 'Carter', given: ['James'], suffix: ['NP'] }],
    telecom: [{ system: 'email', value: 'james.carter@clinica-puente.example', use: 'work' }],
    qualification: [{ code: { text: 'Nurse practitioner / Enfermero practicante' } }],
  },
];

/** The demo's front-desk staff member, linked to a Practitioner of its own. */
export const frontDeskPractitioner: Practitioner = {
  resourceType: 'Practitioner',
  id: 'puente-front-desk',
  active: true,
  name: [{ family: 'Rivera', given: ['Lucía'] }],
  telecom: [{ system: 'email', value: 'recepcion@clinica-puente.example', use: 'work' }],
};

const ref = (resource: Resource & { id?: string }) => ({ reference: `${resource.resourceType}/${resource.id}` });
const put = (resource: Resource & { id?: string }): BundleEntry => ({
  resource,
  request: { method: 'PUT', url: `${resource.resourceType}/${resource.id}` },
});

/** `daysAhead` days from `from`, at `hour`:`minute` UTC. */
function dayAt(from: Date, daysAhead: number, hour: number, minute = 0): string {
  const date = new Date(from);
  date.setUTCDate(date.getUTCDate() + daysAhead);
  date.setUTCHours(hour, minute, 0, 0);
  return date.toISOString();
}

function patientResources(patient: Patient, now: Date): Resource[] {
  const doctor = demoPractitioners[0]!;
  const nurse = demoPractitioners[1]!;
  const patientRef = { ...ref(patient) };
  const careTeam: CareTeam = {
    resourceType: 'CareTeam',
    id: `careteam-${patient.id}`,
    status: 'active',
    name: 'Equipo de atención primaria / Primary care team',
    subject: patientRef,
    managingOrganization: [ref(organization)],
    participant: [
      { role: [{ coding: [{ system: 'http://snomed.info/sct', code: '453231000124104', display: 'Primary care provider' }] }], member: ref(doctor) },
      { role: [{ coding: [{ system: 'http://snomed.info/sct', code: '224535009', display: 'Registered nurse' }] }], member: ref(nurse) },
      { role: [{ text: 'Patient' }], member: patientRef },
    ],
  };
  const appointment = (n: number, daysAhead: number, hour: number, description: string, practitioner: Practitioner): Appointment => ({
    resourceType: 'Appointment',
    id: `appt-${patient.id}-${n}`,
    status: 'booked',
    serviceType: [{ coding: [{ system: 'http://terminology.hl7.org/CodeSystem/service-type', code: '124', display: 'General Practice' }] }],
    description,
    start: dayAt(now, daysAhead, hour),
    end: dayAt(now, daysAhead, hour, 30),
    minutesDuration: 30,
    participant: [
      { actor: patientRef, status: 'accepted', required: 'required' },
      { actor: ref(practitioner), status: 'accepted', required: 'required' },
    ],
  });
  const noteText = [
    'Visit note / Nota de la visita',
    '',
    'Patient seen for a routine follow-up. Vital signs reviewed. Continue current plan; return in one month.',
    'Paciente atendido en control de rutina. Se revisaron los signos vitales. Continuar el plan actual; volver en un mes.',
    '',
    `— ${doctor.name?.[0]?.prefix?.[0]} ${doctor.name?.[0]?.given?.[0]} ${doctor.name?.[0]?.family}`,
  ].join('\n');
  const visitNote: DocumentReference = {
    resourceType: 'DocumentReference',
    id: `visit-note-${patient.id}`,
    status: 'current',
    type: { coding: [{ system: 'http://loinc.org', code: '11506-3', display: 'Progress note' }], text: 'Visit note' },
    category: [{ coding: [{ system: 'http://hl7.org/fhir/us/core/CodeSystem/us-core-documentreference-category', code: 'clinical-note', display: 'Clinical Note' }] }],
    subject: patientRef,
    date: dayAt(now, -14, 15),
    author: [ref(doctor)],
    custodian: ref(organization),
    description: 'Visit note / Nota de la visita',
    content: [{ attachment: { contentType: 'text/plain; charset=utf-8', language: 'es', title: 'Nota de la visita', data: Buffer.from(noteText).toString('base64') } }],
  };
  return [
    careTeam,
    appointment(1, 7, 15, 'Control de rutina / Routine follow-up', doctor),
    appointment(2, 35, 14, 'Vacunas y signos vitales / Immunizations and vitals', nurse),
    visitNote,
  ];
}

/** One idempotent transaction with the practice resources and, per patient, what Synthea lacks. */
export function practiceBundle(patients: readonly Patient[], now = new Date()): Bundle {
  const resources: Resource[] = [organization, ...demoPractitioners, frontDeskPractitioner, ...patients.flatMap((p) => patientResources(p, now))];
  return { resourceType: 'Bundle', type: 'transaction', entry: resources.map(put) };
}
