/**
 * Apps registered by staff (SMART clients). They live where oidc-provider looks up every non-static
 * client — its adapter's `Client` model — so a registration takes effect at once on every replica.
 */
import { randomBytes, randomUUID } from 'node:crypto';
import type { Queryable } from './db.ts';

export type ClientKind = 'public' | 'confidential-secret' | 'confidential-jwks' | 'backend';

export interface NewClient {
  readonly name: string;
  readonly redirectUris: readonly string[];
  readonly kind: ClientKind;
  readonly jwksUri?: string;
  /** Inline public keys, for clients without a JWKS URL. */
  readonly jwks?: { keys: unknown[] };
  /** Backend clients: the system/ scopes they may ever be granted. */
  readonly scope?: string;
  /** SMART EHR launch: where the staff console sends the browser with `iss` and `launch`. */
  readonly launchUrl?: string;
  /** SMART EHR launch: the user/ scopes the app may ever be granted when opened from the console (none if absent). */
  readonly userScopes?: readonly string[];
}

export interface RegisteredClient {
  readonly clientId: string;
  readonly clientSecret?: string;
}

export async function registerClient(db: Queryable, input: NewClient): Promise<RegisteredClient> {
  const clientId = randomUUID();
  const clientSecret = input.kind === 'confidential-secret' ? randomBytes(32).toString('base64url') : undefined;
  const backend = input.kind === 'backend';
  const metadata = {
    client_id: clientId,
    client_name: input.name,
    client_id_issued_at: Math.floor(Date.now() / 1000),
    redirect_uris: backend ? [] : [...input.redirectUris],
    grant_types: backend ? ['client_credentials'] : ['authorization_code', 'refresh_token'],
    response_types: backend ? [] : ['code'],
    token_endpoint_auth_method: input.kind === 'public' ? 'none' : input.kind === 'confidential-secret' ? 'client_secret_basic' : 'private_key_jwt',
    ...(clientSecret ? { client_secret: clientSecret } : {}),
    ...(input.jwksUri ? { jwks_uri: input.jwksUri } : {}),
    ...(input.jwks ? { jwks: input.jwks } : {}),
    ...(input.scope ? { scope: input.scope } : {}),
    ...(input.launchUrl && !backend ? { smart_launch_url: input.launchUrl } : {}),
    // Kept beside the launch URL rather than in `scope`, which oidc-provider allows for its own (OpenID, system/) scopes only.
    ...(input.launchUrl && !backend && input.userScopes?.length ? { smart_user_scopes: input.userScopes.join(' ') } : {}),
  };
  await db.query("INSERT INTO oidc_payloads (model, id, payload) VALUES ('Client', $1, $2)", [clientId, JSON.stringify(metadata)]);
  return { clientId, ...(clientSecret ? { clientSecret } : {}) };
}

export async function listClients(db: Queryable): Promise<{ clientId: string; name: string; kind: string; redirectUris: string[] }[]> {
  const rows = await db.query<{ id: string; payload: { client_name?: string; token_endpoint_auth_method?: string; redirect_uris?: string[] } }>(
    "SELECT id, payload FROM oidc_payloads WHERE model = 'Client' ORDER BY payload->>'client_name'",
  );
  return rows.rows.map((r) => ({
    clientId: r.id,
    name: r.payload.client_name ?? r.id,
    kind: r.payload.token_endpoint_auth_method ?? '',
    redirectUris: r.payload.redirect_uris ?? [],
  }));
}

/** Apps staff may launch from a patient's page (those registered with a launch URL), by name. */
export async function listLaunchableClients(db: Queryable): Promise<{ clientId: string; name: string; launchUrl: string }[]> {
  const rows = await db.query<{ id: string; name: string | null; launch_url: string }>(
    "SELECT id, payload->>'client_name' AS name, payload->>'smart_launch_url' AS launch_url FROM oidc_payloads WHERE model = 'Client' AND payload ? 'smart_launch_url' ORDER BY payload->>'client_name'",
  );
  return rows.rows.map((r) => ({ clientId: r.id, name: r.name ?? r.id, launchUrl: r.launch_url }));
}

/** The user/ scopes staff registered for an EHR-launchable app (none when it was registered without any). */
export async function registeredUserScopes(db: Queryable, clientId: string): Promise<string[]> {
  const rows = await db.query<{ scopes: string | null }>("SELECT payload->>'smart_user_scopes' AS scopes FROM oidc_payloads WHERE model = 'Client' AND id = $1", [clientId]);
  return (rows.rows[0]?.scopes ?? '').split(' ').filter(Boolean);
}

export async function clientName(db: Queryable, clientId: string): Promise<string> {
  const rows = await db.query<{ name: string | null }>("SELECT payload->>'client_name' AS name FROM oidc_payloads WHERE model = 'Client' AND id = $1", [clientId]);
  return rows.rows[0]?.name ?? clientId;
}

export interface AppGrant {
  readonly grantId: string;
  readonly clientId: string;
  readonly resourceScopes: string[];
  readonly offline: boolean;
  readonly lastUsedAt: Date | null;
}

/** The account's grants to third-party apps (the portal's own web app is not listed). */
export async function listAppGrants(db: Queryable, accountId: string, firstPartyClientId: string): Promise<AppGrant[]> {
  const rows = await db.query<{ id: string; payload: { clientId: string; openid?: { scope?: string }; resources?: Record<string, string> }; last_used_at: Date | null }>(
    `SELECT g.id, g.payload, u.last_used_at FROM oidc_payloads g LEFT JOIN grant_usage u ON u.grant_id = g.id
      WHERE g.model = 'Grant' AND g.payload->>'accountId' = $1 AND g.payload->>'clientId' <> $2
        AND (g.expires_at IS NULL OR g.expires_at > now())
      ORDER BY g.id`,
    [accountId, firstPartyClientId],
  );
  return rows.rows.map((r) => ({
    grantId: r.id,
    clientId: r.payload.clientId,
    resourceScopes: Object.values(r.payload.resources ?? {})
      .flatMap((s) => s.split(' '))
      .filter(Boolean),
    offline: (r.payload.openid?.scope ?? '').split(' ').includes('offline_access'),
    lastUsedAt: r.last_used_at,
  }));
}

export interface RevokedGrant {
  readonly clientId: string;
  /** The grant's scopes (OpenID and resource), space-separated, as they stood when it ended. */
  readonly scope: string;
}

/**
 * Ends a grant and everything issued under it (tokens, codes): the app loses access on its next request.
 * The grant row is locked first, so of two concurrent calls only one ends it (and only one is audited).
 * Returns what was ended, or undefined when the account holds no such grant.
 */
export async function revokeAppGrant(db: Queryable, accountId: string, grantId: string): Promise<RevokedGrant | undefined> {
  const owned = await db.query<{ payload: { clientId: string; openid?: { scope?: string }; resources?: Record<string, string> } }>(
    "SELECT payload FROM oidc_payloads WHERE model = 'Grant' AND id = $1 AND payload->>'accountId' = $2 FOR UPDATE",
    [grantId, accountId],
  );
  const grant = owned.rows[0]?.payload;
  if (!grant) return undefined;
  await db.query("DELETE FROM oidc_payloads WHERE grant_id = $1 OR (model = 'Grant' AND id = $1)", [grantId]);
  await db.query('DELETE FROM grant_usage WHERE grant_id = $1', [grantId]);
  const scope = [grant.openid?.scope ?? '', ...Object.values(grant.resources ?? {})]
    .flatMap((s) => s.split(' '))
    .filter(Boolean)
    .join(' ');
  return { clientId: grant.clientId, scope };
}
