import { expect } from 'chai';
import { consentAllowsChoice, familyParts, narrowScopesToConsent, parseParts, permittedTypes } from '../../../src/access/family-access.ts';
import { consentGrantScopes } from '../../../src/auth/grant-policy.ts';
import { parsePatientScopes } from '../../../src/access/scopes.ts';

const lab = { system: 'http://terminology.hl7.org/CodeSystem/observation-category', code: 'laboratory' };
const vitals = { system: 'http://terminology.hl7.org/CodeSystem/observation-category', code: 'vital-signs' };
const social = { system: 'http://terminology.hl7.org/CodeSystem/observation-category', code: 'social-history' };

/** A family member's Consent narrows the token's SMART scopes (issue 13): the facade releases only the intersection. */
describe('family access: a limited Consent narrows the token’s scopes', () => {
  const everything = parsePatientScopes(['patient/*.rs']);

  it('leaves the scopes unchanged for everything the patient sees', () => {
    const scopes = narrowScopesToConsent(everything, undefined);
    expect(scopes.allowed('Observation', 'search')).to.equal('all');
    expect(scopes.allowed('Condition', 'read')).to.equal('all');
  });

  it('allows only the types of the chosen parts, plus the Patient and shared directory types', () => {
    const scopes = narrowScopesToConsent(everything, permittedTypes(['appointments', 'carePlan']));
    for (const type of ['Appointment', 'CarePlan', 'Goal', 'CareTeam', 'Patient', 'Practitioner', 'Organization', 'Location', 'Medication'])
      expect(scopes.allowed(type, 'read'), type).to.equal('all');
    for (const type of ['Observation', 'Condition', 'DocumentReference', 'Encounter', 'Provenance', 'RelatedPerson', 'Consent', 'Binary', 'Communication'])
      expect(scopes.allowed(type, 'search'), type).to.equal(undefined);
  });

  it('intersects categories: results are laboratory and vital signs only, within what the token holds', () => {
    const results = permittedTypes(['results']);
    expect(narrowScopesToConsent(everything, results).allowed('Observation', 'search')).to.deep.equal([lab, vitals]);
    const labOnly = parsePatientScopes([`patient/Observation.rs?category=${lab.system}|${lab.code}`, `patient/Observation.rs?category=${social.system}|${social.code}`]);
    expect(narrowScopesToConsent(labOnly, results).allowed('Observation', 'search')).to.deep.equal([lab]);
    const socialOnly = parsePatientScopes([`patient/Observation.rs?category=${social.system}|${social.code}`]);
    expect(narrowScopesToConsent(socialOnly, results).allowed('Observation', 'search')).to.equal(undefined);
  });

  it('never widens: a type the token lacks stays closed whatever the Consent permits', () => {
    const narrow = parsePatientScopes(['patient/Appointment.rs']);
    const scopes = narrowScopesToConsent(narrow, permittedTypes([...familyParts]));
    expect(scopes.allowed('Appointment', 'read')).to.equal('all');
    expect(scopes.allowed('Condition', 'read')).to.equal(undefined);
  });

  it('merges parts per type, an unconstrained part winning', () => {
    expect(permittedTypes(['results', 'results'])).to.deep.equal([{ type: 'Observation', categories: [lab, vitals, lab, vitals] }, { type: 'DiagnosticReport' }]);
  });

  it('reads the stored parts failing closed: NULL is everything, anything else unknown is nothing', () => {
    expect(parseParts(null)).to.equal(undefined);
    expect(parseParts(['appointments', 'secrets'])).to.deep.equal(['appointments']);
    expect(parseParts('appointments')).to.deep.equal([]);
    expect(narrowScopesToConsent(everything, permittedTypes(parseParts('junk') ?? [])).allowed('Observation', 'read')).to.equal(undefined);
  });
});

describe('family access: the SMART consent screen offers an app no more than a limited Consent permits', () => {
  it('keeps the types of the chosen parts and refuses wildcards, other types and categories outside the Consent', () => {
    const parts = ['appointments', 'results'] as const;
    expect(consentAllowsChoice({ type: 'Appointment' }, parts)).to.equal(true);
    expect(consentAllowsChoice({ type: 'Patient' }, parts)).to.equal(true);
    expect(consentAllowsChoice({ type: '*' }, parts)).to.equal(false);
    expect(consentAllowsChoice({ type: 'Condition' }, parts)).to.equal(false);
    // Results are laboratory and vital signs: the whole of Observation is more than that.
    expect(consentAllowsChoice({ type: 'Observation' }, parts)).to.equal(false);
    expect(consentAllowsChoice({ type: 'Observation', category: 'laboratory' }, parts)).to.equal(true);
    expect(consentAllowsChoice({ type: 'Observation', category: 'social-history' }, parts)).to.equal(false);
    expect(consentAllowsChoice({ type: '*' }, undefined)).to.equal(true);
  });

  it('grants only what lies within the Consent, whatever the browser ticked', () => {
    const within = (choice: { type: string; category?: string }) => consentAllowsChoice(choice, ['appointments']);
    const requested = ['launch/patient', 'openid', 'patient/*.rs'];
    const scopes = consentGrantScopes(requested, ['patient/*.rs', 'patient/Appointment.rs', 'patient/Condition.rs'], false, within);
    expect(scopes?.resource).to.deep.equal(['patient/Appointment.rs']);
    expect(consentGrantScopes(requested, ['patient/Condition.rs'], false, within)).to.equal(undefined);
  });
});
