import { expect } from 'chai';
import type { Communication, Resource, Task } from '@medplum/fhirtypes';
import { hiddenThreadsOf, inHiddenThread } from '../../../src/access/family-access.ts';
import { deniedThreadsOf, familyConsentProvisionParts } from '../../../src/proxies/family-resources.ts';

const base = 'https://portal.example/fhir';
const hidden = new Set(['Communication/t1']);
const header: Communication = { resourceType: 'Communication', id: 't1', status: 'in-progress' };
const message = (partOf: string, id = 'm1'): Communication => ({ resourceType: 'Communication', id, status: 'completed', partOf: [{ reference: partOf }] });

/** Issue #14 point 4: a conversation the patient keeps from a named family member is outside that member's reach. */
describe('family access: conversations not shared with a family member', () => {
  it('withholds the thread header, its messages (relative or on the facade’s base), its internal notes and its routing Task', () => {
    expect(inHiddenThread(header, hidden)).to.equal(true);
    expect(inHiddenThread(message('Communication/t1'), hidden)).to.equal(true);
    expect(inHiddenThread(message(`${base}/Communication/t1`), hidden, [base])).to.equal(true);
    expect(inHiddenThread(message('Communication/t1/_history/3'), hidden)).to.equal(true);
    const note: Communication = { resourceType: 'Communication', id: 'n1', status: 'completed', about: [{ reference: 'Communication/t1' }] };
    expect(inHiddenThread(note, hidden)).to.equal(true);
    const task: Task = { resourceType: 'Task', status: 'requested', intent: 'order', focus: { reference: 'Communication/t1' } };
    expect(inHiddenThread(task, hidden)).to.equal(true);
  });

  it('keeps every other conversation, other types and look-alike references', () => {
    expect(inHiddenThread({ ...header, id: 't2' }, hidden)).to.equal(false);
    expect(inHiddenThread(message('Communication/t2'), hidden)).to.equal(false);
    expect(inHiddenThread(message('Communication/t10'), hidden)).to.equal(false);
    // Another server's Communication/t1 is not this portal's thread.
    expect(inHiddenThread(message('https://elsewhere.example/fhir/Communication/t1'), hidden, [base])).to.equal(false);
    const observation = { resourceType: 'Observation', id: 't1', status: 'final', code: {} } as Resource;
    expect(inHiddenThread(observation, hidden)).to.equal(false);
    const task: Task = { resourceType: 'Task', status: 'requested', intent: 'order', focus: { reference: 'Communication/t2' } };
    expect(inHiddenThread(task, hidden)).to.equal(false);
  });

  it('hides nothing when nothing is hidden (the patient, staff, a family member sharing everything)', () => {
    expect(hiddenThreadsOf({})).to.equal(undefined);
    expect(hiddenThreadsOf({ hiddenThreads: [] })).to.equal(undefined);
    expect(inHiddenThread(header, undefined)).to.equal(false);
    expect(inHiddenThread(message('Communication/t1'), hiddenThreadsOf({ hiddenThreads: ['Communication/t1'] }))).to.equal(true);
  });

  it('records each hidden conversation in the Consent as a nested deny of the header, beside the parts, and reads it back', () => {
    const provision = familyConsentProvisionParts(['results'], ['Communication/t1', 'Communication/t2']);
    expect(provision.class?.map((c) => c.code)).to.deep.equal(['Observation', 'DiagnosticReport']);
    expect(provision.provision?.map((p) => p.type)).to.deep.equal(['permit', 'deny', 'deny']);
    expect(provision.provision?.[1]).to.deep.equal({ type: 'deny', data: [{ meaning: 'related', reference: { reference: 'Communication/t1' } }] });
    expect(deniedThreadsOf({ resourceType: 'Consent', status: 'active', scope: {}, category: [], provision: { type: 'permit', ...provision } })).to.deep.equal([
      'Communication/t1',
      'Communication/t2',
    ]);
    // Everything the patient sees, one conversation kept: no class, only the deny.
    expect(familyConsentProvisionParts(undefined, ['Communication/t1'])).to.deep.equal({
      provision: [{ type: 'deny', data: [{ meaning: 'related', reference: { reference: 'Communication/t1' } }] }],
    });
    expect(familyConsentProvisionParts(undefined)).to.deep.equal({});
  });
});
