import { expect } from 'chai';
import { dateFormatter, isFhirDate, isTimeZone } from '../../../../src/core/fhir/dates.ts';

describe('the shared date formatter', () => {
  it('says a FHIR date as the record wrote it, whatever the practice time zone (no shift across midnight)', () => {
    for (const timeZone of ['UTC', 'America/Chicago', 'Pacific/Kiritimati']) {
      expect(dateFormatter('en', timeZone).day('2005-05-03')).to.equal('May 3, 2005');
      expect(dateFormatter('es', timeZone).day('2005-05-03')).to.equal('3 de mayo de 2005');
      expect(dateFormatter('en', timeZone).day('2019-03-04T23:30:00-05:00')).to.equal('March 4, 2019');
    }
  });

  it('says partly known dates with only what is known, and unreadable text as written', () => {
    expect(dateFormatter('es', 'UTC').day('2005-05')).to.equal('mayo de 2005');
    expect(dateFormatter('en', 'UTC').day('2005')).to.equal('2005');
    expect(dateFormatter('en', 'UTC').day('2005-02-30')).to.equal('2005-02-30');
    expect(dateFormatter('en', 'UTC').day('yesterday')).to.equal('yesterday');
  });

  it('says instants in the practice time zone and names the zone', () => {
    const instant = '2026-12-02T17:30:00Z';
    expect(dateFormatter('en', 'UTC').instant(instant)).to.equal('Dec 2, 2026, 5:30 PM UTC');
    expect(dateFormatter('es', 'UTC').instant(instant)).to.equal('2 dic 2026, 5:30 p.m. UTC');
    expect(dateFormatter('en', 'America/Chicago').instant(instant)).to.equal('Dec 2, 2026, 11:30 AM CST');
    expect(dateFormatter('es', 'America/Chicago').instant(new Date(instant))).to.equal('2 dic 2026, 11:30 a.m. CST');
    expect(dateFormatter('en', 'UTC').instant('not a time')).to.equal('not a time');
  });

  it('knows FHIR dates and IANA time zones', () => {
    expect(['2005', '2005-05', '2005-05-03'].every(isFhirDate)).to.equal(true);
    expect(['2005-13', '2005-02-30', '05/03/2005', '2005-05-03T10:00:00Z', ''].some(isFhirDate)).to.equal(false);
    expect(['UTC', 'America/Chicago', 'America/Argentina/Buenos_Aires'].every(isTimeZone)).to.equal(true);
    expect(['Mars/Olympus', '-05:00', 'UTC; DROP', ''].some(isTimeZone)).to.equal(false);
  });
});
