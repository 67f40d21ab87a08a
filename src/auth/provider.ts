/**
 * The authorization server: oidc-provider, with its state in the portal store, no development
 * interactions, PKCE (S256) required for every client, refresh-token rotation, opaque access tokens
 * for the FHIR facade (so revocation is a store lookup and acts on the next request), and RS256
 * id_tokens carrying `fhirUser` (SMART App Launch 2.2, OIDC Core).
 * The sign-in page is the portal's own (web/interaction-router.ts).
 */
import { createHmac } from 'node:crypto';
import type { JsonWebKey } from 'node:crypto';
import Provider, { errors, interactionPolicy, type Configuration, type KoaContextWithOIDC } from 'oidc-provider';
import type { Db } from '../store/db.ts';
import { findAccount } from '../store/accounts.ts';
import { createOidcAdapter } from '../store/oidc-adapter.ts';
import { systemScopeCatalog } from '../access/allow-lists.ts';
import { findUsableEhrLaunch } from '../store/launch-context.ts';
import { ehrLaunchGrant, launchParam, launchingStaff } from './ehr-launch.ts';
import { firstPartyGrantScopes, grantWith, launchScopes, openIdScopes, refreshScopes, requestedScopes, staffResourceScopes } from './grant-policy.ts';
import { grantFitsChoice, pickedPatient, pickerPrompt, savePickedContext, verifiedChoice } from './patient-picker.ts';
import type { Logger } from '../core/log.ts';
import { tokenAuditMiddleware } from './token-audit.ts';
import { createRequestReads } from './request-reads.ts';

export interface ProviderOptions {
  readonly db: Db;
  readonly publicUrl: URL;
  readonly secretKeys: readonly string[];
  readonly signingKeys: readonly JsonWebKey[];
  readonly trustProxy: boolean;
  readonly sessionMaxMs: number;
  readonly clientRegistrationToken?: string | undefined;
  /** Renders the OAuth error page in the visitor's language (supplied by the web layer). */
  readonly renderErrorPage: (acceptLanguage: string | undefined, code: string) => string;
  /** The audit source's name (AuditEvent.source.observer). */
  readonly portalName: string;
  readonly log: Logger;
}

/** The portal's own web app: a confidential client of this server, like any other (DESIGN.md "Architecture"). */
export const webClientId = 'puente-web';

export const issuerFor = (publicUrl: URL) => new URL('/oidc', publicUrl).toString();
export const fhirBaseFor = (publicUrl: URL) => new URL('/fhir', publicUrl).toString();
export const webClientSecret = (secretKeys: readonly string[]) => createHmac('sha256', secretKeys[0]!).update('client-secret:puente-web').digest('base64url');

/** The JSON style document EHR-launched apps are pointed at (SMART App Launch 2.2 smart_style_url). */
export const smartStyleUrlFor = (publicUrl: URL) => new URL('/assets/smart-style.json', publicUrl).toString();

