/**
 * Secure messages, patient side (/messages): the list, a new conversation, a conversation and its reply.
 * Reads and writes go through the /fhir facade with the session's own token (record-session.ts), so the
 * facade's checks apply to the portal exactly as to any app. Handlers parse, call, render.
 */
import { Router, type Request, type Response } from 'express';
import { AppError, SignInRequired } from '../core/errors.ts';
import { isFhirId } from '../core/fhir/ids.ts';
import { clientAddress } from '../http/client-address.ts';
import { formBody } from '../http/form-body.ts';
import { sendDownload } from '../http/send-download.ts';
import type { MessagingDeps } from '../messaging/deps.ts';
import { uploadedFile } from '../messaging/attachments.ts';
import {
  isFormKey,
  listConversations,
  MessageFormInvalid,
  newFormKey,
  openConversation,
  replyToConversation,
  SendFailed,
  startConversation,
  type MessageFormErrors,
  type SendFailure,
} from '../messaging/patient-messages.ts';
import { patientAttachment } from '../messaging/message-attachments.ts';
import { chooseNotices, noticesWanted } from '../messaging/notifications.ts';
import { pageContext } from '../ui/page-context.ts';
import type { RecordPageDeps } from './record-page-context.ts';
import { recordClientFor, recordWriterFor } from './record-session.ts';
import { conversationPage, messagesListPage, newConversationPage, replyNotSentPage } from './views/messages-page.ts';
import { FamilyError, type ProxiesDeps } from '../proxies/deps.ts';
import { saveThreadSharing, threadSharing, ThreadSharingRefused } from '../proxies/thread-sharing.ts';
import { threadSharingForm, threadSharingRefusedPage } from './views/thread-sharing-form.ts';

export interface MessagesRouterDeps extends RecordPageDeps {
  readonly messaging: MessagingDeps;
  /** Family access: the patient's "not shared with" choice per conversation (issue #14 point 4). */
  readonly family: ProxiesDeps;
}

const newForm = formBody({
  topic: { pattern: '^[a-z][a-z0-9-]{0,39}$' },
  subject: { maxLength: 1000 },
  text: { trim: false, maxLength: 20_000 },
  key: { pattern: '^[A-Za-z0-9_-]{22}$' },
});
const replyForm = formBody({ text: { trim: false, maxLength: 20_000 }, key: { pattern: '^[A-Za-z0-9_-]{22}$' } });
const noticesForm = formBody({ notify: { oneOf: ['1'] } });
const sharingForm = formBody({ notSharedWith: { list: true, pattern: '^[A-Za-z0-9\\-.]{1,64}$' } });

