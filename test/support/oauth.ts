/**
 * The authorization code flow as a client drives it, for HTTP-level tests: the authorization request
 * with PKCE and aud, the patient's sign-in, and the redirect that carries the code.
 */
import { createHash, randomBytes } from 'node:crypto';
import { webClientSecret } from '../../src/auth/provider.ts';
import { HttpClient, formAction } from './http-client.ts';
import type { RunningPortal } from './portal.ts';
import type { Onboarded } from './onboard.ts';

export interface CodeResult {
  readonly code: string;
  readonly state: string | null;
  readonly verifier: string;
}

/** Signs the person in for the portal's own web client and stops at the redirect that carries the code. */
export async function authorizationCode(portal: RunningPortal, person: Onboarded, scope: string, extra: Record<string, string> = {}): Promise<CodeResult> {
  const verifier = randomBytes(32).toString('base64url');
  const browser = new HttpClient(portal.url);
  const query = new URLSearchParams({
    client_id: 'puente-web',
    response_type: 'code',
    redirect_uri: `${portal.url}/auth/callback`,
    scope,
    state: 's1',
    code_challenge: createHash('sha256').update(verifier).digest('base64url'),
    code_challenge_method: 'S256',
    aud: `${portal.url}/fhir`,
    ...extra,
  });
  const form = await browser.get(`/oidc/auth?${query}`);
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
  const response = await fetch(`${portal.url}/oidc/token`, { method: 'POST', headers: { authorization: basic, 'content-type': 'application/x-www-form-urlencoded' }, body: new URLSearchParams(fields) });
  return { status: response.status, headers: response.headers, json: (await response.json()) as Record<string, unknown> };
}