export function createProvider(options: ProviderOptions): Provider {
  const issuer = issuerFor(options.publicUrl);
  const fhirBase = fhirBaseFor(options.publicUrl);
  const secure = options.publicUrl.protocol === 'https:';
  // The account, launch context and reach one token request needs, read once and shared by its steps (request-reads.ts).
  const reads = createRequestReads(options.db);

  /**
   * The patient a grant acts for: the launch context it was made with (EHR launch, patient picker), else the one
   * patient the account acts for. The id_token (findAccount) and the access token (extraTokenClaims) both ask
   * here, so their fhirUser cannot differ.
   */
  async function grantPatient(ctx: object | undefined, accountId: string, token: object | undefined): Promise<string | undefined> {
    const grantId = token && 'grantId' in token && typeof token.grantId === 'string' ? token.grantId : undefined;
    const context = grantId ? await reads.grantContext(ctx, grantId) : undefined;
    if (context) return context.patient;
    const { patients } = await reads.reach(ctx, accountId);
    return patients.length === 1 ? patients[0]!.patient : undefined;
  }

  /**
   * SMART fhirUser for the patient a grant acts for: a RelatedPerson belongs to one patient, so an account acting
   * as family for this patient (a proxy link, or a patient who is also someone's family member) is that link's
   * RelatedPerson; otherwise the account's own fhirUser. The facade's token check decides the same way.
   */
  async function fhirUserFor(ctx: object | undefined, account: { id: string; kind: string; fhir_user: string | null }, patient: string | undefined): Promise<string | undefined> {
    if (patient && account.kind !== 'staff' && account.fhir_user !== `Patient/${patient}`) {
      const reached = (await reads.reach(ctx, account.id)).patients.find((p) => p.patient === patient);
      if (reached?.via === 'proxy' && reached.relatedPerson) return reached.relatedPerson;
    }
    return account.fhir_user ?? undefined;
  }

  const configuration: Configuration = {
    adapter: createOidcAdapter(options.db),
    clients: [
      {
        client_id: webClientId,
        client_secret: webClientSecret(options.secretKeys),
        redirect_uris: [new URL('/auth/callback', options.publicUrl).toString()],
        post_logout_redirect_uris: [new URL('/', options.publicUrl).toString()],
        grant_types: ['authorization_code', 'refresh_token'],
        response_types: ['code'],
        token_endpoint_auth_method: 'client_secret_basic',
      },
    ],
    jwks: { keys: options.signingKeys as never[] },
    cookies: {
      keys: [...options.secretKeys],
      long: { httpOnly: true, sameSite: 'lax', secure, signed: true },
      short: { httpOnly: true, sameSite: 'lax', secure, signed: true },
    },
    // SMART App Launch 2.2: every authorization request names the FHIR server it wants a token for; a wrong
    // or missing `aud` gets an error, never a code.
    extraParams: {
      aud(_ctx, value) {
        if (value !== fhirBase) throw new errors.InvalidRequest('aud must be this server’s FHIR base URL');
      },
      // SMART EHR launch: `launch` comes with the `launch` scope, names a live, unused launch made for this app,
      // or the request fails with an OAuth error before anyone signs in. It is used up when the grant is made.
      async launch(ctx, value, client) {
        const scopes = String(ctx.oidc.params?.['scope'] ?? '').split(' ');
        if (value === undefined) {
          if (scopes.includes('launch')) throw new errors.InvalidRequest('the launch scope needs the launch parameter of an EHR launch');
          return;
        }
        if (typeof value !== 'string' || !scopes.includes('launch')) throw new errors.InvalidRequest('an EHR launch asks for the launch scope');
        if (!client || !(await findUsableEhrLaunch(options.db, value, client.clientId, new Date())))
          throw new errors.InvalidRequest('launch is unknown, expired, already used or for another app');
      },
    },
    // Client authentication: public apps (PKCE only), client secrets, and signed JWT assertions with
    // RS384 or ES384 as SMART App Launch 2.2 requires for asymmetric clients.
    clientAuthMethods: ['none', 'client_secret_basic', 'client_secret_post', 'private_key_jwt'],
    enabledJWA: { clientAuthSigningAlgValues: ['RS384', 'ES384', 'RS256', 'ES256'] },
    // Browser apps call the token endpoint from their own origin: allowed for the origins of their registered redirect URIs.
    // SMART Backend Services: a client assertion may live at most five minutes (exp from now, and exp - iat).
    async assertJwtClientAuthClaimsAndHeader(_ctx, claims) {
      const now = Math.floor(Date.now() / 1000);
      const exp = Number(claims['exp']);
      const iat = claims['iat'] === undefined ? undefined : Number(claims['iat']);
      if (exp - now > 300 || (iat !== undefined && exp - iat > 300)) throw new errors.InvalidClientAuth('client assertions may live at most 5 minutes');
    },
    clientBasedCORS: (_ctx, origin, client) => client.redirectUris?.some((uri) => new URL(uri).origin === origin) ?? false,
    // Authorization code flow only: no implicit or hybrid responses (OAuth 2.0 Security BCP, RFC 9700 §2.1.2).
    responseTypes: ['code'],
    pkce: { required: () => true },
    // system/ scopes are listed so backend clients can be registered for them (client metadata `scope`).
    scopes: [...openIdScopes, ...launchScopes, ...refreshScopes, ...systemScopeCatalog()],
    claims: { openid: ['sub'], fhirUser: ['fhirUser'], email: ['email'], profile: ['name'] },
    // SMART apps read fhirUser from the id_token even when an access token is also issued.
    conformIdTokenClaims: false,
    async findAccount(ctx, sub, token) {
      const account = await reads.account(ctx, sub);
      if (account?.status !== 'active') return undefined;
      return {
        accountId: account.id,
        // Asked for only when an id_token or userinfo is made. At the token endpoint the code or refresh token
        // names the grant, and so the patient it acts for.
        claims: async () => {
          const fhirUser = await fhirUserFor(ctx, account, await grantPatient(ctx, account.id, token));
          return {
            sub: account.id,
            email: account.email,
            ...(fhirUser ? { fhirUser: new URL(`fhir/${fhirUser}`, `${options.publicUrl.origin}/`).toString() } : {}),
          };
        },
      };
    },
    interactions: { url: (_ctx, interaction) => `/interaction/${interaction.uid}`, policy: interactionPolicyFor(options.db) },
    features: {
      devInteractions: { enabled: false },
      // A client may introspect or revoke only the tokens issued to it (RFC 7009 §2.1; RFC 7662 §4).
      revocation: { enabled: true, allowedPolicy: (_ctx, client, token) => token.clientId === client.clientId },
      introspection: { enabled: true, allowedPolicy: (_ctx, client, token) => token.clientId === client.clientId },
      rpInitiatedLogout: { enabled: false },
      // SMART Backend Services: client_credentials with private_key_jwt; jti replay is refused by oidc-provider.
      clientCredentials: { enabled: true },
      // RFC 7591, open only to holders of the configured initial access token.
      registration: options.clientRegistrationToken ? { enabled: true, initialAccessToken: options.clientRegistrationToken } : { enabled: false },
      resourceIndicators: {
        enabled: true,
        defaultResource: () => fhirBase,
        useGrantedResource: () => true,
        getResourceServerInfo: (ctx, resource) => {
          if (resource !== fhirBase) throw new errors.InvalidTarget();
          // SMART Backend Services: system tokens live at most five minutes.
          const backend = (ctx.oidc.params as { grant_type?: string } | undefined)?.grant_type === 'client_credentials';
          return backend
            ? { scope: systemScopeCatalog().join(' '), audience: fhirBase, accessTokenTTL: 300, accessTokenFormat: 'opaque' }
            : { scope: staffResourceScopes.join(' '), audience: fhirBase, accessTokenTTL: 900, accessTokenFormat: 'opaque' };
        },
      },
    },
    // The first-party web app needs no consent screen: it is the portal itself. Third-party apps get one.
    async loadExistingGrant(ctx: KoaContextWithOIDC) {
      const client = ctx.oidc.client!;
      const session = ctx.oidc.session!;
      // An EHR launch makes its own grant, with the launch's patient, once the right staff member is signed in.
      const launch = launchParam(ctx);
      if (launch !== undefined) return ehrLaunchGrant(ctx, { db: options.db, fhirBase, launch });
      // Patient picker: the choice must be a patient this account may act for (checked in the store), and only a
      // grant made for that patient may serve it; otherwise a new grant (and, for third-party apps, consent).
      const choice = await verifiedChoice(options.db, ctx);
      if (pickedPatient(ctx) && !choice) throw new errors.AccessDenied('the chosen patient is not one this account may act for');
      const grantId = ctx.oidc.result?.['consent']?.grantId ?? session.grantIdFor(client.clientId);
      if (grantId && (await grantFitsChoice(options.db, grantId, choice))) return ctx.oidc.provider.Grant.find(grantId);
      if (client.clientId !== webClientId) return undefined;
      // The portal's own app: what it asked for, user/ scopes refused (grant-policy.ts).
      const grant = grantWith(
        ctx.oidc.provider,
        { clientId: client.clientId, accountId: session.accountId! },
        fhirBase,
        firstPartyGrantScopes(requestedScopes(ctx.oidc.params?.['scope'])),
      );
      const savedId = await grant.save();
      if (choice) await savePickedContext(options.db, savedId, choice);
      return grant;
    },
    // Refresh tokens for offline_access and for SMART's online_access (SMART App Launch 2.2 §scopes).
    issueRefreshToken: (_ctx, client, code) => client.grantTypeAllowed('refresh_token') && (code.scopes.has('offline_access') || code.scopes.has('online_access')),
    rotateRefreshToken: true,
    async extraTokenClaims(ctx, token) {
      if (!('accountId' in token) || !token.accountId) return undefined;
      // Carried by the token itself, so the token response and introspection (RFC 7662) can name them.
      const account = await reads.account(ctx, token.accountId as string);
      const patient = await grantPatient(ctx, token.accountId as string, token);
      const user = account ? await fhirUserFor(ctx, account, patient) : undefined;
      const fhirUser = user ? `${fhirBase}/${user}` : undefined;
      return { ...(patient ? { patient } : {}), ...(fhirUser ? { fhirUser } : {}) };
    },
    ttl: {
      AccessToken: 900,
      ClientCredentials: 300,
      AuthorizationCode: 60,
      IdToken: 3600,
      Interaction: 3600,
      Session: Math.round(options.sessionMaxMs / 1000),
      Grant: 365 * 24 * 3600,
      RefreshToken: (_ctx, token) => (token.scopes.has('offline_access') ? 90 * 24 * 3600 : Math.round(options.sessionMaxMs / 1000)),
    },
    // The provider's own error page (bad client, bad redirect_uri…): the portal's page, never diagnostics.
    async renderError(ctx, out) {
      const code = typeof out['error'] === 'string' ? out['error'].replace(/[^a-z_]/g, '') : 'server_error';
      ctx.type = 'html';
      ctx.body = options.renderErrorPage(ctx.get('accept-language'), code);
    },
  };

  const provider = new Provider(issuer, configuration);
  provider.proxy = options.trustProxy;

  // OpenID Connect drops offline_access unless the request also says prompt=consent; SMART apps ask for
  // offline_access without it. Every third-party app sees the consent screen anyway, so ask for it.
  provider.use(async (ctx, next) => {
    if (ctx.path === '/auth' && ctx.method === 'GET') {
      const query = ctx.query as Record<string, string | string[] | undefined>;
      const scopes = typeof query['scope'] === 'string' ? query['scope'].split(' ') : [];
      // An EHR launch has no consent screen (the practice registered the app for launching): online access only.
      if (scopes.includes('offline_access') && query['client_id'] !== webClientId && query['prompt'] === undefined && query['launch'] === undefined) {
        ctx.query = { ...query, prompt: 'consent' };
      }
    }
    await next();
  });

  // Token events are audited before the answer leaves (token-audit.ts); it wraps the SMART response below.
  provider.use(
    tokenAuditMiddleware({
      db: options.db,
      portalName: options.portalName,
      account: (ctx, accountId) => reads.account(ctx, accountId),
      patientOfGrant: async (ctx, grantId) => (await reads.grantContext(ctx, grantId))?.patient,
      onError: (error) => options.log.error({ errorClass: (error as Error)?.name }, 'token event could not be audited'),
    }),
  );

  // SMART App Launch: the token response names the launch context's patient (§ "Response to Access Token request").
  provider.use(async (ctx, next) => {
    await next();
    if (ctx.path !== '/token' || ctx.status !== 200) return;
    const body = ctx.body as Record<string, unknown> | undefined;
    if (typeof body?.['access_token'] !== 'string') return;
    // The token and grant this exchange just issued and loaded (an opaque token's value is its jti); read only if absent.
    const issued = ctx.oidc.entities.AccessToken;
    const token = issued?.jti === body['access_token'] ? issued : await provider.AccessToken.find(body['access_token']);
    const patient = token?.extra?.['patient'];
    if (typeof patient === 'string') body['patient'] = patient;
    // EHR launch context: the app shows a patient banner and may take the portal's look (SMART App Launch 2.2).
    const context = token?.grantId ? await reads.grantContext(ctx, token.grantId) : undefined;
    if (context?.needPatientBanner) body['need_patient_banner'] = true;
    if (context?.smartStyle) body['smart_style_url'] = smartStyleUrlFor(options.publicUrl);
    // oidc-provider reports the access token's resource scopes; SMART's `scope` is everything granted,
    // OpenID and launch scopes included (SMART App Launch 2.2 §"Response to Access Token request").
    const loaded = ctx.oidc.entities.Grant;
    const grant = token?.grantId ? (loaded?.jti === token.grantId ? loaded : await provider.Grant.find(token.grantId)) : undefined;
    if (grant) body['scope'] = [...new Set([...String(grant.getOIDCScope() ?? '').split(' '), ...String(body['scope'] ?? '').split(' ')])].filter(Boolean).join(' ');
  });
  return provider;
}

