/**
 * The authorization server's login interaction: the portal's own sign-in page (email, password and
 * date of birth), rendered here and finished back into oidc-provider.
 */
import { Router } from 'express';
import type Provider from 'oidc-provider';
import { AppError } from '../core/errors.ts';
import type { AccountsDeps } from '../accounts/deps.ts';
import { signIn } from '../accounts/sign-in.ts';
import { clientAddress } from './session.ts';
import { pageContext, pause } from './page-context.ts';
import { signInPage } from './views/patient-pages.ts';

export function createInteractionRouter(deps: { provider: Provider; accounts: AccountsDeps }): Router {
  const router = Router();
  const text = (value: unknown) => (typeof value === 'string' ? value : '');

  router.get('/interaction/:uid', async (req, res) => {
    const details = await deps.provider.interactionDetails(req, res);
    if (details.prompt.name !== 'login') throw new AppError('not_found', 404);
    res.set('Cache-Control', 'no-store').send(signInPage(pageContext(req, deps.accounts.practice), { action: `/interaction/${details.uid}/login` }));
  });

  router.post('/interaction/:uid/login', async (req, res) => {
    const details = await deps.provider.interactionDetails(req, res);
    if (details.prompt.name !== 'login') throw new AppError('not_found', 404);
    const email = text(req.body.email);
    const result = await signIn(deps.accounts, { email, password: text(req.body.password), birthDate: text(req.body.birthDate), code: text(req.body.code), clientAddress: clientAddress(req) });
    if (result.ok) {
      await deps.provider.interactionFinished(req, res, { login: { accountId: result.accountId } }, { mergeWithLastSubmission: false });
      return;
    }
    await pause(result.delayMs);
    res.set('Cache-Control', 'no-store').send(signInPage(pageContext(req, deps.accounts.practice), { action: `/interaction/${details.uid}/login`, email, failed: true }));
  });
  return router;
}
