import { expect } from 'chai';
import type { Condition, MedicationRequest, Observation } from '@medplum/fhirtypes';
import { parseShareChoice } from '../../../src/export/share-choice.ts';
import { inRange } from '../../../src/export/record-bundle.ts';

describe('the share form: what to download (parseShareChoice)', () => {
  it('is the whole record in the page language when nothing is asked', () => {
    expect(parseShareChoice({}, 'es')).to.deep.equal({ ok: true, choice: { what: 'all', from: '', to: '', visit: '', language: 'es' }, range: undefined });
    expect(parseShareChoice({ lang: 'en' }, 'es')).to.deep.include({ ok: true, range: undefined });
    expect(parseShareChoice({ lang: 'fr' }, 'en').choice.language).to.equal('en');
  });

  it('ignores the dates when the whole record is chosen, and takes dates alone as a range', () => {
    expect(parseShareChoice({ what: 'all', from: 'nonsense' }, 'en')).to.deep.include({ ok: true, range: undefined });
    expect(parseShareChoice({ from: '2020-01-01', to: '2020-12-31' }, 'en')).to.deep.include({ ok: true, range: { from: '2020-01-01', to: '2020-12-31' } });
    expect(parseShareChoice({ what: 'range', to: '2020-12-31' }, 'en')).to.deep.include({ ok: true, range: { to: '2020-12-31' } });
    // A date after today is fine: nothing in the record lies there, and nothing is refused for it.
    expect(parseShareChoice({ from: '2020-01-01', to: '2999-12-31' }, 'en').ok).to.equal(true);
  });

  it('names the field of each mistake: malformed or unreal dates, no date for a range, from after to', () => {
    expect(parseShareChoice({ what: 'range', from: '2020-02-30' }, 'en')).to.deep.include({ ok: false, errors: { from: 'share.error.date' } });
    expect(parseShareChoice({ from: '2020-01-01', to: '31/12/2020' }, 'en')).to.deep.include({ ok: false, errors: { to: 'share.error.date' } });
    expect(parseShareChoice({ from: '2020', to: '2021-01-01' }, 'en')).to.deep.include({ ok: false, errors: { from: 'share.error.date' } });
    expect(parseShareChoice({ from: ['2020-01-01', '2020-02-01'] }, 'en')).to.deep.include({ ok: false, errors: { from: 'share.error.date' } });
    expect(parseShareChoice({ from: 'x'.repeat(500), to: '2020-01-01' }, 'en')).to.deep.include({ ok: false, errors: { from: 'share.error.date' } });
    expect(parseShareChoice({ what: 'range' }, 'en')).to.deep.include({ ok: false, errors: { from: 'share.error.rangeEmpty' } });
    expect(parseShareChoice({ from: '2020-05-01', to: '2020-01-01' }, 'es')).to.deep.include({ ok: false, errors: { to: 'share.error.order' } });
    expect(parseShareChoice({ what: 'visit' }, 'es')).to.deep.include({ ok: false, errors: { visit: 'share.error.visit' } });
    expect(parseShareChoice({ what: 'visit', visit: '../Patient/x' }, 'es')).to.deep.include({ ok: false, errors: { visit: 'share.error.visit' } });
  });

  it('takes one visit by its Encounter id', () => {
    expect(parseShareChoice({ what: 'visit', visit: 'enc-1', from: 'ignored' }, 'en')).to.deep.include({ ok: true, range: undefined, visit: 'enc-1' });
  });
});

describe('the FHIR download: which resources a range keeps (inRange)', () => {
  const range = { from: '2020-01-01', to: '2020-12-31' };
  const zone = 'America/Chicago';
  it('keeps what overlaps the range in the practice time zone, what is ongoing, and what has no date', () => {
    const observation = (effectiveDateTime?: string) =>
      ({ resourceType: 'Observation', status: 'final', code: {}, ...(effectiveDateTime ? { effectiveDateTime } : {}) }) as Observation;
    expect(inRange(observation('2020-06-01T10:00:00Z'), range, zone)).to.equal(true);
    expect(inRange(observation('2021-01-01T03:00:00Z'), range, zone), 'still 2020-12-31 in Chicago').to.equal(true);
    expect(inRange(observation('2021-01-01T07:00:00Z'), range, zone)).to.equal(false);
    expect(inRange(observation('2019-12-31'), range, zone)).to.equal(false);
    expect(inRange(observation(), range, zone)).to.equal(true);
    const condition = { resourceType: 'Condition', subject: {}, onsetDateTime: '2010-01-01', clinicalStatus: { coding: [{ code: 'active' }] } } as Condition;
    expect(inRange(condition, range, zone)).to.equal(true);
    expect(inRange({ ...condition, clinicalStatus: { coding: [{ code: 'resolved' }] }, abatementDateTime: '2015-01-01' }, range, zone)).to.equal(false);
    const medication = { resourceType: 'MedicationRequest', status: 'stopped', intent: 'order', subject: {}, authoredOn: '2020-03-01' } as MedicationRequest;
    expect(inRange(medication, range, zone)).to.equal(true);
    expect(inRange({ ...medication, authoredOn: '2021-03-01', status: 'active' }, range, zone)).to.equal(false);
    expect(inRange({ resourceType: 'Practitioner' }, range, zone)).to.equal(true);
    expect(inRange(observation('2019-12-31'), undefined, zone)).to.equal(true);
  });
});
