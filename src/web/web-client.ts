/**
 * The first-party web app as a SMART/OIDC confidential client of the portal's own authorization
 * server (openid-client), backend-for-frontend style: tokens never reach the browser.
 */
import * as oidc from 'openid-client';
import { trailingReference } from '../core/fhir/references.ts';

export interface WebClientOptions {
  readonly issuer: string;
  readonly clientId: string;
  readonly clientSecret: string;
  readonly redirectUri: string;
  readonly fhirBase: string;
}

export interface TokenSet {
  readonly accessToken: string;
  readonly refreshToken: string | undefined;
  readonly expiresAt: number;
  readonly patient: string | undefined;
  readonly accountId: string;
  /** Who signed in, as the id_token's fhirUser names them (Patient/…, or RelatedPerson/… for a proxy). */
  readonly fhirUser?: string;
}

export interface PendingLogin {
  readonly state: string;
  readonly nonce: string;
  readonly verifier: string;
}

export interface WebClient {
  startLogin(): Promise<{ url: string; pending: PendingLogin }>;
  finishLogin(callbackUrl: URL, pending: PendingLogin): Promise<TokenSet>;
  refresh(refreshToken: string, accountId: string): Promise<TokenSet>;
  revoke(token: string): Promise<void>;
}

// The web app asks for the patient's record, to write secure messages (the facade's write path), and a refresh token that lives no longer than the session.
const scope = 'openid fhirUser launch/patient patient/*.rs patient/Communication.c online_access';

export function createWebClient(options: WebClientOptions): WebClient {
  let configuration: Promise<oidc.Configuration> | undefined;
  // Discovery waits for the first sign-in: the server it discovers is this very process.
  const config = () => {
    configuration ??= oidc
      .discovery(new URL(options.issuer), options.clientId, undefined, oidc.ClientSecretBasic(options.clientSecret), {
        ...(options.issuer.startsWith('http://') ? { execute: [oidc.allowInsecureRequests] } : {}),
        timeout: 10,
      })
      .catch((error: unknown) => {
        configuration = undefined;
        throw error;
      });
    return configuration;
  };

  const toTokenSet = (tokens: oidc.TokenEndpointResponse & oidc.TokenEndpointResponseHelpers, previousAccount?: string): TokenSet => {
    const claims = tokens.claims();
    return {
      accessToken: tokens.access_token,
      refreshToken: tokens.refresh_token,
      expiresAt: Date.now() + (tokens.expires_in ?? 0) * 1000,
      patient: typeof tokens['patient'] === 'string' ? (tokens['patient'] as string) : undefined,
      accountId: claims?.sub ?? previousAccount ?? '',
      ...(typeof claims?.['fhirUser'] === 'string' ? { fhirUser: trailingReference(claims['fhirUser'] as string) } : {}),
    };
  };

  return {
    async startLogin() {
      const pending = { state: oidc.randomState(), nonce: oidc.randomNonce(), verifier: oidc.randomPKCECodeVerifier() };
      const url = oidc.buildAuthorizationUrl(await config(), {
        redirect_uri: options.redirectUri,
        scope,
        code_challenge: await oidc.calculatePKCECodeChallenge(pending.verifier),
        code_challenge_method: 'S256',
        state: pending.state,
        nonce: pending.nonce,
        resource: options.fhirBase,
        aud: options.fhirBase,
        // Every sign-in asks for all three factors; an authorization-server session never signs in silently.
        prompt: 'login',
      });
      return { url: url.toString(), pending };
    },
    async finishLogin(callbackUrl, pending) {
      const tokens = await oidc.authorizationCodeGrant(await config(), callbackUrl, {
        pkceCodeVerifier: pending.verifier,
        expectedState: pending.state,
        expectedNonce: pending.nonce,
        idTokenExpected: true,
      });
      return toTokenSet(tokens);
    },
    async refresh(refreshToken, accountId) {
      return toTokenSet(await oidc.refreshTokenGrant(await config(), refreshToken, { resource: options.fhirBase }), accountId);
    },
    async revoke(token) {
      await oidc.tokenRevocation(await config(), token);
    },
  };
}
