/**
 * The web app's side of sign-in (backend-for-frontend): start the authorization code flow with
 * PKCE, take the callback, keep the tokens in the server-side session, sign out (here, or
 * everywhere). The browser only ever holds a session cookie.
 */
import { Router } from 'express';
import type { AccountsDeps } from '../accounts/deps.ts';
import { recordSignOut, signOutEverywhere } from '../accounts/sign-out.ts';
import type { PendingLogin, WebClient } from './web-client.ts';
import { clientAddress } from '../http/client-address.ts';
import { safeReturnPath, type SessionManager } from '../http/session.ts';
import { pageContext } from '../ui/page-context.ts';
import { messagePage } from './views/patient-pages.ts';

export interface AuthRouterDeps {
  readonly accounts: AccountsDeps;
  readonly sessions: SessionManager;
  readonly webClient: WebClient;
}

export function createAuthRouter(deps: AuthRouterDeps): Router {
  const router = Router();

  router.get('/auth/login', async (req, res) => {
    const { url, pending } = await deps.webClient.startLogin();
    await deps.sessions.start(res, null, { pending, next: safeReturnPath(req.query['next']) });
    res.redirect(303, url);
  });

  router.get('/auth/callback', async (req, res) => {
    const session = await deps.sessions.load(req);
    const pending = session?.data['pending'] as PendingLogin | undefined;
    if (!session || !pending) return res.redirect(303, '/auth/login');
    const tokens = await deps.webClient.finishLogin(new URL(req.originalUrl, deps.accounts.publicUrl), pending);
    await deps.sessions.end(req, res, session);
    await deps.sessions.start(res, tokens.accountId, { tokens });
    res.redirect(303, safeReturnPath(session.data['next']));
  });

  router.post('/auth/logout', async (req, res) => {
    const session = await deps.sessions.load(req);
    const tokens = session?.data['tokens'] as { refreshToken?: string; accessToken?: string; accountId?: string } | undefined;
    // Revoking the refresh token ends the web app's grant, and with it every access token issued under it.
    if (tokens?.refreshToken) await deps.webClient.revoke(tokens.refreshToken).catch(() => {});
    if (tokens?.accessToken) await deps.webClient.revoke(tokens.accessToken).catch(() => {});
    await deps.sessions.end(req, res, session);
    if (session?.accountId) await recordSignOut(deps.accounts, session.accountId, clientAddress(req));
    const ctx = pageContext(req, deps.accounts.practice);
    res.send(messagePage(ctx, ctx.t('signedOut.title'), ctx.t('landing.intro')));
  });

  router.post('/auth/logout-everywhere', async (req, res) => {
    const session = await deps.sessions.load(req);
    if (session?.accountId) await signOutEverywhere(deps.accounts, session.accountId, clientAddress(req));
    await deps.sessions.end(req, res, session);
    const ctx = pageContext(req, deps.accounts.practice);
    res.send(messagePage(ctx, ctx.t('signedOut.title'), ctx.t('signedOut.everywhere')));
  });
  return router;
}
