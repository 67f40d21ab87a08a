import { expect } from 'chai';
import { isLiveFamilyLink } from '../../../src/store/family.ts';

/** The one TypeScript reading of "this family link still gives access" (account_reach's link conditions on a row already read). */
describe('isLiveFamilyLink', () => {
  const now = new Date('2026-06-01T10:00:00Z');
  const before = new Date('2026-05-31T10:00:00Z');
  const after = new Date('2026-06-02T10:00:00Z');

  it('is live when not ended and without an end date', () => {
    expect(isLiveFamilyLink({ revoked_at: null, ends_at: null }, now)).to.equal(true);
  });
  it('is live before its end date', () => {
    expect(isLiveFamilyLink({ revoked_at: null, ends_at: after }, now)).to.equal(true);
  });
  it('is not live at or past its end date', () => {
    expect(isLiveFamilyLink({ revoked_at: null, ends_at: now }, now)).to.equal(false);
    expect(isLiveFamilyLink({ revoked_at: null, ends_at: before }, now)).to.equal(false);
  });
  it('is not live once ended, whatever its end date', () => {
    expect(isLiveFamilyLink({ revoked_at: before, ends_at: null }, now)).to.equal(false);
    expect(isLiveFamilyLink({ revoked_at: before, ends_at: after }, now)).to.equal(false);
  });
});
