/**
 * Token events are audited (DESIGN.md security model 10; IHE IUA ITI-71 "Get Access Token" in BALP
 * shape): every answer of the token endpoint (authorization_code, refresh_token, client_credentials),
 * successes and refusals alike, and every revocation, through the durable audit path before the
 * answer is released. A detected refresh-token reuse is a security alert of its own. If the audit
 * cannot be written, what was just issued is withdrawn and the client gets a server error: a token
 * never leaves unrecorded.
 */
import type { KoaContextWithOIDC } from 'oidc-provider';
import { tokenAuditEvent, type TokenAuditInput, type TokenEvent } from '../core/fhir/audit-event.ts';
import type { Db } from '../store/db.ts';
import type { AccountRow } from '../store/accounts.ts';
import { recordAuditEvent } from '../store/audit-trail.ts';

export interface TokenAuditDeps {
  readonly db: Db;
  readonly portalName: string;
  /** The account row, as this request already read it (request-reads.ts) or from the store. */
  readonly account: (ctx: KoaContextWithOIDC, accountId: string) => Promise<AccountRow | undefined>;
  /** The patient context recorded for a grant (launch context), if any, as this request read it. */
  readonly patientOfGrant: (ctx: KoaContextWithOIDC, grantId: string) => Promise<string | undefined>;
  readonly onError: (error: unknown) => void;
}

interface TokenLike {
  readonly kind?: string;
  readonly clientId?: string;
  readonly accountId?: string;
  readonly grantId?: string;
  readonly scope?: string;
  readonly extra?: Record<string, unknown>;
  readonly consumed?: unknown;
  destroy?(): Promise<void>;
}

/** The caller's address as Express resolved it (TRUST_PROXY hops honoured), else the socket's. */
const addressOf = (ctx: KoaContextWithOIDC): string | undefined => (ctx.req as { ip?: string }).ip ?? ctx.req.socket.remoteAddress ?? undefined;

export function tokenAuditMiddleware(deps: TokenAuditDeps) {
  async function describe(
    ctx: KoaContextWithOIDC,
    event: TokenEvent,
    outcome: TokenAuditInput['outcome'],
    token: TokenLike | undefined,
    extra: { grantType?: string; error?: string },
  ): Promise<TokenAuditInput> {
    const entities = ctx.oidc.entities as Record<string, TokenLike | undefined>;
    const accountId = token?.accountId ?? entities['Account']?.accountId ?? entities['RefreshToken']?.accountId ?? entities['AuthorizationCode']?.accountId;
    const account = accountId ? await deps.account(ctx, accountId) : undefined;
    const grantId = token?.grantId ?? (ctx.oidc.entities.Grant as { jti?: string } | undefined)?.jti ?? entities['RefreshToken']?.grantId;
    const tokenPatient = token?.extra?.['patient'];
    const patient = typeof tokenPatient === 'string' ? tokenPatient : grantId ? await deps.patientOfGrant(ctx, grantId) : account?.patient?.split('/')[1];
    return {
      event,
      outcome,
      ...(extra.grantType ? { grantType: extra.grantType } : {}),
      ...(account?.fhir_user ? { actor: account.fhir_user } : {}),
      ...(account ? { accountId: account.id } : {}),
      ...((token?.clientId ?? ctx.oidc.client?.clientId) ? { clientId: token?.clientId ?? ctx.oidc.client!.clientId } : {}),
      ...(patient ? { patient: `Patient/${patient}` } : {}),
      ...(token?.scope && outcome === '0' ? { scope: token.scope } : {}),
      ...(extra.error ? { error: extra.error } : {}),
      ...(addressOf(ctx) ? { clientAddress: addressOf(ctx)! } : {}),
      portalName: deps.portalName,
    };
  }

  /** Records the event; on failure withdraws what was issued and answers with a server error. */
  async function record(ctx: KoaContextWithOIDC, input: TokenAuditInput, issued: readonly (TokenLike | undefined)[]): Promise<void> {
    try {
      await recordAuditEvent(deps.db, tokenAuditEvent(input));
    } catch (error) {
      deps.onError(error);
      await Promise.allSettled(issued.map((t) => t?.destroy?.()));
      ctx.status = 503;
      ctx.body = { error: 'server_error', error_description: 'the request could not be recorded, so it was not completed' };
    }
  }

  return async (ctx: KoaContextWithOIDC, next: () => Promise<void>): Promise<void> => {
    await next();
    if (ctx.method !== 'POST' || (ctx.path !== '/token' && ctx.path !== '/token/revocation')) return;
    const entities = ctx.oidc.entities as Record<string, TokenLike | undefined>;
    const body = (ctx.body ?? {}) as Record<string, unknown>;
    const error = typeof body['error'] === 'string' ? body['error'] : undefined;
    const outcome = ctx.status >= 500 ? '8' : ctx.status >= 400 ? '4' : '0';

    if (ctx.path === '/token') {
      const grantType = String((ctx.oidc.params as { grant_type?: unknown } | undefined)?.grant_type ?? '') || undefined;
      const issued = entities['AccessToken'] ?? entities['ClientCredentials'];
      if (outcome === '0' && issued) {
        const event = grantType === 'refresh_token' ? 'token-refreshed' : 'token-issued';
        await record(ctx, await describe(ctx, event, '0', issued, { ...(grantType ? { grantType } : {}) }), [issued, entities['RefreshToken']]);
        return;
      }
      // Refresh-token reuse: oidc-provider has just revoked the whole grant (security model 9).
      const reuse = grantType === 'refresh_token' && !!entities['RefreshToken']?.consumed;
      await record(
        ctx,
        await describe(ctx, reuse ? 'refresh-token-reuse' : 'token-refused', outcome === '0' ? '8' : outcome, undefined, {
          ...(grantType ? { grantType } : {}),
          ...(error ? { error } : {}),
        }),
        [],
      );
      return;
    }

    // Revocation (RFC 7009): a token found and destroyed, or one the client may not revoke (someone else's).
    const revoked = entities['AccessToken'] ?? entities['RefreshToken'] ?? entities['ClientCredentials'];
    if (outcome !== '0') {
      await record(ctx, await describe(ctx, 'revocation-refused', outcome, undefined, { ...(error ? { error } : {}) }), []);
      return;
    }
    if (!revoked) return; // an unknown or expired token: nothing happened (RFC 7009 §2.2 still answers 200)
    const own = revoked.clientId === ctx.oidc.client?.clientId;
    await record(ctx, await describe(ctx, own ? 'token-revoked' : 'revocation-refused', own ? '0' : '4', revoked, { ...(own ? {} : { error: 'unauthorized_client' }) }), []);
  };
}
