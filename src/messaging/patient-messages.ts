/**
 * Secure messages, patient side (issue #14): the signed-in patient, or a family member acting for them,
 * reads conversations through the /fhir facade with the session's token and writes them through the
 * facade's write path with the same token (DESIGN.md "The facade's write path"), like any SMART app. Only
 * the read-state tags and the out-of-hours automatic reply are written with the portal's own credential,
 * and only on messages the facade has just released to this reader.
 */
import { randomBytes } from 'node:crypto';
import type { Binary, Communication, Practitioner, RelatedPerson, Patient } from '@medplum/fhirtypes';
import { AppError } from '../core/errors.ts';
import { displayName } from '../core/fhir/names.ts';
import { maxMessageLength, maxSubjectLength, messageCategoryOf, messageCategorySystem, messageTopicSystem } from '../core/fhir/messages.ts';
import { isFhirId } from '../core/fhir/ids.ts';
import type { RecordClient } from '../record/record-client.ts';
import { WriteRefused, type RecordWriter } from '../record/record-writer.ts';
import type { MessagingDeps } from './deps.ts';
import { markRead, unreadCounts } from './read-state.ts';
import { summarize, threadMessages, type ThreadMessage, type ThreadSummary } from './thread-model.ts';
import { checkAttachment, type AttachmentError, type UploadedFile } from './attachments.ts';
import { afterPatientMessage } from './after-patient-message.ts';

const category = (code: string) => encodeURIComponent(`${messageCategorySystem}|${code}`);

export type MessageFieldError =
  | 'messages.error.topic'
  | 'messages.error.subjectEmpty'
  | 'messages.error.subjectLong'
  | 'messages.error.textEmpty'
  | 'messages.error.textLong'
  | 'messages.error.tooMany'
  | AttachmentError;

export interface MessageFormErrors {
  topic?: MessageFieldError;
  subject?: MessageFieldError;
  text?: MessageFieldError;
  /** One per refused file, with its name. */
  files?: { readonly name: string; readonly error: MessageFieldError }[];
}

/**
 * A refusal of the whole send, said to the visitor with the typed text kept: closed, not available, not sent, or
 * the form's key already sent a different message (a page gone back to and edited; the facade's 422), so nothing was written.
 */
export type SendFailure = 'messages.failure.closed' | 'messages.failure.unavailable' | 'messages.failure.notSent' | 'messages.failure.keyReused';

export class MessageFormInvalid extends Error {
  readonly errors: MessageFormErrors;
  constructor(errors: MessageFormErrors) {
    super('message form invalid');
    this.errors = errors;
  }
}

export class SendFailed extends Error {
  readonly failure: SendFailure;
  constructor(failure: SendFailure) {
    super(failure);
    this.failure = failure;
  }
}

/** A fresh key for one form: every create the form makes derives its Idempotency-Key from it, so a double submit writes once. */
export const newFormKey = (): string => randomBytes(16).toString('base64url');
export const isFormKey = (value: string): boolean => /^[A-Za-z0-9_-]{22}$/.test(value);

/** Conversations per page of the patient's list. */
export const conversationsPerPage = 20;

export interface ConversationList {
  /** This page's conversations, the most recently started first. */
  readonly threads: ThreadSummary[];
  /** The `before` of the next page (older conversations), when there is one. */
  readonly older: string | undefined;
}

/** A FHIR instant as the facade and HAPI take it in a `sent=lt…` search: the list's page position. */
export const isPagePosition = (value: string): boolean =>
  /^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}(?:\.\d{1,3})?(?:Z|[+-]\d{2}:\d{2})$/.test(value) && !Number.isNaN(Date.parse(value));

/**
 * One page of the patient side's conversations, the most recently started first, `conversationsPerPage` at a
 * time (a page starts before the instant `before`), so the cost does not grow with the number of
 * conversations: the headers through the facade with the session's token (so only what the facade releases is
 * listed), and this reader's unread messages of exactly those conversations from the read tags with the
 * portal's credential (the facade takes no tag searches; read-state.ts unreadCounts, as for the staff inbox):
 * the patient's messages and automatic replies without the reader's tag — never an internal note (no subject)
 * nor a withdrawn message (status). A conversation's row shows when it started: its last activity would need
 * its messages.
 */
export async function listConversations(deps: Pick<MessagingDeps, 'fhir'>, record: RecordClient, reader: string, options: { before?: string } = {}): Promise<ConversationList> {
  const before = options.before && isPagePosition(options.before) ? `&sent=lt${encodeURIComponent(options.before)}` : '';
  const found = await record.search<Communication>(`Communication?category=${category('thread')}&_sort=-sent&_count=${conversationsPerPage + 1}${before}`, { maxPages: 1 });
  const headers = found.matches.filter((h) => isFhirId(h.id) && h.sent);
  const shown = headers.slice(0, conversationsPerPage);
  const older = headers.length > conversationsPerPage ? shown.at(-1)?.sent : undefined;
  if (shown.length === 0) return { threads: [], older: undefined };
  const counts = await unreadCounts(deps.fhir, shown, { reader, categories: ['message', 'auto-reply'], patient: `Patient/${record.patient}` });
  // No message was read: a summary's `messages` and `lastActivity` are the header's alone (the page shows neither).
  const threads = summarize(shown, [], reader)
    .map((summary) => ({ ...summary, unread: counts.get(summary.id) ?? 0 }))
    .sort((a, b) => (a.started < b.started ? 1 : a.started > b.started ? -1 : 0));
  return { threads, older };
}

export interface ConversationView {
  readonly summary: ThreadSummary;
  readonly messages: readonly (ThreadMessage & { readonly name: string | undefined; readonly role: string | undefined })[];
}

