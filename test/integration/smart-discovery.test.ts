import { expect } from 'chai';
import { authorizationRequest } from '../support/oauth.ts';
import { startPortal, type RunningPortal } from '../support/portal.ts';

const registrationToken = 'initial-access-token-for-tests-0123456789';

describe('SMART discovery and authorization request checks (issue #4, first part)', function () {
  this.timeout(60_000);
  let portal: RunningPortal;
  before(async () => {
    portal = await startPortal({ CLIENT_REGISTRATION_TOKEN: registrationToken });
  });
  after(() => portal.stop());

  it('publishes /fhir/.well-known/smart-configuration with CORS and only what the server does', async () => {
    const response = await fetch(`${portal.url}/fhir/.well-known/smart-configuration`, { headers: { origin: 'https://app.example' } });
    expect(response.status).to.equal(200);
    expect(response.headers.get('access-control-allow-origin')).to.equal('*');
    const config = (await response.json()) as Record<string, unknown>;
    expect(config).to.include({
      issuer: `${portal.url}/oidc`,
      jwks_uri: `${portal.url}/oidc/jwks`,
      authorization_endpoint: `${portal.url}/oidc/auth`,
      token_endpoint: `${portal.url}/oidc/token`,
      introspection_endpoint: `${portal.url}/oidc/token/introspection`,
      revocation_endpoint: `${portal.url}/oidc/token/revocation`,
    });
    expect(config['code_challenge_methods_supported']).to.deep.equal(['S256']);
    expect(config['capabilities']).to.include.members(['launch-standalone', 'context-standalone-patient', 'permission-v2', 'permission-v1', 'sso-openid-connect']);
    // Each advertised endpoint answers (the OIDC discovery document agrees on them).
    const oidc = (await (await fetch(`${portal.url}/oidc/.well-known/openid-configuration`)).json()) as Record<string, unknown>;
    for (const key of ['authorization_endpoint', 'token_endpoint', 'introspection_endpoint', 'revocation_endpoint', 'jwks_uri']) expect(oidc[key], key).to.equal(config[key]);
    expect(oidc['response_types_supported']).to.deep.equal(['code']);
  });

  const authorize = (overrides: Record<string, string | undefined>) =>
    fetch(`${portal.url}${authorizationRequest(portal, { state: 'state-123', ...overrides }).path}`, { redirect: 'manual', headers: { 'accept-language': 'es' } });
  const redirectOf = (response: Response) => new URL(response.headers.get('location')!, portal.url);

  it('sends a correct request on to sign-in', async () => {
    const response = await authorize({});
    expect(response.status).to.be.oneOf([302, 303]);
    expect(redirectOf(response).pathname).to.match(/^\/interaction\//);
  });

  for (const [name, overrides] of [
    ['a wrong aud', { aud: 'https://other.example/fhir' }],
    ['a missing aud', { aud: undefined }],
    ['no PKCE challenge', { code_challenge: undefined, code_challenge_method: undefined }],
    ['the plain PKCE method', { code_challenge_method: 'plain' }],
  ] as const) {
    it(`answers ${name} with an error to the client and no code`, async () => {
      const response = await authorize(overrides);
      const location = redirectOf(response);
      expect(location.origin + location.pathname).to.equal(`${portal.url}/auth/callback`);
      expect(location.searchParams.get('error')).to.equal('invalid_request');
      expect(location.searchParams.get('state')).to.equal('state-123');
      expect(location.searchParams.has('code')).to.equal(false);
    });
  }

  it('registers clients dynamically (RFC 7591) only with the initial access token', async () => {
    const config = (await (await fetch(`${portal.url}/fhir/.well-known/smart-configuration`)).json()) as Record<string, string>;
    expect(config['registration_endpoint']).to.equal(`${portal.url}/oidc/reg`);
    const metadata = JSON.stringify({
      client_name: 'Dynamic app',
      redirect_uris: ['https://app.example/callback'],
      token_endpoint_auth_method: 'none',
      grant_types: ['authorization_code'],
      response_types: ['code'],
    });
    const register = (token?: string) =>
      fetch(config['registration_endpoint']!, {
        method: 'POST',
        headers: { 'content-type': 'application/json', ...(token ? { authorization: `Bearer ${token}` } : {}) },
        body: metadata,
      });
    expect((await register()).status).to.equal(401);
    expect((await register('wrong-token-wrong-token-wrong-token')).status).to.equal(401);
    const created = await register(registrationToken);
    expect(created.status).to.equal(201);
    const client = (await created.json()) as { client_id: string; client_name: string };
    expect(client.client_name).to.equal('Dynamic app');
    // The new client can start an authorization request at once (every replica reads clients from the store).
    const response = await authorize({ client_id: client.client_id, redirect_uri: 'https://app.example/callback' });
    expect(redirectOf(response).pathname).to.match(/^\/interaction\//);
  });

  it('never redirects to a redirect_uri that is not registered exactly', async () => {
    const response = await authorize({ redirect_uri: `${portal.url}/auth/callback/../evil` });
    expect(response.status).to.equal(400);
    expect(response.headers.get('location')).to.equal(null);
    // The refusal page is the portal's own, in the visitor's language, with no upstream detail.
    expect(await response.text()).to.include('No se pudo continuar con el inicio de sesión');
  });
});
