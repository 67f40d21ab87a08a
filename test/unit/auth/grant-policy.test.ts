import { expect } from 'chai';
import { generateKeyPairSync } from 'node:crypto';
import Provider from 'oidc-provider';
import { consentGrantScopes, ehrLaunchGrantScopes, firstPartyGrantScopes, grantWith, requestedScopes } from '../../../src/auth/grant-policy.ts';

const fhirBase = 'https://portal.example/fhir';

/** The three ways to a grant (first-party web app, EHR launch, consent screen), each one named function of src/auth/grant-policy.ts. */
describe('grant policy: which scopes each kind of grant holds and records as refused', () => {
  it('splits a scope parameter into its scopes', () => {
    expect(requestedScopes('openid  fhirUser patient/*.rs')).to.deep.equal(['openid', 'fhirUser', 'patient/*.rs']);
    expect(requestedScopes(undefined)).to.deep.equal([]);
  });

  it('gives the portal’s own web app its OpenID, launch and patient/ scopes, and refuses user/ ones', () => {
    const requested = requestedScopes('openid fhirUser launch/patient patient/*.rs online_access user/*.rs user/Patient.read system/*.rs');
    expect(firstPartyGrantScopes(requested)).to.deep.equal({
      oidc: ['openid', 'fhirUser', 'launch/patient', 'online_access'],
      resource: ['patient/*.rs'],
      rejectedOidc: [],
      rejectedResource: ['user/*.rs', 'user/Patient.read'],
    });
  });

  it('gives an EHR launch its OpenID, launch and refresh scopes, patient/ scopes, and user/ scopes only as registered for the app', () => {
    const requested = requestedScopes('openid fhirUser launch offline_access patient/Patient.rs user/*.rs user/Observation.rs system/*.rs made/up');
    expect(ehrLaunchGrantScopes(requested, ['user/Observation.rs', 'user/Condition.rs'])).to.deep.equal({
      oidc: ['openid', 'fhirUser', 'launch', 'offline_access'],
      resource: ['patient/Patient.rs', 'user/Observation.rs'],
      rejectedOidc: [],
      rejectedResource: ['user/*.rs'],
    });
    expect(ehrLaunchGrantScopes(requested, []).resource, 'nothing registered: no user/ scope').to.deep.equal(['patient/Patient.rs']);
  });

  it('gives a third-party app what the patient ticked among the grantable scopes, offline_access only if allowed, never user/ scopes', () => {
    const requested = requestedScopes('openid fhirUser launch/patient offline_access patient/*.rs patient/Patient.read user/*.rs');
    // patient/Observation.rs is a narrower choice under patient/*.rs; patient/Bogus.rs and user/*.rs are not grantable.
    expect(consentGrantScopes(requested, ['patient/Observation.rs', 'patient/Bogus.rs', 'user/*.rs'], false)).to.deep.equal({
      oidc: ['openid', 'fhirUser', 'launch/patient'],
      resource: ['patient/Observation.rs'],
      rejectedOidc: ['offline_access'],
      rejectedResource: ['patient/*.rs', 'patient/Patient.read', 'user/*.rs'],
    });
    expect(consentGrantScopes(requested, ['patient/*.rs'], true)).to.deep.equal({
      oidc: ['openid', 'fhirUser', 'launch/patient', 'offline_access'],
      resource: ['patient/*.rs'],
      rejectedOidc: [],
      rejectedResource: ['patient/Patient.read', 'user/*.rs'],
    });
    expect(consentGrantScopes(requested, ['user/*.rs'], true), 'nothing grantable ticked').to.equal(undefined);
    expect(consentGrantScopes(requested, [], true)).to.equal(undefined);
  });

  it('makes a grant holding exactly those scopes, with the refused ones recorded', () => {
    // A provider configured like the portal's (no development keys, adapter or interactions); nothing is saved.
    const key = generateKeyPairSync('ec', { namedCurve: 'P-256' }).privateKey.export({ format: 'jwk' });
    class NoAdapter {
      async upsert() {}
      async find() {}
      async findByUserCode() {}
      async findByUid() {}
      async consume() {}
      async destroy() {}
      async revokeByGrantId() {}
    }
    const provider = new Provider('https://portal.example/oidc', { adapter: NoAdapter, jwks: { keys: [key as never] }, features: { devInteractions: { enabled: false } } });
    const grant = grantWith(provider, { accountId: 'a1', clientId: 'app' }, fhirBase, {
      oidc: ['openid', 'fhirUser'],
      resource: ['patient/Observation.rs'],
      rejectedOidc: ['offline_access'],
      rejectedResource: ['patient/*.rs', 'user/*.rs'],
    });
    expect([grant.accountId, grant.clientId]).to.deep.equal(['a1', 'app']);
    expect(grant.getOIDCScope()).to.equal('openid fhirUser');
    expect(grant.getResourceScope(fhirBase)).to.equal('patient/Observation.rs');
    expect(grant.getRejectedOIDCScope()).to.equal('offline_access');
    expect(grant.getRejectedResourceScope(fhirBase)).to.equal('patient/*.rs user/*.rs');
    const bare = grantWith(provider, { accountId: 'a1', clientId: 'app' }, fhirBase, { oidc: ['openid'], resource: [], rejectedOidc: [], rejectedResource: [] });
    expect([bare.getResourceScope(fhirBase), bare.getRejectedOIDCScope(), bare.getRejectedResourceScope(fhirBase)]).to.deep.equal(['', '', '']);
  });
});
