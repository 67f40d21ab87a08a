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
import { consumeEhrLaunch, saveGrantContext } from '../store/launch-context.ts';
import { registeredUserScopes } from '../store/oauth-clients.ts';

/** The authorization request's `launch` parameter, if it has one. */
export const launchParam = (ctx: KoaContextWithOIDC): string | undefined => {
  const value = (ctx.oidc.params as Record<string, unknown> | undefined)?.['launch'];
  return typeof value === 'string' ? value : undefined;
};

export async function ehrLaunchGrant(
  ctx: KoaContextWithOIDC,
  deps: { db: Db; fhirBase: string; launch: string; resourceScopes: readonly string[]; openIdScopes: readonly string[] },
) {
  const client = ctx.oidc.client!;
  const accountId = ctx.oidc.session!.accountId!;
  const account = await findAccount(deps.db, accountId);
  // Someone else is signed in: no grant; the login prompt asks for the launching staff member (provider.ts policy).
  if (account?.kind !== 'staff') return undefined;
  const launched = await consumeEhrLaunch(deps.db, deps.launch, client.clientId, accountId, new Date());
  if (!launched) throw new errors.InvalidRequest('launch is unknown, expired, already used or for another app');
  const requested = String(ctx.oidc.params?.['scope'] ?? '').split(' ').filter(Boolean);
  const grant = new ctx.oidc.provider.Grant({ clientId: client.clientId, accountId });
  grant.addOIDCScope(requested.filter((s) => deps.openIdScopes.includes(s)).join(' '));
  // user/ scopes only as staff registered them for this app; none otherwise.
  const registered = new Set(await registeredUserScopes(deps.db, client.clientId));
  const resource = requested.filter((s) => deps.resourceScopes.includes(s) && (!s.startsWith('user/') || registered.has(s)));
  if (resource.length > 0) grant.addResourceScope(deps.fhirBase, resource.join(' '));
  // The rest are recorded as refused, so the authorization completes with what was granted (no consent prompt).
  const refused = requested.filter((s) => deps.resourceScopes.includes(s) && !resource.includes(s));
  if (refused.length > 0) grant.rejectResourceScope(deps.fhirBase, refused.join(' '));
  const grantId = await grant.save();
  await saveGrantContext(deps.db, grantId, { patient: launched.patient, needPatientBanner: true, smartStyle: true });
  return grant;
}
