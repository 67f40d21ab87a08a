import { expect } from 'chai';
import type { Provenance, Reference } from '@medplum/fhirtypes';
import { parsePatientScopes } from '../../../src/access/scopes.ts';
import { matchKeys, revincludedProvenanceReachable } from '../../../src/fhir/revinclude-provenance.ts';

const facade = 'https://portal.example/fhir';
const reach = {
  patient: 'p1',
  matches: matchKeys([
    { resourceType: 'Observation', id: 'o1', status: 'final', code: {} },
    { resourceType: 'Observation', id: 'o2', status: 'final', code: {} },
  ]),
  localBases: [facade],
  scopes: parsePatientScopes(['patient/*.rs']),
};
const provenance = (...target: Reference[]): Provenance => ({ resourceType: 'Provenance', recorded: '2024-01-01T00:00:00Z', agent: [{ who: { display: 'x' } }], target });
const released = (p: Provenance, over: Partial<typeof reach> = {}) => revincludedProvenanceReachable(p, { ...reach, ...over });

describe('_revinclude=Provenance:target: released when every target is a released match or the patient', () => {
  it('releases a Provenance about the matches, the patient, or both', () => {
    expect(released(provenance({ reference: 'Observation/o1' }))).to.equal(true);
    expect(released(provenance({ reference: 'Observation/o1' }, { reference: 'Observation/o2' }))).to.equal(true);
    expect(released(provenance({ reference: 'Observation/o1' }, { reference: 'Patient/p1' }))).to.equal(true);
    expect(released(provenance({ reference: 'Observation/o1/_history/3' }))).to.equal(true);
    expect(released(provenance({ reference: `${facade}/Observation/o2`, type: 'Observation' }))).to.equal(true);
  });

  it('refuses one that also targets anything outside reach, or cannot be read as literal references', () => {
    expect(released(provenance({ reference: 'Observation/o1' }, { reference: 'Observation/other-patients' })), 'not a match').to.equal(false);
    expect(released(provenance({ reference: 'Observation/o1' }, { reference: 'Patient/p2' })), 'another patient').to.equal(false);
    expect(released(provenance({ reference: 'https://other.example/fhir/Observation/o1' })), 'a foreign server').to.equal(false);
    expect(released(provenance({ reference: 'Observation/o1' }, { identifier: { value: 'x' } })), 'identifier only').to.equal(false);
    expect(released(provenance({ reference: 'Observation/o1', type: 'Condition' })), 'contradicting type').to.equal(false);
    expect(released(provenance({ reference: 'observation/o1' })), 'type case').to.equal(false);
    expect(released(provenance()), 'no target').to.equal(false);
    expect(released(provenance({ reference: 'Observation/o1' }), { scopes: parsePatientScopes(['patient/Observation.rs']) }), 'no Provenance scope').to.equal(false);
    expect(revincludedProvenanceReachable({ resourceType: 'Observation', id: 'o1', status: 'final', code: {} }, reach), 'not a Provenance').to.equal(false);
  });
});
