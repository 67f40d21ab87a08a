/**
 * The account activity log (/account/activity): the signed-in account's view of who viewed, downloaded
 * or sent the record of the patient this session acts for. Only the session's patient is ever shown
 * (a `patient` in the query is not read); the service checks the account still reaches them.
 */
import { Router } from 'express';
import { accountActivity, activityKinds, decodeCursor, type ActivityKind } from '../accounts/activity-log.ts';
import type { AccountsDeps } from '../accounts/deps.ts';
import { webClientId } from '../auth/provider.ts';
import { SignInRequired } from '../core/errors.ts';
import type { SessionManager } from '../http/session.ts';
import { pageContext } from '../ui/page-context.ts';
import { activityPage } from './views/activity-page.ts';
import type { TokenSet } from './web-client.ts';

export function createActivityRouter(deps: { accounts: AccountsDeps; sessions: SessionManager }): Router {
  const router = Router();
  router.get('/account/activity', async (req, res) => {
    const session = await deps.sessions.load(req);
    const tokens = session?.data['tokens'] as TokenSet | undefined;
    if (!session?.accountId || !tokens?.patient) throw new SignInRequired();
    const kind: ActivityKind = activityKinds.find((k) => k === req.query['kind']) ?? 'all';
    const before = decodeCursor(req.query['before']);
    const activity = await accountActivity(deps.accounts, {
      accountId: session.accountId,
      patient: tokens.patient,
      kind,
      ...(before ? { before } : {}),
      locale: req.locale,
      firstPartyClientId: webClientId,
    });
    res.set('Cache-Control', 'no-store').send(activityPage(pageContext(req, deps.accounts.practice), { kind, activity, paged: !!before }));
  });
  return router;
}