/** One conversation as the patient side sees it (never an internal note: those are outside the compartment), marked read for this reader. */
export async function openConversation(deps: Pick<MessagingDeps, 'fhir'>, record: RecordClient, reader: string, id: string): Promise<ConversationView> {
  const header = await record.read<Communication>(`Communication/${id}`);
  if (messageCategoryOf(header) !== 'thread') throw new AppError('fhir_not_found', 404);
  const found = await record.search<Communication>(`Communication?part-of=${encodeURIComponent(`Communication/${id}`)}&_count=100`);
  const messages = threadMessages(found.matches, reader, { includeNotes: false });
  const summary = summarize([header], found.matches, reader)[0]!;
  const names = new Map<string, { name: string | undefined; role: string | undefined }>();
  for (const sender of new Set(messages.map((m) => m.sender).filter((s): s is string => !!s))) {
    const resource = await record.read<Practitioner | RelatedPerson | Patient>(sender).catch(() => undefined);
    const role = resource?.resourceType === 'Practitioner' ? resource.qualification?.[0]?.code?.text : undefined;
    names.set(sender, { name: resource ? displayName(resource.name) || undefined : undefined, role });
  }
  const unread = found.matches.filter((m) => messages.some((v) => v.id === m.id && v.unread));
  await markRead(deps.fhir, unread, reader);
  return { summary, messages: messages.map((m) => ({ ...m, ...(names.get(m.sender ?? '') ?? { name: undefined, role: undefined }) })) };
}

export interface NewConversationInput {
  readonly topic: string;
  readonly subject: string;
  readonly text: string;
  readonly files: readonly UploadedFile[];
  readonly key: string;
}

function checkMessage(text: string, files: readonly UploadedFile[], errors: MessageFormErrors) {
  if (text.trim() === '') errors.text = 'messages.error.textEmpty';
  else if (text.length > maxMessageLength) errors.text = 'messages.error.textLong';
  const chosen = files.filter((f) => f.name !== '' || f.bytes.length > 0);
  if (chosen.length > 5) errors.files = [{ name: '', error: 'messages.error.tooMany' }];
  else {
    const refused = chosen.flatMap((file) => {
      const error = checkAttachment(file);
      return error ? [{ name: file.name, error }] : [];
    });
    if (refused.length) errors.files = refused;
  }
  return chosen;
}

async function postMessage(writer: RecordWriter, thread: string, text: string, files: readonly UploadedFile[], key: string): Promise<void> {
  const attachments = [];
  for (const [index, file] of files.entries()) {
    const contentType = checkAttachment(file) === undefined ? file.sniffed! : undefined;
    const binary = await writer.create('Binary', { resourceType: 'Binary', contentType: contentType!, data: file.bytes.toString('base64') } satisfies Binary, {
      idempotencyKey: `${key}-a${index}`,
    });
    attachments.push({ contentAttachment: { contentType: contentType!, url: `Binary/${binary.id}`, title: file.name.slice(0, 200), size: file.bytes.length } });
  }
  await writer.create(
    'Communication',
    { resourceType: 'Communication', status: 'completed', partOf: [{ reference: `Communication/${thread}` }], payload: [{ contentString: text }, ...attachments] } as Communication,
    { idempotencyKey: `${key}-m` },
  );
}

const failureOf = (error: unknown): never => {
  if (error instanceof WriteRefused)
    throw new SendFailed(
      error.facadeStatus === 409
        ? 'messages.failure.closed'
        : error.facadeStatus === 403
          ? 'messages.failure.unavailable'
          : error.facadeStatus === 422
            ? 'messages.failure.keyReused'
            : 'messages.failure.notSent',
    );
  if (error instanceof AppError && (error.code === 'fhir_unavailable' || error.code === 'fhir_timeout')) throw new SendFailed('messages.failure.notSent');
  throw error;
};

/** Starts a conversation (header, then its first message) through the facade; the typed text is kept by the caller on any refusal. */
export async function startConversation(deps: MessagingDeps, writer: RecordWriter, patient: string, input: NewConversationInput, locale: 'es' | 'en'): Promise<string> {
  const errors: MessageFormErrors = {};
  if (!deps.messages.topics.some((t) => t.code === input.topic)) errors.topic = 'messages.error.topic';
  if (input.subject === '') errors.subject = 'messages.error.subjectEmpty';
  else if (input.subject.length > maxSubjectLength) errors.subject = 'messages.error.subjectLong';
  const files = checkMessage(input.text, input.files, errors);
  if (Object.keys(errors).length) throw new MessageFormInvalid(errors);
  try {
    const header = await writer.create(
      'Communication',
      { resourceType: 'Communication', status: 'in-progress', topic: { coding: [{ system: messageTopicSystem, code: input.topic }], text: input.subject } } as Communication,
      { idempotencyKey: `${input.key}-h` },
    );
    await postMessage(writer, header.id, input.text, files, input.key);
    await afterPatientMessage(deps, header.id, patient, locale);
    return header.id;
  } catch (error) {
    return failureOf(error);
  }
}

export async function replyToConversation(
  deps: MessagingDeps,
  writer: RecordWriter,
  patient: string,
  thread: string,
  input: { readonly text: string; readonly files: readonly UploadedFile[]; readonly key: string },
  locale: 'es' | 'en',
): Promise<void> {
  const errors: MessageFormErrors = {};
  const files = checkMessage(input.text, input.files, errors);
  if (Object.keys(errors).length) throw new MessageFormInvalid(errors);
  try {
    await postMessage(writer, thread, input.text, files, input.key);
    await afterPatientMessage(deps, thread, patient, locale);
  } catch (error) {
    failureOf(error);
  }
}
