/**
 * The staff inbox (/staff/messages): mounted after the staff console's router, whose `/staff` middleware
 * has already required a live staff session (req.staff). Handlers parse, call, render.
 */
import { Router, type Request, type Response } from 'express';
import { AppError } from '../core/errors.ts';
import { fhirIdSource, isFhirId } from '../core/fhir/ids.ts';
import { clientAddress } from '../http/client-address.ts';
import { formBody } from '../http/form-body.ts';
import { sendDownload } from '../http/send-download.ts';
import type { MessagingDeps } from '../messaging/deps.ts';
import { newFormKey } from '../messaging/patient-messages.ts';
import {
  assignConversation,
  closeConversation,
  staffConversation,
  staffInbox,
  staffWrite,
  StaffWriteRefused,
  withdrawMessage,
  type StaffRequest,
} from '../messaging/staff-messages.ts';
import { staffAttachment } from '../messaging/message-attachments.ts';
import { pageContext } from '../ui/page-context.ts';
import { inboxPage, staffConversationPage } from './messages-views.ts';

const writeForm = formBody({ text: { trim: false, maxLength: 20_000 }, key: { pattern: '^[A-Za-z0-9_-]{22}$' } });
const assignForm = formBody({ owner: { pattern: `^Practitioner/${fhirIdSource}$` } });
const withdrawForm = formBody({ message: { pattern: `^${fhirIdSource}$` } });
const inboxQuery = formBody({
  pool: { pattern: '^[a-z][a-z0-9-]{0,39}$' },
  closed: { oneOf: ['1'] },
  page: { pattern: '^\\d{1,3}$' },
  done: { oneOf: ['replied', 'noted', 'assigned', 'closed', 'withdrawn'] },
});

export function createStaffMessagesRouter(deps: { readonly messaging: MessagingDeps }): Router {
  const router = Router();
  const pools = [...new Set(deps.messaging.messages.topics.map((t) => t.pool))];
  const ctxOf = (req: Request) => pageContext(req, deps.messaging.practice);
  const who = (req: Request): StaffRequest => {
    if (!req.staff) throw new AppError('forbidden', 403);
    return { staff: req.staff, request: `${req.method} ${req.originalUrl}`, clientAddress: clientAddress(req) };
  };
  const idOf = (req: Request) => {
    const id = String(req.params['id']);
    if (!isFhirId(id)) throw new AppError('not_found', 404);
    return id;
  };

  router.get('/staff/messages', async (req, res) => {
    const query = inboxQuery.parse(req.query);
    const pool = pools.includes(query.pool) ? query.pool : undefined;
    const page = /^\d{1,3}$/.test(query.page) ? Number(query.page) : 0;
    const { rows, more } = await staffInbox(deps.messaging, who(req), { ...(pool ? { pool } : {}), closed: query.closed === '1', page });
    res.send(inboxPage(ctxOf(req), { rows, pools, pool, closed: query.closed === '1', admin: req.staff!.admin, page, more }));
  });

  const show = async (req: Request, res: Response, status: number, extra: Partial<Parameters<typeof staffConversationPage>[1]> = {}) => {
    const id = idOf(req);
    const conversation = await staffConversation(deps.messaging, who(req), id);
    const done = inboxQuery.parse(req.query).done as 'replied' | 'noted' | 'assigned' | 'closed' | 'withdrawn' | '';
    res.status(status).send(
      staffConversationPage(ctxOf(req), {
        conversation,
        admin: req.staff!.admin,
        self: req.staff!.practitioner,
        keys: { reply: newFormKey(), note: newFormKey() },
        ...(req.method === 'GET' && done ? { done } : {}),
        ...extra,
      }),
    );
  };

  router.get('/staff/messages/:id', (req, res) => show(req, res, 200));

  // A message's attachment, read as the conversation is (the portal's credential), audited as a read of the patient's record.
  router.get('/staff/messages/:id/attachments/:binary', async (req, res) => {
    sendDownload(res, await staffAttachment(deps.messaging, who(req), idOf(req), String(req.params['binary'])));
  });

  for (const kind of ['reply', 'note'] as const) {
    router.post(`/staff/messages/:id/${kind}`, async (req, res) => {
      const id = idOf(req);
      const form = writeForm.parse(req.body);
      const key = form.key || newFormKey();
      try {
        await staffWrite(deps.messaging, who(req), id, { kind: kind === 'reply' ? 'message' : 'internal-note', text: form.text, key });
        res.redirect(303, `/staff/messages/${id}?done=${kind === 'reply' ? 'replied' : 'noted'}`);
      } catch (error) {
        if (!(error instanceof StaffWriteRefused)) throw error;
        // Still being sent: the same key stays in the form, so sending again is answered by that first write, never a second one.
        if (error.reason === 'staffMessages.error.pending') {
          await show(req, res, 409, { error: error.reason, text: { [kind]: form.text }, keys: { reply: newFormKey(), note: newFormKey(), [kind]: key } });
        } else await show(req, res, 422, { error: error.reason, text: { [kind]: form.text } });
      }
    });
  }

  router.post('/staff/messages/:id/assign', async (req, res) => {
    const id = idOf(req);
    const owner = assignForm.parse(req.body).owner;
    try {
      await assignConversation(deps.messaging, who(req), id, owner || undefined);
      res.redirect(303, `/staff/messages/${id}?done=assigned`);
    } catch (error) {
      if (!(error instanceof StaffWriteRefused)) throw error;
      await show(req, res, 422, { error: error.reason });
    }
  });

  // A staff-written message or note marked entered-in-error (docs/messages.md "Withdrawing a message").
  router.post('/staff/messages/:id/withdraw', async (req, res) => {
    const id = idOf(req);
    await withdrawMessage(deps.messaging, who(req), id, withdrawForm.parse(req.body).message);
    res.redirect(303, `/staff/messages/${id}?done=withdrawn`);
  });

  router.post('/staff/messages/:id/close', async (req, res) => {
    const id = idOf(req);
    await closeConversation(deps.messaging, who(req), id);
    res.redirect(303, `/staff/messages/${id}?done=closed`);
  });
  return router;
}
