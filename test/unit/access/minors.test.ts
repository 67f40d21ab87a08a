import { expect } from 'chai';
import type { Resource } from '@medplum/fhirtypes';
import { adulthoodOn, ageOn, isConfidential, minorStage, parentalAccessEnded } from '../../../src/access/minors.ts';
import { minorsConfig } from '../../../src/config/minors-config.ts';
import { loadConfig } from '../../../src/config/config.ts';

const policy = minorsConfig(() => undefined);
const at = (iso: string) => new Date(`${iso}T12:00:00Z`);

/** The minors policy (issue 13 point 5) with the clock moved to each side of the 12th and 18th birthdays. */
describe('minors: a proxy’s access to a minor’s record follows the practice’s policy', () => {
  const born = '2010-06-15';

  it('counts whole years by the calendar, the birthday itself included', () => {
    expect(ageOn(born, at('2022-06-14'))).to.equal(11);
    expect(ageOn(born, at('2022-06-15'))).to.equal(12);
    expect(ageOn('2012-02-29', at('2030-02-28'))).to.equal(17);
    expect(ageOn('2012-02-29', at('2030-03-01'))).to.equal(18);
    expect(ageOn('not a date', at('2030-03-01'))).to.equal(undefined);
  });

  it('gives full access before the 12th birthday, hides confidential resources from it, and stops applying at 18', () => {
    expect(minorStage(born, at('2022-06-14'), policy)).to.equal('child');
    expect(minorStage(born, at('2022-06-15'), policy)).to.equal('adolescent');
    expect(minorStage(born, at('2028-06-14'), policy)).to.equal('adolescent');
    expect(minorStage(born, at('2028-06-15'), policy)).to.equal('adult');
  });

  it('follows the configured age, and fails closed on an unknown birth date', () => {
    const thirteen = minorsConfig(<T>(name: string) => (name === 'MINORS_FULL_ACCESS_UNTIL_AGE' ? (13 as T) : undefined));
    expect(minorStage(born, at('2022-06-15'), thirteen)).to.equal('child');
    expect(minorStage(born, at('2023-06-15'), thirteen)).to.equal('adolescent');
    expect(minorStage(undefined, at('2023-06-15'), policy)).to.equal('adolescent');
  });

  it('finds confidentiality labels R and V and configured sensitive codes in meta.security, code and category', () => {
    const obs = (extra: Partial<Resource> & Record<string, unknown>) => ({ resourceType: 'Observation', status: 'final', code: { text: 'x' }, ...extra }) as Resource;
    const label = (code: string) => ({ meta: { security: [{ system: 'http://terminology.hl7.org/CodeSystem/v3-Confidentiality', code }] } });
    expect(isConfidential(obs(label('R')), policy)).to.equal(true);
    expect(isConfidential(obs(label('V')), policy)).to.equal(true);
    expect(isConfidential(obs(label('N')), policy)).to.equal(false);
    expect(isConfidential(obs({ meta: { security: [{ system: 'http://terminology.hl7.org/CodeSystem/v3-ActCode', code: 'PSY' }] } }), policy)).to.equal(true);
    expect(isConfidential(obs({ code: { coding: [{ system: 'http://terminology.hl7.org/CodeSystem/v3-ActCode', code: 'SEX' }] } }), policy)).to.equal(true);
    expect(isConfidential(obs({ category: [{ coding: [{ system: 'http://terminology.hl7.org/CodeSystem/v3-ActCode', code: 'STD' }] }] }), policy)).to.equal(true);
    expect(isConfidential(obs({}), policy)).to.equal(false);
  });

  it('is validated at start-up with every other variable', () => {
    const base = { PUENTE_ENV: 'development' } as const;
    expect(loadConfig({ ...base }).minors.fullAccessUntilAge).to.equal(12);
    expect(loadConfig({ ...base, MINORS_FULL_ACCESS_UNTIL_AGE: '14', MINORS_SENSITIVE_CODES: 'http://snomed.info/sct|74732009' }).minors).to.deep.equal({
      fullAccessUntilAge: 14,
      adultAge: 18,
      sensitiveCodes: [{ system: 'http://snomed.info/sct', code: '74732009' }],
    });
    expect(() => loadConfig({ ...base, MINORS_FULL_ACCESS_UNTIL_AGE: '40', MINORS_SENSITIVE_CODES: 'no-pipe' }))
      .to.throw()
      .with.property('problems')
      .that.satisfies((problems: string[]) => problems.some((p) => p.startsWith('MINORS_FULL_ACCESS_UNTIL_AGE:')) && problems.some((p) => p.startsWith('MINORS_SENSITIVE_CODES:')));
  });
  it('ends a parent’s access at the 18th birthday, but not access given after it', () => {
    expect(adulthoodOn(born, policy)?.toISOString()).to.equal('2028-06-15T00:00:00.000Z');
    const granted = at('2015-01-01');
    expect(parentalAccessEnded(born, granted, new Date('2028-06-14T23:59:59Z'), policy)).to.equal(false);
    expect(parentalAccessEnded(born, granted, new Date('2028-06-15T00:00:00Z'), policy)).to.equal(true);
    expect(parentalAccessEnded(born, at('2029-01-01'), at('2030-01-01'), policy)).to.equal(false);
    expect(parentalAccessEnded(undefined, granted, at('2030-01-01'), policy)).to.equal(false);
  });
});
