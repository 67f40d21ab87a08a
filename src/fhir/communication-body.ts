/**
 * The body of a `POST /fhir/Communication` as the facade accepts it (DESIGN.md "The facade's write path":
 * allow-list per type, habit 5). Each element either has a rule or the body is refused; `id`, `meta` and
 * `text` are dropped (R4 create ignores `id`; tags, labels and profiles are the server's; a narrative could
 * say other than the data). Who and whom are never rewritten silently: a `subject` naming another patient
 * or a `sender` naming someone else is refused (403, the same answer whether that patient exists or not);
 * absent ones are filled in by the pipeline.
 *
 * Two shapes (docs/messages.md): a thread header (no `partOf`, a `topic` with one of the practice's topic
 * codes and the subject line as `topic.text`, no payload) and a message (`partOf` one header, a payload of
 * one `contentString` and up to 5 `contentAttachment`s naming a Binary).
 */
import type { Attachment, Communication, Organization, Practitioner, PractitionerRole, Reference } from '@medplum/fhirtypes';
import { isFhirId } from '../core/fhir/ids.ts';
import { maxMessageLength, maxSubjectLength, messageTopicSystem } from '../core/fhir/messages.ts';
import { FacadeError, type FacadeMessageKey } from './facade-error.ts';

/** Elements a client may send on a Communication; anything else (extension, contained, partOf chains …) is refused. */
const allowedElements: ReadonlySet<string> = new Set([
  'resourceType',
  'id',
  'meta',
  'text',
  'status',
  'category',
  'priority',
  'subject',
  'recipient',
  'sender',
  'inResponseTo',
  'partOf',
  'topic',
  'payload',
]);
/** Recipients a patient-side message may name: the practice's people and organisation, never a patient (Communication.recipient is a compartment parameter). */
const recipientTypes: ReadonlySet<string> = new Set(['Practitioner', 'PractitionerRole', 'Organization']);
const priorities: ReadonlySet<string> = new Set(['routine', 'urgent', 'asap', 'stat']);
export const maxAttachments = 5;

export interface ParsedCommunication {
  readonly shape: 'thread' | 'message';
  /** The header a message is posted into (its id), for a message. */
  readonly thread?: string;
  /** A message this one answers (its id), checked to be in the same thread. */
  readonly inResponseTo?: string;
  readonly topicCode?: string;
  readonly subjectLine?: string;
  readonly text?: string;
  readonly attachments: readonly { readonly binary: string; readonly contentType: string; readonly title?: string; readonly size?: number }[];
  readonly priority?: Communication['priority'];
  readonly recipients: readonly Reference<Practitioner | PractitionerRole | Organization>[];
  /** The references the client gave for subject and sender (to be compared with the token's). */
  readonly subject?: string;
  readonly sender?: string;
}

const invalid = (key: FacadeMessageKey = 'facade.body_element_unsupported'): never => {
  throw new FacadeError(400, 'invalid', 'invalid', key);
};

const isObject = (value: unknown): value is Record<string, unknown> => typeof value === 'object' && value !== null && !Array.isArray(value);
const onlyKeys = (value: Record<string, unknown>, keys: readonly string[]) => {
  for (const key of Object.keys(value)) if (!keys.includes(key)) invalid();
};

/** A literal reference `Type/id`, or the same on one of the facade's own bases; anything else (identifiers, other servers, `#contained`) is refused. */
export function literalReference(value: unknown, localBases: readonly string[]): { type: string; id: string } {
  if (!isObject(value)) return invalid('facade.body_reference_invalid');
  onlyKeys(value, ['reference', 'display']);
  const ref = value['reference'];
  if (typeof ref !== 'string') return invalid('facade.body_reference_invalid');
  let relative = ref;
  for (const base of localBases) if (ref.startsWith(`${base}/`)) relative = ref.slice(base.length + 1);
  const match = /^([A-Z][A-Za-z]+)\/([^/]+)$/.exec(relative);
  if (!match || !isFhirId(match[2])) return invalid('facade.body_reference_invalid');
  return { type: match[1]!, id: match[2]! };
}

const boundedString = (value: unknown, max: number): string | undefined => (typeof value === 'string' && value.length <= max ? value : undefined);

function parseAttachment(value: unknown, localBases: readonly string[]) {
  if (!isObject(value)) return invalid();
  onlyKeys(value, ['contentType', 'url', 'title', 'size']);
  const url = value['url'];
  const binary = literalReference({ reference: url }, localBases);
  if (binary.type !== 'Binary') invalid('facade.body_reference_invalid');
  const contentType = value['contentType'];
  if (contentType !== 'application/pdf' && contentType !== 'image/jpeg' && contentType !== 'image/png') return invalid('facade.attachment_type_unsupported');
  const title = value['title'] === undefined ? undefined : boundedString(value['title'], 200);
  if (value['title'] !== undefined && title === undefined) invalid();
  const size = value['size'];
  if (size !== undefined && (typeof size !== 'number' || !Number.isInteger(size) || size < 0)) invalid();
  return { binary: binary.id, contentType, ...(title !== undefined ? { title } : {}), ...(typeof size === 'number' ? { size } : {}) };
}

