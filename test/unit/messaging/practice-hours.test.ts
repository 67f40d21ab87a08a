import { expect } from 'chai';
import { nextOpening } from '../../../src/messaging/practice-hours.ts';
import { addBusinessDays } from '../../../src/core/fhir/messages.ts';

const weekdays = { days: [1, 2, 3, 4, 5], open: 8 * 60, close: 17 * 60 };

describe('secure messages: practice hours and answer time', () => {
  it('is open inside the hours in the practice’s time zone, closed outside them', () => {
    // Wednesday 2026-12-02 10:00 in Chicago (16:00 UTC): open.
    expect(nextOpening(new Date('2026-12-02T16:00:00Z'), weekdays, 'America/Chicago')).to.equal(undefined);
    // The same instant is 17:00+ in UTC: closed there, opens Thursday 08:00 UTC.
    expect(nextOpening(new Date('2026-12-02T17:30:00Z'), weekdays, 'UTC')?.toISOString()).to.equal('2026-12-03T08:00:00.000Z');
  });

  it('names the next opening: later today, tomorrow, or after the weekend, at the local opening time', () => {
    // Wednesday 06:00 Chicago → 08:00 Chicago the same day (14:00 UTC).
    expect(nextOpening(new Date('2026-12-02T12:00:00Z'), weekdays, 'America/Chicago')?.toISOString()).to.equal('2026-12-02T14:00:00.000Z');
    // Friday 18:00 Chicago → Monday 08:00 Chicago.
    expect(nextOpening(new Date('2026-12-05T00:00:00Z'), weekdays, 'America/Chicago')?.toISOString()).to.equal('2026-12-07T14:00:00.000Z');
    // Saturday noon → Monday.
    expect(nextOpening(new Date('2026-12-05T18:00:00Z'), weekdays, 'America/Chicago')?.toISOString()).to.equal('2026-12-07T14:00:00.000Z');
  });

  it('counts the answer time in business days, skipping weekends', () => {
    expect(addBusinessDays(new Date('2026-12-03T10:00:00Z'), 2).toISOString()).to.equal('2026-12-07T10:00:00.000Z'); // Thu → Mon
    expect(addBusinessDays(new Date('2026-12-05T10:00:00Z'), 2).toISOString()).to.equal('2026-12-08T10:00:00.000Z'); // Sat → Tue
    expect(addBusinessDays(new Date('2026-12-01T10:00:00Z'), 2).toISOString()).to.equal('2026-12-03T10:00:00.000Z'); // Tue → Thu
  });
});
