import { expect } from 'chai';
import type { Condition, Immunization, MedicationRequest, Observation } from '@medplum/fhirtypes';
import { overlapsDateRange } from '../../../../src/core/fhir/clinical-dates.ts';

describe('clinical dates: which resources a date range keeps (overlapsDateRange; the FHIR download and $everything)', () => {
  const range = { from: '2020-01-01', to: '2020-12-31' };
  const zone = 'America/Chicago';
  it('keeps what overlaps the range in the practice time zone, what is ongoing, and what has no date', () => {
    const observation = (effectiveDateTime?: string) =>
      ({ resourceType: 'Observation', status: 'final', code: {}, ...(effectiveDateTime ? { effectiveDateTime } : {}) }) as Observation;
    expect(overlapsDateRange(observation('2020-06-01T10:00:00Z'), range, zone)).to.equal(true);
    expect(overlapsDateRange(observation('2021-01-01T03:00:00Z'), range, zone), 'still 2020-12-31 in Chicago').to.equal(true);
    expect(overlapsDateRange(observation('2021-01-01T07:00:00Z'), range, zone)).to.equal(false);
    expect(overlapsDateRange(observation('2019-12-31'), range, zone)).to.equal(false);
    expect(overlapsDateRange(observation(), range, zone)).to.equal(true);
    const condition = { resourceType: 'Condition', subject: {}, onsetDateTime: '2010-01-01', clinicalStatus: { coding: [{ code: 'active' }] } } as Condition;
    expect(overlapsDateRange(condition, range, zone)).to.equal(true);
    expect(overlapsDateRange({ ...condition, clinicalStatus: { coding: [{ code: 'resolved' }] }, abatementDateTime: '2015-01-01' }, range, zone)).to.equal(false);
    const medication = { resourceType: 'MedicationRequest', status: 'stopped', intent: 'order', subject: {}, authoredOn: '2020-03-01' } as MedicationRequest;
    expect(overlapsDateRange(medication, range, zone)).to.equal(true);
    expect(overlapsDateRange({ ...medication, authoredOn: '2021-03-01', status: 'active' }, range, zone)).to.equal(false);
    expect(overlapsDateRange({ resourceType: 'Practitioner' }, range, zone)).to.equal(true);
    expect(overlapsDateRange(observation('2019-12-31'), undefined, zone)).to.equal(true);
  });

  it('takes partial dates and open ends: a year or a month compares by the digits it has', () => {
    const immunization = (occurrenceDateTime: string) => ({ resourceType: 'Immunization', status: 'completed', vaccineCode: {}, patient: {}, occurrenceDateTime }) as Immunization;
    expect(overlapsDateRange(immunization('2020'), { from: '2020-06-01' }, zone)).to.equal(true);
    expect(overlapsDateRange(immunization('2020-05'), { from: '2020-06-01' }, zone)).to.equal(false);
    expect(overlapsDateRange(immunization('2020-05-31'), { to: '2020-05' }, zone)).to.equal(true);
    expect(overlapsDateRange(immunization('2020-06-01'), { to: '2020-05' }, zone)).to.equal(false);
    expect(overlapsDateRange({ resourceType: 'Patient', birthDate: '1950-01-01' }, { from: '2020-01-01' }, zone), 'a Patient has no clinical date').to.equal(true);
  });
});
