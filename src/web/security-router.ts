import { Router, type Request, type Response } from 'express';
import { confirmTwoStep, disableTwoStep, proposeTwoStep, twoStepStatus } from '../accounts/patient-two-step.ts';
import { formBody } from '../http/form-body.ts';
import type { AccountsDeps } from '../accounts/deps.ts';
import { SignInRequired } from '../core/errors.ts';
import type { SessionManager } from '../http/session.ts';
import { pageContext } from '../ui/page-context.ts';
import { securityPage } from './views/patient-pages.ts';

// An authenticator code is typed as shown: spaces inside are the person's, not ours to remove.
const codeForm = formBody({ code: { trim: false } });

/** The patient's security page: turn the optional authenticator-app second factor on or off. */
export function createSecurityRouter(deps: { accounts: AccountsDeps; sessions: SessionManager }): Router {
  const router = Router();
  const signedIn = async (req: Request) => {
    const session = await deps.sessions.load(req);
    const account = session?.accountId ? await twoStepStatus(deps.accounts, session.accountId) : undefined;
    if (!session || !account) throw new SignInRequired();
    return { session, account };
  };
  const render = (req: Request, res: Response, options: Parameters<typeof securityPage>[1], status = 200) =>
    res
      .status(status)
      .set('Cache-Control', 'no-store')
      .send(securityPage(pageContext(req, deps.accounts.practice), options));

  router.get('/account/security', async (req, res) => {
    const { account } = await signedIn(req);
    render(req, res, { enabled: account.enabled });
  });

  router.post('/account/security/start', async (req, res) => {
    const { session, account } = await signedIn(req);
    const proposal = await proposeTwoStep(account.email);
    // The proposed key waits in the server-side session until a code from the app confirms it.
    await deps.sessions.save(session, { ...session.data, pendingTotp: proposal.secret });
    render(req, res, { enabled: account.enabled, proposal });
  });

  router.post('/account/security/confirm', async (req, res) => {
    const { session, account } = await signedIn(req);
    const secret = typeof session.data['pendingTotp'] === 'string' ? session.data['pendingTotp'] : undefined;
    const { code } = codeForm.parse(req.body);
    if (secret && (await confirmTwoStep(deps.accounts, account.id, secret, code))) {
      const { pendingTotp: _done, ...rest } = session.data;
      await deps.sessions.save(session, rest);
      return render(req, res, { enabled: true, message: { text: req.t('security.enabled'), kind: 'info' } });
    }
    // Show the same key again, so the person can retry with the app they already set up.
    const proposal = secret ? await proposeTwoStep(account.email, secret) : undefined;
    render(req, res, { enabled: account.enabled, ...(proposal ? { proposal } : {}), message: { text: req.t('security.wrongCode'), kind: 'error' } }, 422);
  });

  router.post('/account/security/disable', async (req, res) => {
    const { account } = await signedIn(req);
    await disableTwoStep(deps.accounts, account.id);
    render(req, res, { enabled: false, message: { text: req.t('security.disabled'), kind: 'info' } });
  });
  return router;
}