/**
 * oidc-provider's prompts (login, then consent) with two more reasons to ask who is signing in:
 * an EHR launch must be authorized by the staff member who launched it, and a staff account never
 * stands in for a patient in a standalone launch.
 */
function interactionPolicyFor(db: Db) {
  const policy = interactionPolicy.base();
  policy.add(pickerPrompt(db), 1);
  const login = policy.get('login')!;
  login.checks.add(
    new interactionPolicy.Check('ehr_launch_user', 'the staff member who launched the app must sign in', 'login_required', async (ctx) => {
      const launch = launchParam(ctx);
      if (launch === undefined) return interactionPolicy.Check.NO_NEED_TO_PROMPT;
      const owner = await launchingStaff(db, { launch, client_id: ctx.oidc.client!.clientId });
      return owner !== undefined && owner === ctx.oidc.session?.accountId ? interactionPolicy.Check.NO_NEED_TO_PROMPT : interactionPolicy.Check.REQUEST_PROMPT;
    }),
  );
  login.checks.add(
    new interactionPolicy.Check('patient_user', 'a patient-side account must sign in', 'login_required', async (ctx) => {
      if (launchParam(ctx) !== undefined || !ctx.oidc.session?.accountId) return interactionPolicy.Check.NO_NEED_TO_PROMPT;
      const account = await findAccount(db, ctx.oidc.session?.accountId);
      return account?.kind === 'staff' ? interactionPolicy.Check.REQUEST_PROMPT : interactionPolicy.Check.NO_NEED_TO_PROMPT;
    }),
  );
  return policy;
}
