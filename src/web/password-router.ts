import { Router } from 'express';
import type { AccountsDeps } from '../accounts/deps.ts';
import { completePasswordReset, inspectResetLink, requestPasswordReset } from '../accounts/password-reset.ts';
import { clientAddress } from '../http/client-address.ts';
import { formBody } from '../http/form-body.ts';
import { pageContext } from '../ui/page-context.ts';
import { forgotPasswordPage, linkStatePage, messagePage, resetPasswordPage } from './views/patient-pages.ts';

// Taken as typed: the services normalize the email and compare the date; a password is never trimmed.
const forgotForm = formBody({ email: { trim: false }, birthDate: { trim: false } });
const linkQuery = formBody({ t: { trim: false } });
const resetForm = formBody({ t: { trim: false }, password: { trim: false } });

/** Promise 7: self-service password reset from a link on the sign-in page. */
export function createPasswordRouter(deps: { accounts: AccountsDeps }): Router {
  const router = Router();

  router.get('/password/forgot', (req, res) => {
    res.send(forgotPasswordPage(pageContext(req, deps.accounts.practice), {}));
  });

  router.post('/password/forgot', async (req, res) => {
    await requestPasswordReset(deps.accounts, { ...forgotForm.parse(req.body), clientAddress: clientAddress(req) });
    // The same answer whether or not an account matched: no account enumeration.
    res.send(forgotPasswordPage(pageContext(req, deps.accounts.practice), { sent: true }));
  });

  router.get('/password/reset', async (req, res) => {
    const token = linkQuery.parse(req.query).t;
    const ctx = pageContext(req, deps.accounts.practice);
    const state = await inspectResetLink(deps.accounts, token);
    res.set('Cache-Control', 'no-store');
    if (state !== 'valid') return res.status(410).send(linkStatePage(ctx, state));
    res.send(resetPasswordPage(ctx, { token }));
  });

  router.post('/password/reset', async (req, res) => {
    const { t: token, password } = resetForm.parse(req.body);
    const ctx = pageContext(req, deps.accounts.practice);
    const outcome = await completePasswordReset(deps.accounts, { token, password, clientAddress: clientAddress(req) });
    res.set('Cache-Control', 'no-store');
    if (outcome.status === 'reset') return res.send(messagePage(ctx, ctx.t('reset.title'), ctx.t('reset.done')));
    if (outcome.status === 'link') return res.status(410).send(linkStatePage(ctx, outcome.state));
    res.status(422).send(resetPasswordPage(ctx, { token, passwordError: ctx.t(outcome.problem) }));
  });
  return router;
}
