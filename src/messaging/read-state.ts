/**
 * Read state (docs/messages.md): one `meta.tag` per reader on each message, {system message-read-by, code
 * the reader's reference}, searchable with `_tag` / `_tag:not`. Called only for messages the reader has just
 * been shown, and written in ONE HAPI transaction of FHIRPath Patch entries (an `add` of the tag to
 * `Communication.meta`) whatever the number of messages: `$meta-add` would not need a new version of the
 * message, but it is one request per message, and HAPI 8 does not run it inside a batch or transaction (it
 * stores the entry's Parameters as a new resource instead). The patch changes no content of the message,
 * only its meta, so the new version it makes is the same message.
 */
import type { Bundle, Communication, Parameters } from '@medplum/fhirtypes';
import { isFhirId } from '../core/fhir/ids.ts';
import { messageCategorySystem, messageReadBySystem, type MessageCategory } from '../core/fhir/messages.ts';
import type { FhirClient } from '../store/fhir-client.ts';
import { threadOf } from './thread-model.ts';

/** The FHIRPath Patch that adds `reader`'s read tag to a message. */
const addReadTag = (reader: string): Parameters => ({
  resourceType: 'Parameters',
  parameter: [
    {
      name: 'operation',
      part: [
        { name: 'type', valueCode: 'add' },
        { name: 'path', valueString: 'Communication.meta' },
        { name: 'name', valueString: 'tag' },
        { name: 'value', valueCoding: { system: messageReadBySystem, code: reader } },
      ],
    },
  ],
});

/** Tags every message in `messages` read by `reader`, in one request to HAPI (none when there is nothing to tag). */
export async function markRead(fhir: FhirClient, messages: readonly Communication[], reader: string): Promise<void> {
  const ids = messages.flatMap((message) => (message.id ? [message.id] : []));
  if (ids.length === 0) return;
  const patch = addReadTag(reader);
  await fhir.transaction({
    resourceType: 'Bundle',
    type: 'transaction',
    entry: ids.map((id) => ({ resource: patch, request: { method: 'PATCH', url: `Communication/${id}` } })),
  } satisfies Bundle);
}

/** Whose unread messages are counted, and which. */
export interface UnreadQuery {
  /** The reader's reference (Patient/…, RelatedPerson/…, Practitioner/…): the tag their messages lack. */
  readonly reader: string;
  /** The categories that count: staff count patient-side messages; the patient side also the automatic replies. */
  readonly categories: readonly MessageCategory[];
  /** The patient side's own record (Patient/…); staff count in every patient's conversations. */
  readonly patient?: string;
}

/**
 * The reader's unread messages in each of these conversations (their header Communications), for the patient's
 * list and the staff inbox alike: messages of `categories`, not withdrawn (status), without the reader's tag
 * (`_tag:not`; a reader's own messages carry it from the start). First ONE search for the reader's unread messages
 * sent since the oldest of these conversations started (nothing of theirs is older): only unread messages come
 * back, so it stays small for a reader who keeps up however long the conversations are. When it does not fit one
 * answer of 500 (a reader new to a busy practice), HAPI counts per conversation instead (`_summary=count`, six at
 * a time). One search naming every conversation (an OR of `part-of` references) took HAPI seconds to minutes.
 */
export async function unreadCounts(fhir: FhirClient, headers: readonly Communication[], query: UnreadQuery): Promise<Map<string, number>> {
  const ids = headers.map((h) => h.id ?? '').filter(isFhirId);
  const counts = new Map(ids.map((id) => [id, 0]));
  const unread = {
    ...(query.patient ? { subject: query.patient } : {}),
    category: query.categories.map((code) => `${messageCategorySystem}|${code}`).join(','),
    status: 'completed',
    '_tag:not': `${messageReadBySystem}|${query.reader}`,
  };
  const oldest = headers.map((h) => h.sent ?? '').sort()[0];
  if (oldest) {
    const found = await fhir.search<Communication>('Communication', { ...unread, sent: `ge${oldest}`, _elements: 'partOf', _count: '500' });
    if (!found.link?.some((l) => l.relation === 'next')) {
      for (const entry of found.entry ?? []) {
        const thread = entry.resource ? threadOf(entry.resource) : undefined;
        if (thread && counts.has(thread)) counts.set(thread, counts.get(thread)! + 1);
      }
      return counts;
    }
  }
  const queue = [...ids];
  const worker = async () => {
    for (let id = queue.shift(); id; id = queue.shift()) {
      const counted = await fhir.search<Communication>('Communication', { 'part-of': `Communication/${id}`, ...unread, _summary: 'count' });
      counts.set(id, counted.total ?? 0);
    }
  };
  await Promise.all(Array.from({ length: Math.min(6, ids.length) }, worker));
  return counts;
}
