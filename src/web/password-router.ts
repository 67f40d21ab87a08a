import { Router } from 'express';
import type { AccountsDeps } from '../accounts/deps.ts';
import { completePasswordReset, inspectResetLink, requestPasswordReset } from '../accounts/password-reset.ts';
import { clientAddress } from '../http/client-address.ts';
import { pageContext } from '../ui/page-context.ts';
import { forgotPasswordPage, linkStatePage, messagePage, resetPasswordPage } from './views/patient-pages.ts';

/** Promise 7: self-service password reset from a link on the sign-in page. */
export function createPasswordRouter(deps: { accounts: AccountsDeps }): Router {
  const router = Router();
  const text = (value: unknown) => (typeof value === 'string' ? value : '');

  router.get('/password/forgot', (req, res) => {
    res.send(forgotPasswordPage(pageContext(req, deps.accounts.practice), {}));
  });

  router.post('/password/forgot', async (req, res) => {
    await requestPasswordReset(deps.accounts, { email: text(req.body.email), birthDate: text(req.body.birthDate), clientAddress: clientAddress(req) });
    // The same answer whether or not an account matched: no account enumeration.
    res.send(forgotPasswordPage(pageContext(req, deps.accounts.practice), { sent: true }));
  });

  router.get('/password/reset', async (req, res) => {
    const token = text(req.query['t']);
    const ctx = pageContext(req, deps.accounts.practice);
    const state = await inspectResetLink(deps.accounts, token);
    res.set('Cache-Control', 'no-store');
    if (state !== 'valid') return res.status(410).send(linkStatePage(ctx, state));
    res.send(resetPasswordPage(ctx, { token }));
  });

  router.post('/password/reset', async (req, res) => {
    const token = text(req.body.t);
    const ctx = pageContext(req, deps.accounts.practice);
    const outcome = await completePasswordReset(deps.accounts, { token, password: text(req.body.password), clientAddress: clientAddress(req) });
    res.set('Cache-Control', 'no-store');
    if (outcome.status === 'reset') return res.send(messagePage(ctx, ctx.t('reset.title'), ctx.t('reset.done')));
    if (outcome.status === 'link') return res.status(410).send(linkStatePage(ctx, outcome.state));
    res.status(422).send(resetPasswordPage(ctx, { token, passwordError: ctx.t(outcome.problem) }));
  });
  return router;
}
