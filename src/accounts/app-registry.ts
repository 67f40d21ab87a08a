/**
 * Staff registration of SMART apps (public, confidential with a secret, confidential with keys), and the
 * list of registered apps. What makes a registration acceptable lives here, not in the page: redirect
 * URIs are https (or http on loopback, for development), without fragments; a launch URL likewise; user/
 * scopes only from the catalog and only for apps opened from the console (a launch URL).
 */
import { AppError } from '../core/errors.ts';
import { userScopeCatalog } from '../access/allow-lists.ts';
import { listClients, listLaunchableClients, registerClient, type ClientKind, type RegisteredClient } from '../store/oauth-clients.ts';
import type { AccountsDeps } from './deps.ts';

export const registrableKinds = ['public', 'confidential-secret', 'confidential-jwks'] as const satisfies readonly ClientKind[];

export interface AppRegistration {
  readonly name: string;
  readonly redirectUris: readonly string[];
  /** '' when none of the registrable kinds was chosen. */
  readonly kind: (typeof registrableKinds)[number] | '';
  readonly jwksUri: string;
  readonly launchUrl: string;
  /** The user/ scopes an app opened from the console may ever hold (none unless listed here). */
  readonly userScopes: readonly string[];
}

const validRedirect = (uri: string) => {
  try {
    const url = new URL(uri);
    return !url.hash && (url.protocol === 'https:' || (url.protocol === 'http:' && ['localhost', '127.0.0.1', '[::1]'].includes(url.hostname)));
  } catch {
    return false;
  }
};

/** Every registered app, and which of them staff may open from a patient's page. */
export async function registeredApps(deps: Pick<AccountsDeps, 'db'>) {
  const [clients, launchable] = await Promise.all([listClients(deps.db), listLaunchableClients(deps.db)]);
  return { clients, launchable };
}

/** Registers the app; AppError bad_request when anything about it is unacceptable. */
export async function registerApp(deps: Pick<AccountsDeps, 'db'>, input: AppRegistration): Promise<RegisteredClient> {
  const { name, redirectUris, kind, jwksUri, launchUrl, userScopes } = input;
  if (kind === '') throw new AppError('bad_request', 400);
  const catalog = userScopeCatalog();
  const valid =
    name.length > 0 &&
    redirectUris.length > 0 &&
    redirectUris.every(validRedirect) &&
    (kind !== 'confidential-jwks' || validRedirect(jwksUri)) &&
    (!launchUrl || validRedirect(launchUrl)) &&
    (userScopes.length === 0 || (!!launchUrl && userScopes.every((s) => catalog.includes(s))));
  if (!valid) throw new AppError('bad_request', 400);
  return registerClient(deps.db, {
    name,
    redirectUris: [...redirectUris],
    kind,
    ...(jwksUri ? { jwksUri } : {}),
    ...(launchUrl ? { launchUrl, userScopes: [...new Set(userScopes)] } : {}),
  });
}