/** Parses the JSON body of a Communication create strictly; `topics` are the practice's topic codes. */
export function parseCommunicationBody(body: unknown, localBases: readonly string[], topics: ReadonlySet<string>): ParsedCommunication {
  if (!isObject(body) || body['resourceType'] !== 'Communication') return invalid('facade.body_type_mismatch');
  for (const key of Object.keys(body)) if (!allowedElements.has(key)) invalid();
  const partOf = body['partOf'];
  const shape = partOf === undefined ? 'thread' : 'message';

  // status: the facade's own (a header opens in-progress, a message is completed when sent); a client may only say the same.
  const expectedStatus = shape === 'thread' ? 'in-progress' : 'completed';
  if (body['status'] !== undefined && body['status'] !== expectedStatus) invalid('facade.body_status_invalid');
  // category: ours only, set by the facade; a client may not claim an internal note or an automatic reply.
  if (body['category'] !== undefined) invalid();

  const priority = body['priority'];
  if (priority !== undefined && (typeof priority !== 'string' || !priorities.has(priority))) invalid();

  const reference = (name: string) => (body[name] === undefined ? undefined : literalReference(body[name], localBases));
  const subject = reference('subject');
  const sender = reference('sender');

  const recipients: Reference<Practitioner | PractitionerRole | Organization>[] = [];
  if (body['recipient'] !== undefined) {
    if (!Array.isArray(body['recipient']) || body['recipient'].length > 5) invalid();
    for (const item of body['recipient'] as unknown[]) {
      const ref = literalReference(item, localBases);
      if (!recipientTypes.has(ref.type)) invalid('facade.body_recipient_invalid');
      recipients.push({ reference: `${ref.type}/${ref.id}` });
    }
  }

  let thread: string | undefined;
  let inResponseTo: string | undefined;
  let text: string | undefined;
  const attachments: ReturnType<typeof parseAttachment>[] = [];
  let topicCode: string | undefined;
  let subjectLine: string | undefined;

  if (shape === 'message') {
    if (!Array.isArray(partOf) || partOf.length !== 1) return invalid('facade.body_reference_invalid');
    const header = literalReference(partOf[0], localBases);
    if (header.type !== 'Communication') invalid('facade.body_reference_invalid');
    thread = header.id;
    if (body['topic'] !== undefined) invalid();
    if (body['inResponseTo'] !== undefined) {
      const answered = body['inResponseTo'];
      if (!Array.isArray(answered) || answered.length !== 1) return invalid('facade.body_reference_invalid');
      const ref = literalReference(answered[0], localBases);
      if (ref.type !== 'Communication') invalid('facade.body_reference_invalid');
      inResponseTo = ref.id;
    }
    const payload = body['payload'];
    if (!Array.isArray(payload) || payload.length === 0) return invalid('facade.message_empty');
    for (const item of payload as unknown[]) {
      if (!isObject(item)) invalid();
      const part = item as Record<string, unknown>;
      onlyKeys(part, ['contentString', 'contentAttachment']);
      if (Object.keys(part).length !== 1) invalid();
      if (part['contentString'] !== undefined) {
        if (text !== undefined || typeof part['contentString'] !== 'string') invalid();
        text = part['contentString'] as string;
        if (text.trim() === '') invalid('facade.message_empty');
        if (text.length > maxMessageLength) invalid('facade.message_too_long');
      } else {
        attachments.push(parseAttachment(part['contentAttachment'], localBases));
      }
    }
    if (text === undefined) invalid('facade.message_empty');
    if (attachments.length > maxAttachments) invalid('facade.attachments_too_many');
  } else {
    if (body['payload'] !== undefined || body['inResponseTo'] !== undefined) invalid();
    const topic = body['topic'];
    if (!isObject(topic)) return invalid('facade.topic_invalid');
    onlyKeys(topic, ['coding', 'text']);
    const coding = topic['coding'];
    if (!Array.isArray(coding) || coding.length !== 1 || !isObject(coding[0])) return invalid('facade.topic_invalid');
    const first = coding[0] as Record<string, unknown>;
    onlyKeys(first, ['system', 'code', 'display']);
    if (first['system'] !== messageTopicSystem || typeof first['code'] !== 'string' || !topics.has(first['code'])) invalid('facade.topic_invalid');
    topicCode = first['code'] as string;
    subjectLine = typeof topic['text'] === 'string' ? topic['text'].trim() : undefined;
    if (!subjectLine) invalid('facade.subject_empty');
    if (subjectLine!.length > maxSubjectLength) invalid('facade.subject_too_long');
  }

  return {
    shape,
    ...(thread ? { thread } : {}),
    ...(inResponseTo ? { inResponseTo } : {}),
    ...(topicCode ? { topicCode } : {}),
    ...(subjectLine ? { subjectLine } : {}),
    ...(text !== undefined ? { text } : {}),
    attachments,
    ...(priority ? { priority: priority as Communication['priority'] } : {}),
    recipients,
    ...(subject ? { subject: `${subject.type}/${subject.id}` } : {}),
    ...(sender ? { sender: `${sender.type}/${sender.id}` } : {}),
  };
}

/** The attachment as the stored message carries it. */
export const storedAttachment = (a: ParsedCommunication['attachments'][number]): Attachment => ({
  contentType: a.contentType,
  url: `Binary/${a.binary}`,
  ...(a.title !== undefined ? { title: a.title } : {}),
  ...(a.size !== undefined ? { size: a.size } : {}),
});
