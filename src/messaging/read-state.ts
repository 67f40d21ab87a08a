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
import { messageReadBySystem } from '../core/fhir/messages.ts';
import type { FhirClient } from '../store/fhir-client.ts';

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
