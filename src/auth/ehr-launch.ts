/**
 * SMART App Launch 2.2 "EHR launch": the staff console made an opaque launch value bound to a staff
 * account, an app and a patient (store/launch-context.ts). When the app authorizes with it and that
 * staff member is signed in, the launch is used up (once, atomically) and a grant is made for exactly
 * this launch: the requested openid/launch scopes and the requested resource scopes a staff member's
 * app may hold (user/ ones only as registered for the app), with the launch's patient, a patient
 * banner and the portal's style as its context. No consent screen: the practice registered the app for launching from the console.
 */
import { errors, type KoaContextWithOIDC } from 'oidc-provider';
import type { Db } from '../store/db.ts';
import { findAccount } from '../store/accounts.ts';
import { consumeEhrLaunch, ehrLaunchOwner, saveGrantContext } from '../store/launch-context.ts';
import { registeredUserScopes } from '../store/oauth-clients.ts';
import { ehrLaunchGrantScopes, grantWith, requestedScopes } from './grant-policy.ts';

/** The authorization request's `launch` parameter, if it has one. */
export const launchParam = (ctx: KoaContextWithOIDC): string | undefined => {
  const value = (ctx.oidc.params as Record<string, unknown> | undefined)?.['launch'];
  return typeof value === 'string' ? value : undefined;
};

/**
 * The staff account that made the EHR launch an authorization request names (its `launch` for its
 * `client_id`), used or not: the one person who must sign in for it. Undefined when the request has no
 * launch or names none made for that app.
 */
export async function launchingStaff(db: Db, params: Readonly<Record<string, unknown>>): Promise<string | undefined> {
  const launch = params['launch'];
  const clientId = params['client_id'];
  return typeof launch === 'string' && typeof clientId === 'string' ? ehrLaunchOwner(db, launch, clientId) : undefined;
}

export async function ehrLaunchGrant(ctx: KoaContextWithOIDC, deps: { db: Db; fhirBase: string; launch: string }) {
  const client = ctx.oidc.client!;
  const accountId = ctx.oidc.session!.accountId!;
  const account = await findAccount(deps.db, accountId);
  // Someone else is signed in: no grant; the login prompt asks for the launching staff member (provider.ts policy).
  if (account?.kind !== 'staff') return undefined;
  const launched = await consumeEhrLaunch(deps.db, deps.launch, client.clientId, accountId, new Date());
  if (!launched) throw new errors.InvalidRequest('launch is unknown, expired, already used or for another app');
  // user/ scopes only as staff registered them for this app; none otherwise (grant-policy.ts).
  const scopes = ehrLaunchGrantScopes(requestedScopes(ctx.oidc.params?.['scope']), await registeredUserScopes(deps.db, client.clientId));
  const grant = grantWith(ctx.oidc.provider, { clientId: client.clientId, accountId }, deps.fhirBase, scopes);
  const grantId = await grant.save();
  await saveGrantContext(deps.db, grantId, { patient: launched.patient, needPatientBanner: true, smartStyle: true });
  return grant;
}
