import { expect } from 'chai';
import type { Communication, Patient } from '@medplum/fhirtypes';
import { withheldFromProxy, type MinorsDeps } from '../../../src/fhir/minors-decision.ts';

/** The one predicate the read path (pipeline.ts) and the write path (create-pipeline.ts) both apply for an adolescent's parent. */
describe('withheldFromProxy: the shared minors predicate', () => {
  const minors: MinorsDeps = {
    policy: { fullAccessUntilAge: 12, adultAge: 18, sensitiveCodes: [{ system: 'http://example.org/sensitive', code: 'sex' }] },
    birthDateOf: async () => undefined,
    grantedAt: async () => undefined,
  };
  const labelled = (code: string, system = 'http://terminology.hl7.org/CodeSystem/v3-Confidentiality'): Communication => ({
    resourceType: 'Communication',
    status: 'completed',
    meta: { security: [{ system, code }] },
  });
  const plain: Communication = { resourceType: 'Communication', status: 'completed' };

  it('withholds a resource labelled R or V, or carrying a sensitive code, only when the decision hides them', () => {
    for (const resource of [labelled('R'), labelled('V'), labelled('sex', 'http://example.org/sensitive')]) {
      expect(withheldFromProxy(minors, true, resource)).to.equal(true);
      expect(withheldFromProxy(minors, false, resource)).to.equal(false);
      expect(withheldFromProxy(minors, undefined, resource)).to.equal(false);
    }
    expect(withheldFromProxy(minors, true, plain)).to.equal(false);
    expect(withheldFromProxy(minors, true, labelled('N'))).to.equal(false);
  });

  it('never withholds the Patient itself, labelled or not', () => {
    const patient: Patient = { resourceType: 'Patient', meta: { security: [{ system: 'http://terminology.hl7.org/CodeSystem/v3-Confidentiality', code: 'R' }] } };
    expect(withheldFromProxy(minors, true, patient)).to.equal(false);
  });

  it('fails closed when told to hide without a policy', () => {
    expect(withheldFromProxy(undefined, true, plain)).to.equal(true);
  });
});
