/**
 * Connected apps (the SMART management_endpoint): each third-party app with access to the record,
 * what it can see in words, when it was last used, and a button that revokes it at once.
 */
import { Router, type Request } from 'express';
import { html } from '../ui/html.ts';
import type { AccountsDeps } from '../accounts/deps.ts';
import { requestedChoices } from '../access/scope-choices.ts';
import { webClientId } from '../auth/provider.ts';
import { disconnectApp } from '../accounts/disconnect-app.ts';
import { appName, listConnectedApps } from '../accounts/connected-apps.ts';
import { SignInRequired } from '../core/errors.ts';
import { clientAddress } from '../http/client-address.ts';
import type { SessionManager } from '../http/session.ts';
import { pageContext } from '../ui/page-context.ts';
import { csrfField, notice, page } from '../ui/layout.ts';
import { describeScope } from './views/consent-page.ts';
import { signedInNav } from './views/patient-pages.ts';

export function createAppsRouter(deps: { accounts: AccountsDeps; sessions: SessionManager }): Router {
  const router = Router();
  const accountOf = async (req: Request) => {
    const session = await deps.sessions.load(req);
    if (!session?.accountId) throw new SignInRequired();
    return session.accountId;
  };

  async function render(req: Request, message?: string): Promise<string> {
    const ctx = pageContext(req, deps.accounts.practice);
    const grants = await listConnectedApps(deps.accounts, await accountOf(req), webClientId);
    const items = grants.map(
      (grant) => html`<li class="card"><h2>${grant.name}</h2>
<p>${grant.lastUsedAt ? ctx.t('apps.lastUsed', { date: ctx.dates.instant(grant.lastUsedAt) }) : ctx.t('apps.neverUsed')}</p>
<p>${ctx.t('apps.sees')}</p><ul>${requestedChoices(grant.resourceScopes).map((c) => html`<li>${describeScope(ctx, c)}</li>`)}</ul>
${grant.offline ? html`<p>${ctx.t('consent.offline')}</p>` : html`<p>${ctx.t('consent.online')}</p>`}
<form method="post" action="/account/apps/${grant.grantId}/revoke">${csrfField(ctx.csrfToken)}<button class="danger" type="submit">${ctx.t('apps.revoke')}</button></form></li>`,
    );
    return page(ctx, {
      title: ctx.t('apps.title'),
      nav: signedInNav(ctx),
      body: html`<h1>${ctx.t('apps.title')}</h1>${message ? notice(message) : ''}${items.length === 0 ? html`<p>${ctx.t('apps.none')}</p>` : html`<ul class="plain">${items}</ul>`}`,
    });
  }

  router.get('/account/apps', async (req, res) => {
    res.set('Cache-Control', 'no-store').send(await render(req));
  });

  router.post('/account/apps/:grantId/revoke', async (req, res) => {
    const accountId = await accountOf(req);
    const grantId = String(req.params['grantId']);
    const clientId = await disconnectApp(deps.accounts, { accountId, grantId, clientAddress: clientAddress(req) });
    const name = clientId ? await appName(deps.accounts, clientId) : '';
    res.set('Cache-Control', 'no-store').send(await render(req, clientId ? req.t('apps.revoked', { app: name }) : undefined));
  });
  return router;
}
