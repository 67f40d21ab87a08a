import { expect } from 'chai';
import type {
  AllergyIntolerance,
  Appointment,
  AuditEvent,
  CareTeam,
  Communication,
  Condition,
  Consent,
  DocumentReference,
  Encounter,
  Immunization,
  MedicationRequest,
  Observation,
  Patient,
  Practitioner,
  Provenance,
  Reference,
  RelatedPerson,
  Resource,
  Task,
} from '@medplum/fhirtypes';
import { compartmentParams, isCompartmentType, isInPatientCompartment } from '../../../src/access/compartment-membership.ts';

const me = 'pat-1';
const mine: Reference<Patient> = { reference: `Patient/${me}` };
const someoneElse: Reference<Patient> = { reference: 'Patient/pat-2' };
const doctor: Reference<Practitioner> = { reference: 'Practitioner/dr-1' };
const localBase = 'https://portal.example/fhir';

const observation = (fields: Partial<Observation>): Observation =>
  ({ resourceType: 'Observation', status: 'final', code: { text: 'Heart rate' }, ...fields }) satisfies Observation;

describe('isInPatientCompartment (FHIR R4 CompartmentDefinition/patient)', () => {
  describe('Observation: subject, performer', () => {
    it('is in when the subject is the patient', () => {
      expect(isInPatientCompartment(observation({ subject: mine }), me)).to.equal(true);
    });

    it('is out when the subject is another patient', () => {
      expect(isInPatientCompartment(observation({ subject: someoneElse, performer: [doctor] }), me)).to.equal(false);
    });

    it('is out when the patient is only the focus (a mention, not a compartment parameter)', () => {
      expect(isInPatientCompartment(observation({ subject: someoneElse, focus: [mine] }), me)).to.equal(false);
      expect(isInPatientCompartment(observation({ focus: [mine] }), me)).to.equal(false);
    });

    it('is in when the patient is one of the performers', () => {
      expect(isInPatientCompartment(observation({ subject: someoneElse, performer: [doctor, mine] }), me)).to.equal(true);
    });

    it('compares the whole id, not a prefix', () => {
      expect(isInPatientCompartment(observation({ subject: { reference: `Patient/${me}0` } }), me)).to.equal(false);
      expect(isInPatientCompartment(observation({ subject: { reference: `Patient/${me}` } }), 'pat-')).to.equal(false);
    });
  });

  it('AllergyIntolerance: patient, recorder and asserter each count', () => {
    const base = { resourceType: 'AllergyIntolerance', patient: someoneElse } satisfies AllergyIntolerance;
    expect(isInPatientCompartment(base, me)).to.equal(false);
    expect(isInPatientCompartment({ ...base, recorder: mine } satisfies AllergyIntolerance, me)).to.equal(true);
    expect(isInPatientCompartment({ ...base, asserter: mine } satisfies AllergyIntolerance, me)).to.equal(true);
    expect(isInPatientCompartment({ ...base, patient: mine } satisfies AllergyIntolerance, me)).to.equal(true);
  });

  it('Encounter: the subject when it is a Patient (R4 `patient`), not a Group', () => {
    const encounter = (subject: Encounter['subject']) => ({ resourceType: 'Encounter', status: 'finished', class: { code: 'AMB' }, subject }) satisfies Encounter;
    expect(isInPatientCompartment(encounter(mine), me)).to.equal(true);
    expect(isInPatientCompartment(encounter(someoneElse), me)).to.equal(false);
    expect(isInPatientCompartment(encounter({ reference: `Group/${me}` }), me)).to.equal(false);
  });

  it('Condition: subject (through `patient`) and asserter', () => {
    expect(isInPatientCompartment({ resourceType: 'Condition', subject: mine } satisfies Condition, me)).to.equal(true);
    expect(isInPatientCompartment({ resourceType: 'Condition', subject: someoneElse } satisfies Condition, me)).to.equal(false);
    expect(isInPatientCompartment({ resourceType: 'Condition', subject: someoneElse, asserter: mine } satisfies Condition, me)).to.equal(true);
  });

  it('MedicationRequest: subject', () => {
    const request = (subject: MedicationRequest['subject']) =>
      ({ resourceType: 'MedicationRequest', status: 'active', intent: 'order', subject, requester: doctor }) satisfies MedicationRequest;
    expect(isInPatientCompartment(request(mine), me)).to.equal(true);
    expect(isInPatientCompartment(request(someoneElse), me)).to.equal(false);
  });

  it('Immunization: patient', () => {
    const immunization = (patient: Immunization['patient']) =>
      ({ resourceType: 'Immunization', status: 'completed', vaccineCode: { text: 'Td' }, patient, occurrenceString: '2024' }) satisfies Immunization;
    expect(isInPatientCompartment(immunization(mine), me)).to.equal(true);
    expect(isInPatientCompartment(immunization(someoneElse), me)).to.equal(false);
  });

  it('DocumentReference: subject and author', () => {
    const document = (fields: Partial<DocumentReference>) =>
      ({ resourceType: 'DocumentReference', status: 'current', content: [{ attachment: { url: 'Binary/b1' } }], ...fields }) satisfies DocumentReference;
    expect(isInPatientCompartment(document({ subject: mine }), me)).to.equal(true);
    expect(isInPatientCompartment(document({ subject: someoneElse, author: [doctor, mine] }), me)).to.equal(true);
    expect(isInPatientCompartment(document({ subject: someoneElse, author: [doctor] }), me)).to.equal(false);
  });

  it('CareTeam: participant.member', () => {
    const team = { resourceType: 'CareTeam', subject: someoneElse, participant: [{ member: doctor }] } satisfies CareTeam;
    expect(isInPatientCompartment(team, me)).to.equal(false);
    expect(isInPatientCompartment({ ...team, participant: [{ member: doctor }, { member: mine }] } satisfies CareTeam, me)).to.equal(true);
  });

  it('Appointment: participant.actor', () => {
    const appointment = (actor: Reference<Patient>) =>
      ({
        resourceType: 'Appointment',
        status: 'booked',
        participant: [
          { actor: doctor, status: 'accepted' },
          { actor, status: 'accepted' },
        ],
      }) satisfies Appointment;
    expect(isInPatientCompartment(appointment(mine), me)).to.equal(true);
    expect(isInPatientCompartment(appointment(someoneElse), me)).to.equal(false);
  });

  it('Communication: subject, sender or recipient', () => {
    const message = (fields: Partial<Communication>) => ({ resourceType: 'Communication', status: 'completed', ...fields }) satisfies Communication;
    expect(isInPatientCompartment(message({ sender: doctor, recipient: [mine] }), me)).to.equal(true);
    expect(isInPatientCompartment(message({ sender: mine, recipient: [doctor] }), me)).to.equal(true);
    expect(isInPatientCompartment(message({ subject: mine }), me)).to.equal(true);
    expect(isInPatientCompartment(message({ sender: doctor, recipient: [someoneElse], about: [mine] }), me)).to.equal(false);
  });

  it('RelatedPerson: patient', () => {
    expect(isInPatientCompartment({ resourceType: 'RelatedPerson', patient: mine } satisfies RelatedPerson, me)).to.equal(true);
    expect(isInPatientCompartment({ resourceType: 'RelatedPerson', patient: someoneElse } satisfies RelatedPerson, me)).to.equal(false);
  });

  it('Consent: patient only, not a performer', () => {
    const consent = (fields: Partial<Consent>) =>
      ({ resourceType: 'Consent', status: 'active', scope: { text: 'portal' }, category: [{ text: 'portal' }], ...fields }) satisfies Consent;
    expect(isInPatientCompartment(consent({ patient: mine }), me)).to.equal(true);
    expect(isInPatientCompartment(consent({ patient: someoneElse, performer: [mine] }), me)).to.equal(false);
  });

  describe('Provenance: `patient` = target.where(resolve() is Patient), resolved by the reference type prefix', () => {
    const provenance = (fields: Partial<Provenance>) =>
      ({ resourceType: 'Provenance', target: [], recorded: '2024-01-01T00:00:00Z', agent: [{ who: doctor }], ...fields }) satisfies Provenance;

    it('is in when a target is the Patient', () => {
      expect(isInPatientCompartment(provenance({ target: [{ reference: 'Observation/o1' }, mine] }), me)).to.equal(true);
    });

    it('is out when the targets are only the patient’s other resources, another patient, or the patient as agent', () => {
      expect(isInPatientCompartment(provenance({ target: [{ reference: 'Observation/o1' }] }), me)).to.equal(false);
      expect(isInPatientCompartment(provenance({ target: [someoneElse] }), me)).to.equal(false);
      expect(isInPatientCompartment(provenance({ target: [doctor], agent: [{ who: mine }] }), me)).to.equal(false);
    });

    it('accepts a local absolute Patient target (where Medplum’s resolve() would have dropped it)', () => {
      expect(isInPatientCompartment(provenance({ target: [{ reference: `${localBase}/Patient/${me}` }] }), me, { localBases: [localBase] })).to.equal(true);
    });

    it('ignores a non-FHIR `resource` field riding on a reference to someone else', () => {
      const smuggled = { reference: 'Patient/pat-2', resource: { resourceType: 'Patient', id: me } } as Reference;
      expect(isInPatientCompartment(provenance({ target: [smuggled] }), me)).to.equal(false);
    });
  });

  it('AuditEvent: `patient` is an agent or an entity that is the Patient', () => {
    const audit = (fields: Partial<AuditEvent>) =>
      ({
        resourceType: 'AuditEvent',
        type: { code: 'rest' },
        recorded: '2024-01-01T00:00:00Z',
        agent: [{ who: doctor, requestor: true }],
        source: { observer: doctor },
        ...fields,
      }) satisfies AuditEvent;
    expect(isInPatientCompartment(audit({ entity: [{ what: mine }] }), me)).to.equal(true);
    expect(isInPatientCompartment(audit({ agent: [{ who: mine, requestor: true }] }), me)).to.equal(true);
    expect(isInPatientCompartment(audit({ entity: [{ what: someoneElse }] }), me)).to.equal(false);
  });

  describe('Patient', () => {
    it('is in when it is the patient itself, out when it is another patient', () => {
      expect(isInPatientCompartment({ resourceType: 'Patient', id: me } satisfies Patient, me)).to.equal(true);
      expect(isInPatientCompartment({ resourceType: 'Patient', id: 'pat-2' } satisfies Patient, me)).to.equal(false);
      expect(isInPatientCompartment({ resourceType: 'Patient' } satisfies Patient, me)).to.equal(false);
    });

    it('is in when another Patient links to this one (the definition’s `link` parameter)', () => {
      const linked = { resourceType: 'Patient', id: 'pat-2', link: [{ other: mine, type: 'replaced-by' }] } satisfies Patient;
      expect(isInPatientCompartment(linked, me)).to.equal(true);
    });
  });

  it('types outside the compartment are out even when they mention the patient or share its id', () => {
    expect(isInPatientCompartment({ resourceType: 'Practitioner', id: me } satisfies Practitioner, me)).to.equal(false);
    const task = { resourceType: 'Task', status: 'requested', intent: 'order', for: mine, focus: mine } satisfies Task;
    expect(isInPatientCompartment(task, me)).to.equal(false);
    for (const resourceType of ['constructor', '__proto__', 'observation']) {
      expect(isInPatientCompartment({ resourceType, subject: mine } as unknown as Resource, me), resourceType).to.equal(false);
    }
    expect(isInPatientCompartment({ subject: mine } as unknown as Resource, me)).to.equal(false);
  });

  describe('references', () => {
    const withSubject = (subject: Observation['subject']) => observation({ subject });
    const options = { localBases: [localBase] };

    it('accepts an absolute reference only under a configured local base', () => {
      expect(isInPatientCompartment(withSubject({ reference: `${localBase}/Patient/${me}` }), me, options)).to.equal(true);
      expect(isInPatientCompartment(withSubject({ reference: `${localBase}/Patient/${me}` }), me)).to.equal(false);
      expect(isInPatientCompartment(withSubject({ reference: `https://other.example/fhir/Patient/${me}` }), me, options)).to.equal(false);
      expect(isInPatientCompartment(withSubject({ reference: `${localBase}-evil/Patient/${me}` }), me, options)).to.equal(false);
      expect(isInPatientCompartment(withSubject({ reference: `http://portal.example/fhir/Patient/${me}` }), me, options)).to.equal(false);
    });

    it('treats a configured base with a trailing slash as the same base', () => {
      expect(isInPatientCompartment(withSubject({ reference: `${localBase}/Patient/${me}` }), me, { localBases: [`${localBase}/`] })).to.equal(true);
    });

    it('refuses contained, identifier-only and display-only references', () => {
      const contained = { ...withSubject({ reference: '#p' }), contained: [{ resourceType: 'Patient', id: 'p' }] } satisfies Observation;
      expect(isInPatientCompartment(contained, me)).to.equal(false);
      expect(isInPatientCompartment(withSubject({ type: 'Patient', identifier: { system: 'urn:mrn', value: me } }), me)).to.equal(false);
      expect(isInPatientCompartment(withSubject({ display: `Patient/${me}` }), me)).to.equal(false);
    });

    it('refuses relative forms other than exactly Patient/<id>, and a contradicting Reference.type', () => {
      for (const reference of [`/Patient/${me}`, `Patient/${me}/_history/1`, `patient/${me}`, `Patient/${me}?x=1`, ` Patient/${me}`]) {
        expect(isInPatientCompartment(withSubject({ reference }), me), reference).to.equal(false);
      }
      expect(isInPatientCompartment(withSubject({ reference: `Patient/${me}`, type: 'Group' }), me)).to.equal(false);
      expect(isInPatientCompartment(withSubject({ reference: `Patient/${me}`, type: 'Patient' }), me)).to.equal(true);
    });

    it('matches nothing for a patient id outside the FHIR id grammar', () => {
      expect(isInPatientCompartment(withSubject({ reference: 'Patient/' }), '')).to.equal(false);
      expect(isInPatientCompartment(withSubject({ reference: 'Patient/a/b' }), 'a/b')).to.equal(false);
    });

    it('throws on a local base that is not an absolute http(s) URL', () => {
      for (const base of ['', '/', 'fhir', 'ftp://portal.example/fhir', `${localBase}?x=1`, `${localBase}#`]) {
        expect(() => isInPatientCompartment(withSubject(mine), me, { localBases: [base] }), base).to.throw(TypeError);
      }
    });
  });

  it('re-exports the definition lookups', () => {
    expect(compartmentParams('Observation')).to.deep.equal(['subject', 'performer']);
    expect(isCompartmentType('Observation')).to.equal(true);
    expect(isCompartmentType('Practitioner')).to.equal(false);
  });
});
