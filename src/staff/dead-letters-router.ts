/**
 * Dead letters (admins only): /staff/admin/dead-letters lists the outbox rows that could not be
 * delivered with their last error; POST …/:id/retry puts one back in the queue. Handlers parse, call
 * the service (accounts/dead-letters.ts), render. Mounted after the staff router, whose middleware
 * signs the member in (req.staff).
 */
import { Router, type NextFunction, type Request, type Response } from 'express';
import { AppError } from '../core/errors.ts';
import type { Logger } from '../core/log.ts';
import type { AccountsDeps } from '../accounts/deps.ts';
import { deadLetters, retryDeadLetter } from '../accounts/dead-letters.ts';
import { formBody } from '../http/form-body.ts';
import { pageContext } from '../ui/page-context.ts';
import { deadLettersPage } from './dead-letters-views.ts';

const doneQuery = formBody({ done: { oneOf: ['retried'] } });

export function createDeadLettersRouter(deps: { accounts: AccountsDeps; log: Logger }): Router {
  const router = Router();
  router.use('/staff/admin/dead-letters', (req: Request, _res: Response, next: NextFunction) => next(req.staff?.admin ? undefined : new AppError('forbidden', 403)));
  router.get('/staff/admin/dead-letters', async (req, res) => {
    const { done } = doneQuery.parse(req.query);
    res.send(deadLettersPage(pageContext(req, deps.accounts.practice), { letters: await deadLetters(deps.accounts), retried: done === 'retried' }));
  });
  router.post('/staff/admin/dead-letters/:id/retry', async (req, res) => {
    await retryDeadLetter(deps.accounts, String(req.params['id']));
    deps.log.info({ outboxId: req.params['id'], staffAccount: req.staff?.accountId }, 'dead letter retried by an administrator');
    res.redirect(303, '/staff/admin/dead-letters?done=retried');
  });
  return router;
}
