/**
 * The authorization code flow as a client drives it, for HTTP-level tests: the authorization request
 * with PKCE and aud, the patient's sign-in, and the redirect that carries the code.
 */
import { createHash, randomBytes } from 'node:crypto';
import { webClientSecret } from '../../src/auth/provider.ts';
import { HttpClient, formAction, type PageResponse } from './http-client.ts';
import type { RunningPortal } from './portal.ts';
import type { Onboarded } from './onboard.ts';

export interface CodeResult {
  readonly code: string;
  readonly state: string | null;
  readonly verifier: string;
}

/**
 * An authorization request path with a fresh PKCE verifier: the portal's own web client by default, every
 * default overridable, and a parameter given as undefined left out (for the refusal tests).
 */
export function authorizationRequest(portal: RunningPortal, params: Record<string, string | undefined> = {}): { path: string; verifier: string } {
  const verifier = randomBytes(32).toString('base64url');
  const all: Record<string, string | undefined> = {
    client_id: 'puente-web',
    response_type: 'code',
    redirect_uri: `${portal.url}/auth/callback`,
    scope: 'openid fhirUser launch/patient patient/*.rs',
    state: 's1',
    code_challenge: createHash('sha256').update(verifier).digest('base64url'),
    code_challenge_method: 'S256',
    aud: `${portal.url}/fhir`,
    ...params,
  };
  const query = new URLSearchParams(Object.entries(all).filter((e): e is [string, string] => e[1] !== undefined));
  return { path: `/oidc/auth?${query}`, verifier };
}

/** Starts an authorization request in a fresh browser stand-in, signs the person in, and returns the page it stops on (picker, consent …). */
export async function signInToAuthorize(
  portal: RunningPortal,
  person: Pick<Onboarded, 'email' | 'password'> & { patient: { birthDate: string } },
  params: Record<string, string | undefined>,
  language?: 'es' | 'en',
): Promise<{ browser: HttpClient; page: PageResponse; verifier: string }> {
  const { path, verifier } = authorizationRequest(portal, params);
  const browser = new HttpClient(portal.url, language);
  const signIn = await browser.get(path);
  const page = await browser.submit(formAction(signIn.body, /^\/interaction\//), { email: person.email, password: person.password, birthDate: person.patient.birthDate });
  return { browser, page, verifier };
}

/** Signs the person in for the portal's own web client and stops at the redirect that carries the code. */
export async function authorizationCode(portal: RunningPortal, person: Onboarded, scope: string, extra: Record<string, string> = {}): Promise<CodeResult> {
  const { path, verifier } = authorizationRequest(portal, { scope, ...extra });
  const browser = new HttpClient(portal.url);
  const form = await browser.get(path);
  const csrf = /name="_csrf" value="([^"]+)"/.exec(form.body)![1]!;
  const credentials = new URLSearchParams({ _csrf: csrf, email: person.email, password: person.password, birthDate: person.patient.birthDate });
  let page = await browser.request('POST', formAction(form.body, /^\/interaction\//), credentials);
  while (page.location && !page.location.includes('/auth/callback')) page = await browser.request('GET', new URL(page.location, page.url).toString());
  const callback = new URL(page.location!, portal.url);
  return { code: callback.searchParams.get('code')!, state: callback.searchParams.get('state'), verifier };
}

/** Calls the token endpoint as the portal's web client (client_secret_basic). */
export async function webClientToken(portal: RunningPortal, fields: Record<string, string>): Promise<{ status: number; headers: Headers; json: Record<string, unknown> }> {
  const basic = `Basic ${Buffer.from(`puente-web:${webClientSecret(portal.ctx.config.secretKeys)}`).toString('base64')}`;
  const response = await fetch(`${portal.url}/oidc/token`, {
    method: 'POST',
    headers: { authorization: basic, 'content-type': 'application/x-www-form-urlencoded' },
    body: new URLSearchParams(fields),
  });
  return { status: response.status, headers: response.headers, json: (await response.json()) as Record<string, unknown> };
}
