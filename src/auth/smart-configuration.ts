/**
 * SMART App Launch 2.2 discovery (`[base]/.well-known/smart-configuration`, spec §"SMART on FHIR
 * discovery"): lists only what this server really does today. What is not built (dynamic registration
 * unless configured) is left out rather than advertised.
 */
import { issuerFor } from './provider.ts';
import { launchScopes, openIdScopes, patientResourceScopes, refreshScopes, staffResourceScopes } from './grant-policy.ts';

/**
 * Scopes the authorization server grants today: OpenID, launch, refresh, the wildcard patient read scopes
 * (v2 and v1), and the wildcard user/ read scopes staff apps get through an EHR launch.
 */
export const supportedScopes = [
  ...openIdScopes,
  ...launchScopes,
  ...refreshScopes,
  ...patientResourceScopes.filter((s) => s.startsWith('patient/*.')),
  ...staffResourceScopes.filter((s) => s.startsWith('user/*.')),
];

export function smartConfiguration(publicUrl: URL, options: { registration: boolean }): Record<string, unknown> {
  const issuer = issuerFor(publicUrl);
  return {
    issuer,
    jwks_uri: `${issuer}/jwks`,
    authorization_endpoint: `${issuer}/auth`,
    token_endpoint: `${issuer}/token`,
    introspection_endpoint: `${issuer}/token/introspection`,
    revocation_endpoint: `${issuer}/token/revocation`,
    userinfo_endpoint: `${issuer}/me`,
    ...(options.registration ? { registration_endpoint: `${issuer}/reg` } : {}),
    grant_types_supported: ['authorization_code', 'refresh_token', 'client_credentials'],
    response_types_supported: ['code'],
    code_challenge_methods_supported: ['S256'],
    token_endpoint_auth_methods_supported: ['none', 'client_secret_basic', 'client_secret_post', 'private_key_jwt'],
    token_endpoint_auth_signing_alg_values_supported: ['RS384', 'ES384'],
    management_endpoint: new URL('/account/apps', publicUrl).toString(),
    scopes_supported: supportedScopes,
    capabilities: [
      'launch-standalone',
      'launch-ehr',
      'authorize-post',
      'client-public',
      'client-confidential-symmetric',
      'client-confidential-asymmetric',
      'sso-openid-connect',
      'context-standalone-patient',
      'context-ehr-patient',
      'context-banner',
      'context-style',
      'permission-patient',
      'permission-user',
      'permission-offline',
      'permission-online',
      'permission-v1',
      'permission-v2',
    ],
  };
}
