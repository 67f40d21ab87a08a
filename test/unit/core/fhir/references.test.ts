import { expect } from 'chai';
import { isFhirId } from '../../../../src/core/fhir/ids.ts';
import { relativeToBases, trimBase } from '../../../../src/core/fhir/base-url.ts';
import { parseLiteralReference, trailingReference } from '../../../../src/core/fhir/references.ts';

describe('FHIR ids, bases and references', () => {
  it('accepts the R4 id grammar only', () => {
    expect(['a', 'A-1.b', 'x'.repeat(64)].every(isFhirId)).to.equal(true);
    expect(['', 'x'.repeat(65), 'a/b', 'a_b', 'é', undefined, 1].some(isFhirId)).to.equal(false);
  });

  it('trims bases and makes references relative to local bases only', () => {
    expect(trimBase('http://hapi/fhir//')).to.equal('http://hapi/fhir');
    expect(trimBase(new URL('http://portal/fhir/'))).to.equal('http://portal/fhir');
    expect(relativeToBases('http://portal/fhir/Patient/1', ['http://portal/fhir/'])).to.equal('Patient/1');
    expect(relativeToBases('http://elsewhere/fhir/Patient/1', ['http://portal/fhir'])).to.equal('http://elsewhere/fhir/Patient/1');
  });

  it('reads literal references, relative, versioned or on a local base, and nothing else', () => {
    expect(parseLiteralReference('Observation/o-1')).to.deep.equal({ type: 'Observation', id: 'o-1' });
    expect(parseLiteralReference('Observation/o-1/_history/3')).to.deep.equal({ type: 'Observation', id: 'o-1' });
    expect(parseLiteralReference('http://portal/fhir/Patient/p1', ['http://portal/fhir'])).to.deep.equal({ type: 'Patient', id: 'p1' });
    for (const bad of ['http://elsewhere/fhir/Patient/p1', '#contained', 'Patient/p1?x=1', 'patient/p1', 'Patient/', 42]) {
      expect(parseLiteralReference(bad, ['http://portal/fhir'])).to.equal(undefined);
    }
    expect(trailingReference('https://portal/fhir/RelatedPerson/rp-1')).to.equal('RelatedPerson/rp-1');
  });
});
