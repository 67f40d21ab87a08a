/** Staff registration of SMART apps (public, confidential with a secret, confidential with keys). Admins only. */
import { Router, type NextFunction, type Request, type Response } from 'express';
import { html } from '../ui/html.ts';
import { AppError } from '../core/errors.ts';
import { registerApp, registeredApps, registrableKinds } from '../accounts/app-registry.ts';
import { formBody } from '../http/form-body.ts';
import type { AccountsDeps } from '../accounts/deps.ts';
import { pageContext } from '../ui/page-context.ts';
import { csrfField, field, notice, page } from '../ui/layout.ts';
import { staffNav } from './views.ts';

const registrationForm = formBody({
  name: {},
  redirects: {},
  kind: { oneOf: registrableKinds },
  jwksUri: {},
  launchUrl: {},
  userScopes: {},
});

export function createClientsRouter(deps: { accounts: AccountsDeps }): Router {
  const router = Router();
  router.use('/staff/apps', (req: Request, _res: Response, next: NextFunction) => next(req.staff?.admin ? undefined : new AppError('forbidden', 403)));

  async function render(req: Request, message?: { text: string; kind: 'info' | 'error' }): Promise<string> {
    const ctx = pageContext(req, deps.accounts.practice);
    const { clients, launchable } = await registeredApps(deps.accounts);
    const launches = new Set(launchable.map((c) => c.clientId));
    return page(ctx, {
      title: ctx.t('staff.clients.title'),
      nav: staffNav(ctx, true),
      body: html`<h1>${ctx.t('staff.clients.title')}</h1>
${message ? notice(message.text, message.kind) : ''}
<ul class="plain">${clients.map((c) => html`<li><strong>${c.name}</strong> · <code>${c.clientId}</code> · ${c.kind} · ${c.redirectUris.join(', ')}${launches.has(c.clientId) ? html` · ${ctx.t('staff.clients.launchable')}` : ''}</li>`)}</ul>
<h2 id="register">${ctx.t('staff.clients.register')}</h2>
<form method="post" action="/staff/apps" novalidate aria-labelledby="register">${csrfField(ctx.csrfToken)}
${field({ id: 'name', label: ctx.t('staff.clients.name'), required: true, autocomplete: 'off' })}
<div class="field"><label for="redirects">${ctx.t('staff.clients.redirects')}</label><textarea id="redirects" name="redirects" required></textarea></div>
${field({ id: 'launchUrl', label: ctx.t('staff.clients.launchUrl'), type: 'text', autocomplete: 'off' })}
${field({ id: 'userScopes', label: ctx.t('staff.clients.userScopes'), type: 'text', autocomplete: 'off' })}
<fieldset><legend>${ctx.t('staff.clients.type')}</legend>
<div class="choice"><input type="radio" id="kind-public" name="kind" value="public" checked><label for="kind-public">${ctx.t('staff.clients.public')}</label></div>
<div class="choice"><input type="radio" id="kind-secret" name="kind" value="confidential-secret"><label for="kind-secret">${ctx.t('staff.clients.secret')}</label></div>
<div class="choice"><input type="radio" id="kind-jwks" name="kind" value="confidential-jwks"><label for="kind-jwks">${ctx.t('staff.clients.jwks')}</label></div>
${field({ id: 'jwksUri', label: ctx.t('staff.clients.jwksUri'), type: 'text', autocomplete: 'off' })}
</fieldset>
<p class="actions"><button type="submit">${ctx.t('staff.clients.register')}</button></p></form>`,
    });
  }

  router.get('/staff/apps', async (req, res) => {
    res.send(await render(req));
  });

  router.post('/staff/apps', async (req, res) => {
    const form = registrationForm.parse(req.body);
    const words = (text: string) => text.split(/\s+/).filter(Boolean);
    let created: Awaited<ReturnType<typeof registerApp>>;
    try {
      created = await registerApp(deps.accounts, {
        name: form.name.slice(0, 100),
        redirectUris: words(form.redirects),
        kind: form.kind as (typeof registrableKinds)[number] | '',
        jwksUri: form.jwksUri,
        launchUrl: form.launchUrl,
        userScopes: words(form.userScopes),
      });
    } catch (error) {
      if (!(error instanceof AppError) || error.code !== 'bad_request') throw error;
      return res.status(422).send(await render(req, { text: req.t('staff.clients.invalid'), kind: 'error' }));
    }
    const text = [req.t('staff.clients.registered', { id: created.clientId }), created.clientSecret ? req.t('staff.clients.secretOnce', { secret: created.clientSecret }) : '']
      .filter(Boolean)
      .join(' ');
    res.send(await render(req, { text, kind: 'info' }));
  });
  return router;
}
