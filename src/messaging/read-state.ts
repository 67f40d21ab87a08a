/**
 * Read state (docs/messages.md): one `meta.tag` per reader on each message, {system message-read-by, code
 * the reader's reference}. Added with FHIR's `$meta-add` (R4 resource-operation-meta-add), which changes
 * no version of the message and is searchable with `_tag` / `_tag:not`. Called only for messages the
 * reader has just been shown.
 */
import type { Communication, Parameters } from '@medplum/fhirtypes';
import { messageReadBySystem } from '../core/fhir/messages.ts';
import type { FhirClient } from '../store/fhir-client.ts';

export async function markRead(fhir: FhirClient, messages: readonly Communication[], reader: string): Promise<void> {
  for (const message of messages) {
    if (!message.id) continue;
    await fhir.operation({
      name: '$meta-add',
      resourceType: 'Communication',
      id: message.id,
      method: 'POST',
      input: { resourceType: 'Parameters', parameter: [{ name: 'meta', valueMeta: { tag: [{ system: messageReadBySystem, code: reader }] } }] } satisfies Parameters,
    });
  }
}
