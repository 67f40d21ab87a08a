/**
 * Conversations as both sides see them, made from the FHIR thread model (docs/messages.md) without any
 * I/O: the header Communications, their messages, and the routing Tasks become summaries with unread
 * counts and messages with who wrote them. Read state is the `meta.tag` per reader; a reader's own
 * messages are never unread for them.
 */
import type { Communication, Task } from '@medplum/fhirtypes';
import { messageCategoryOf, messagePoolSystem, messageReadBySystem, messageTopicSystem } from '../core/fhir/messages.ts';
import { binaryIdOf } from '../record/attachments.ts';

export type AuthorKind = 'patient' | 'family' | 'staff' | 'automatic';

export interface ThreadSummary {
  readonly id: string;
  readonly topic: string;
  readonly subject: string;
  readonly patient: string;
  readonly open: boolean;
  readonly started: string;
  /** When the last message was sent (the header's own time when it has none). */
  readonly lastActivity: string;
  readonly messages: number;
  readonly unread: number;
}

export interface ThreadMessage {
  readonly id: string;
  readonly kind: 'message' | 'internal-note' | 'auto-reply';
  readonly author: AuthorKind;
  /** The sender's reference (Patient/…, RelatedPerson/…, Practitioner/…). */
  readonly sender: string | undefined;
  readonly sent: string;
  readonly text: string;
  /** `binaryId`: the Binary the url names (`Binary/{id}`), which the conversation's pages link to for download. */
  readonly attachments: readonly { readonly url: string; readonly binaryId: string | undefined; readonly contentType: string; readonly title: string | undefined }[];
  readonly unread: boolean;
  /** Withdrawn by staff (status entered-in-error): staff see that it was, the patient side never sees it. */
  readonly withdrawn: boolean;
}

export interface Routing {
  readonly taskId: string;
  readonly pool: string | undefined;
  /** Practitioner/… the conversation is assigned to. */
  readonly owner: string | undefined;
  readonly due: string | undefined;
  readonly waiting: boolean;
  readonly status: Task['status'];
}

export const isReadBy = (message: Communication, reader: string): boolean => (message.meta?.tag ?? []).some((tag) => tag.system === messageReadBySystem && tag.code === reader);

export const authorOf = (message: Communication): AuthorKind => {
  const category = messageCategoryOf(message);
  if (category === 'auto-reply') return 'automatic';
  const sender = message.sender?.reference ?? '';
  if (sender.startsWith('Patient/')) return 'patient';
  if (sender.startsWith('RelatedPerson/')) return 'family';
  return 'staff';
};

/** Withdrawn (entered in error) by staff: never unread, never shown to the patient side. */
export const isWithdrawn = (message: Communication): boolean => message.status === 'entered-in-error';

/** Unread for this reader: someone else's message, not withdrawn, without the reader's tag. */
export const unreadFor = (message: Communication, reader: string): boolean => message.sender?.reference !== reader && !isWithdrawn(message) && !isReadBy(message, reader);

export const threadOf = (message: Communication): string | undefined => {
  const ref = message.partOf?.[0]?.reference ?? '';
  return ref.startsWith('Communication/') ? ref.slice('Communication/'.length) : undefined;
};

export function summarize(headers: readonly Communication[], messages: readonly Communication[], reader: string): ThreadSummary[] {
  const byThread = new Map<string, Communication[]>();
  for (const message of messages) {
    const thread = threadOf(message);
    if (!thread) continue;
    const list = byThread.get(thread) ?? [];
    list.push(message);
    byThread.set(thread, list);
  }
  return headers
    .filter((header) => messageCategoryOf(header) === 'thread' && header.id)
    .map((header) => {
      const staff = reader.startsWith('Practitioner/');
      const own = (byThread.get(header.id!) ?? []).filter((m) => staff || (messageCategoryOf(m) !== 'internal-note' && !isWithdrawn(m)));
      // ISO instants in UTC sort as text.
      const last = [header.sent ?? '', ...own.map((m) => m.sent ?? '')].sort().at(-1) ?? '';
      return {
        id: header.id!,
        topic: header.topic?.coding?.find((c) => c.system === messageTopicSystem)?.code ?? 'other',
        subject: header.topic?.text ?? '',
        patient: header.subject?.reference ?? '',
        open: header.status === 'in-progress',
        started: header.sent ?? '',
        lastActivity: last,
        messages: own.length,
        unread: own.filter((m) => unreadFor(m, reader)).length,
      };
    })
    .sort((a, b) => (a.lastActivity < b.lastActivity ? 1 : a.lastActivity > b.lastActivity ? -1 : 0));
}

/** A conversation's messages, oldest first; staff (`includeNotes`) also get the internal notes and the withdrawn messages. */
export function threadMessages(messages: readonly Communication[], reader: string, options: { includeNotes: boolean }): ThreadMessage[] {
  return messages
    .filter((m) => options.includeNotes || (messageCategoryOf(m) !== 'internal-note' && !isWithdrawn(m)))
    .map((m) => {
      const category = messageCategoryOf(m);
      return {
        id: m.id!,
        kind: category === 'internal-note' ? 'internal-note' : category === 'auto-reply' ? 'auto-reply' : 'message',
        author: authorOf(m),
        sender: m.sender?.reference,
        sent: m.sent ?? '',
        text: m.payload?.find((p) => p.contentString !== undefined)?.contentString ?? '',
        attachments: (m.payload ?? []).flatMap((p) =>
          p.contentAttachment?.url
            ? [
                {
                  url: p.contentAttachment.url,
                  binaryId: binaryIdOf(p.contentAttachment.url),
                  contentType: p.contentAttachment.contentType ?? '',
                  title: p.contentAttachment.title,
                },
              ]
            : [],
        ),
        unread: unreadFor(m, reader),
        withdrawn: isWithdrawn(m),
      } satisfies ThreadMessage;
    })
    .sort((a, b) => (a.sent < b.sent ? -1 : a.sent > b.sent ? 1 : 0));
}

export function routingOf(task: Task | undefined): Routing | undefined {
  if (!task?.id) return undefined;
  return {
    taskId: task.id,
    pool: task.performerType?.[0]?.coding?.find((c) => c.system === messagePoolSystem)?.code,
    owner: task.owner?.reference,
    due: task.restriction?.period?.end,
    waiting: task.businessStatus?.text === 'waiting-for-practice',
    status: task.status,
  };
}

/** Past the answer time with the patient still waiting. */
export const isOverdue = (routing: Routing | undefined, now: Date): boolean => !!routing?.waiting && !!routing.due && Date.parse(routing.due) < now.getTime();

/** How an attachment's type is named next to its file name (the write path accepts only these three). */
export const attachmentKind = (contentType: string): 'PDF' | 'PNG' | 'JPEG' => (contentType === 'application/pdf' ? 'PDF' : contentType === 'image/png' ? 'PNG' : 'JPEG');