export function createMessagesRouter(deps: MessagesRouterDeps): Router {
  const router = Router();
  const answerDays = deps.messaging.messages.answerBusinessDays;
  const topics = deps.messaging.messages.topics;
  router.use('/messages', (_req, res, next) => {
    res.set('Cache-Control', 'no-store');
    next();
  });
  const filesOf = (req: Request) => (req.files ?? []).filter((f) => f.field === 'files' && (f.name !== '' || f.bytes.length > 0)).map((f) => uploadedFile(f.name, f.bytes));

  /** The signed-in account (the session's, after the token has been checked) and the patient it acts for. */
  const signedIn = async (req: Request, res: Response) => {
    const { record, reader, accountId } = await recordWriterFor(req, res, deps);
    return { record, reader, accountId, patient: `Patient/${record.patient}` };
  };

  router.get('/messages', async (req, res) => {
    const { record, reader, accountId, patient } = await signedIn(req, res);
    const before = typeof req.query['before'] === 'string' ? req.query['before'] : undefined;
    const { threads, older } = await listConversations(deps.messaging, record, reader, before ? { before } : {});
    const notices = await noticesWanted(deps.messaging, accountId, patient);
    const saved = req.query['notices'] === 'on' ? 'on' : req.query['notices'] === 'off' ? 'off' : undefined;
    res.send(
      messagesListPage(pageContext(req, deps.practice), { threads, older, later: !!before, answerDays, sent: req.query['sent'] === '1', notices, ...(saved ? { saved } : {}) }),
    );
  });

  // Email notices of new messages, chosen per patient acted for (before /messages/:id, which would take "notices" for an id).
  router.post('/messages/notices', async (req, res) => {
    const { accountId, patient } = await signedIn(req, res);
    const notify = noticesForm.parse(req.body).notify === '1';
    if (!(await chooseNotices(deps.messaging, accountId, patient, notify))) throw new SignInRequired();
    res.redirect(303, `/messages?notices=${notify ? 'on' : 'off'}#notices`);
  });

  router.get('/messages/new', async (req, res) => {
    await recordWriterFor(req, res, deps);
    res.send(newConversationPage(pageContext(req, deps.practice), { topics, answerDays, form: { topic: '', subject: '', text: '', key: newFormKey() } }));
  });

  router.post('/messages/new', async (req, res) => {
    const { writer, record } = await recordWriterFor(req, res, deps);
    const form = newForm.parse(req.body);
    const key = isFormKey(form.key) ? form.key : newFormKey();
    const again = (status: number, errors?: MessageFormErrors, failure?: SendFailure) =>
      res.status(status).send(
        newConversationPage(pageContext(req, deps.practice), {
          topics,
          answerDays,
          // A reused key would be refused again: the kept text gets a fresh one, so sending it is the visitor's choice.
          form: { topic: form.topic, subject: form.subject, text: form.text, key: failure === 'messages.failure.keyReused' ? newFormKey() : key },
          ...(errors ? { errors } : {}),
          ...(failure ? { failure } : {}),
        }),
      );
    try {
      const id = await startConversation(
        deps.messaging,
        writer,
        `Patient/${record.patient}`,
        { topic: form.topic, subject: form.subject, text: form.text, files: filesOf(req), key },
        req.locale,
      );
      res.redirect(303, `/messages/${id}?sent=1`);
    } catch (error) {
      if (error instanceof MessageFormInvalid) return again(422, error.errors);
      if (error instanceof SendFailed) return again(error.failure === 'messages.failure.notSent' ? 503 : 422, undefined, error.failure);
      throw error;
    }
  });

  const show = async (req: Request, res: Response, status: number, form: { text: string; key: string }, errors?: MessageFormErrors, failure?: SendFailure) => {
    const id = String(req.params['id']);
    const { record, reader, accountId } = await recordWriterFor(req, res, deps);
    const conversation = await openConversation(deps.messaging, record, reader, id);
    // Only the patient themself chooses who sees a conversation (the service decides, as it does for the save);
    // a family member's page has no such form.
    const members = await threadSharing(deps.family, { accountId, patientId: record.patient, thread: id });
    res.status(status).send(
      conversationPage(pageContext(req, deps.practice), {
        reader,
        conversation,
        answerDays,
        form,
        ...(errors ? { errors } : {}),
        ...(failure ? { failure } : {}),
        sent: req.method === 'GET' && req.query['sent'] === '1',
        sharing: threadSharingForm(pageContext(req, deps.practice), id, members, req.method === 'GET' && req.query['shared'] === '1'),
      }),
    );
  };

  router.get('/messages/:id', async (req, res, next) => {
    if (!isFhirId(String(req.params['id']))) return next();
    await show(req, res, 200, { text: '', key: newFormKey() });
  });

  // A message's attachment, read through the facade with the session's token (which audits the read).
  router.get('/messages/:id/attachments/:binary', async (req, res) => {
    const record = await recordClientFor(req, res, deps);
    sendDownload(res, await patientAttachment(record, String(req.params['id']), String(req.params['binary'])));
  });

  router.post('/messages/:id', async (req, res, next) => {
    const id = String(req.params['id']);
    if (!isFhirId(id)) return next();
    const { writer, record } = await recordWriterFor(req, res, deps);
    const form = replyForm.parse(req.body);
    const key = isFormKey(form.key) ? form.key : newFormKey();
    try {
      await replyToConversation(deps.messaging, writer, `Patient/${record.patient}`, id, { text: form.text, files: filesOf(req), key }, req.locale);
      res.redirect(303, `/messages/${id}?sent=1`);
    } catch (error) {
      if (error instanceof MessageFormInvalid) return show(req, res, 422, { text: form.text, key }, error.errors);
      if (error instanceof SendFailed && error.failure === 'messages.failure.closed') return show(req, res, 409, { text: form.text, key }, undefined, error.failure);
      if (error instanceof SendFailed && error.failure === 'messages.failure.keyReused')
        return show(req, res, 422, { text: form.text, key: newFormKey() }, undefined, error.failure);
      if (error instanceof SendFailed) {
        const status = error.failure === 'messages.failure.notSent' ? 503 : 404;
        return res.status(status).send(replyNotSentPage(pageContext(req, deps.practice), { id, text: form.text, key, failure: error.failure }));
      }
      throw error;
    }
  });
  // "Not shared with": the service decides from the store's reach that this session is the patient's own.
  router.post('/messages/:id/sharing', async (req, res, next) => {
    const id = String(req.params['id']);
    if (!isFhirId(id)) return next();
    const { record, accountId } = await signedIn(req, res);
    const { values: form, rejected } = sharingForm.check(req.body);
    // A value that is not a family member's id would drop out of the list and share the conversation with that
    // person, or with everyone: the whole change is refused instead, and nothing is written (fail closed).
    if (rejected.size > 0) return res.status(422).send(threadSharingRefusedPage(pageContext(req, deps.practice), id));
    try {
      await saveThreadSharing(deps.family, {
        accountId,
        patientId: record.patient,
        thread: id,
        notSharedWith: form.notSharedWith.map((member) => `RelatedPerson/${member}`),
        clientAddress: clientAddress(req),
      });
    } catch (error) {
      // A well-formed id of no live family member: refused whole, like a malformed one.
      if (error instanceof ThreadSharingRefused) return res.status(422).send(threadSharingRefusedPage(pageContext(req, deps.practice), id));
      // Not the patient's own session, or not their conversation: the same answer as a conversation that is not there.
      if (error instanceof FamilyError) throw new AppError('fhir_not_found', 404);
      throw error;
    }
    res.redirect(303, `/messages/${id}?shared=1#sharing`);
  });
  return router;
}
