/**
 * The secure-message thread model in FHIR (docs/messages.md): the codes, systems and shapes every layer
 * agrees on. A conversation is a thread-header Communication (subject the Patient, `topic` = the topic
 * code + the subject line as `topic.text`, status in-progress or completed, no payload, no partOf); each
 * message is a Communication `partOf` the header with a payload; an internal staff note is a Communication
 * `partOf` the header with category `internal-note` and NO subject, sender or recipient that is a patient,
 * so it is outside the patient's compartment and the facade can never release it. Routing and overdue
 * tracking is a Task whose `focus` is the header. Read state is a `meta.tag` per reader on each message.
 */
import type { Coding } from '@medplum/fhirtypes';

const base = 'https://puente.example.org/fhir';

/** The topics a conversation may have (the practice configures which, and which pool each goes to). */
export const messageTopicSystem = `${base}/CodeSystem/message-topic`;
/** Staff pools (a care team or a topic desk) a conversation is routed to: Task.performerType. */
export const messagePoolSystem = `${base}/CodeSystem/message-pool`;
/** Communication.category of the messages: `thread` (the header), `message`, `internal-note`, `auto-reply`. */
export const messageCategorySystem = `${base}/CodeSystem/message-category`;
/**
 * Read state, one tag per reader on each message Communication: `meta.tag` {system: this, code: the reader's
 * reference, e.g. `Patient/12`, `RelatedPerson/7`, `Practitioner/3`}. Searchable with HAPI's `_tag`
 * (`_tag:not=…|Patient/12` for unread), added with FHIRPath Patch, all of a page's messages in one transaction
 * (a new version of each, its content unchanged; src/messaging/read-state.ts says why not `$meta-add`).
 */
export const messageReadBySystem = `${base}/CodeSystem/message-read-by`;
/**
 * The facade's mark on a resource it created under an Idempotency-Key: `meta.tag` {system: this, code: a SHA-256
 * of the key's owner and the key}. Nothing readable; it lets a retry after a crashed replica find out, with
 * `_tag`, whether the first attempt reached the FHIR server (src/fhir/create-pipeline.ts).
 */
export const writeKeySystem = `${base}/CodeSystem/write-key`;
/** The profiles in fhir-profiles/. */
export const messageThreadProfile = `${base}/StructureDefinition/puente-message-thread`;
export const messageProfile = `${base}/StructureDefinition/puente-message`;
export const messageTaskProfile = `${base}/StructureDefinition/puente-message-task`;

export type MessageCategory = 'thread' | 'message' | 'internal-note' | 'auto-reply';

export const categoryCoding = (code: MessageCategory): Coding => ({ system: messageCategorySystem, code });

/** The category code of a Communication, when it is one of ours. */
export function messageCategoryOf(resource: { category?: { coding?: Coding[] }[] }): MessageCategory | undefined {
  for (const concept of resource.category ?? []) {
    for (const coding of concept.coding ?? []) {
      if (coding.system === messageCategorySystem && ['thread', 'message', 'internal-note', 'auto-reply'].includes(coding.code ?? '')) return coding.code as MessageCategory;
    }
  }
  return undefined;
}

/**
 * The security labels a message written into a conversation carries: every `meta.security` label of its header.
 * A conversation labelled confidential (an adolescent's, access/minors.ts) is protected as a whole, so each of its
 * messages is labelled too and the read path, which judges each resource by its own labels, withholds them alike.
 */
export const conversationLabels = (header: { meta?: { security?: Coding[] } }): Coding[] => (header.meta?.security ?? []).map((coding) => ({ ...coding }));

/** The most characters a message's text may have (issue #14). */
export const maxMessageLength = 10_000;
/** The most characters a conversation's subject line may have. */
export const maxSubjectLength = 150;

/**
 * The instant `businessDays` working days (Monday–Friday) after `from`, at the same time of day: a
 * conversation's answer is due then (Task.restriction.period.end), and past it the staff inbox flags it.
 */
export function addBusinessDays(from: Date, businessDays: number): Date {
  const date = new Date(from.getTime());
  let left = businessDays;
  while (left > 0) {
    date.setUTCDate(date.getUTCDate() + 1);
    const day = date.getUTCDay();
    if (day !== 0 && day !== 6) left--;
  }
  return date;
}
