/**
 * Opening a message's attachment (issue #14): the patient side reads it through the /fhir facade with the
 * session's token (the facade decides whether that token may read the Binary, and audits the read); staff read
 * it with the portal's credential, as they read the conversation, audited with their Practitioner as the agent.
 * Either way the Binary must be named by a message of that conversation, so a conversation's page links only
 * its own files and an id taken from elsewhere answers the portal's 404. The bytes go out as a download
 * (never rendered on the portal's origin) under the name the sender gave, made safe for a header.
 */
import type { Attachment, Binary, Communication } from '@medplum/fhirtypes';
import { AppError } from '../core/errors.ts';
import { attachmentUrlValues, communicationAttachmentUrl } from '../core/fhir/attachment-search.ts';
import { isFhirId } from '../core/fhir/ids.ts';
import { messageCategoryOf } from '../core/fhir/messages.ts';
import type { RecordClient } from '../record/record-client.ts';
import { binaryIdOf } from '../record/attachments.ts';
import type { MessagingDeps } from './deps.ts';
import { auditStaffAccess, loadHeader, type StaffRequest } from './staff-messages.ts';
import { isWithdrawn } from './thread-model.ts';

export interface AttachmentFile {
  readonly bytes: Buffer;
  /** One of the types the write path accepts (PDF, JPEG, PNG), else application/octet-stream. */
  readonly contentType: string;
  /** The `Content-Disposition` value: ASCII `filename`, and the sender's name in UTF-8 as `filename*` (RFC 6266). */
  readonly disposition: string;
}

const notFound = () => new AppError('not_found', 404);
const extensions: Readonly<Record<string, string>> = { 'application/pdf': '.pdf', 'image/jpeg': '.jpg', 'image/png': '.png' };

/** The attachment of `messages` that names Binary/{binaryId}, if any. */
function attachmentOf(messages: readonly Communication[], binaryId: string): Attachment | undefined {
  for (const message of messages) {
    for (const part of message.payload ?? []) if (binaryIdOf(part.contentAttachment?.url) === binaryId) return part.contentAttachment;
  }
  return undefined;
}

/**
 * A file name a browser saves safely: no path, quotes or control characters; the ASCII form keeps letters,
 * digits, dots, hyphens, underscores and spaces; the extension always matches the type sent.
 */
export function attachmentDisposition(title: string | undefined, contentType: string, binaryId: string): string {
  const extension = extensions[contentType] ?? '';
  const base =
    (title ?? '')
      .replace(/[\p{Cc}\p{Cf}"\\/:*?<>|]+/gu, ' ')
      .replace(/\.(pdf|jpe?g|png)$/i, '')
      .replace(/\s+/g, ' ')
      // No hidden or relative-looking name: leading dots and spaces go.
      .replace(/^[.\s]+/, '')
      .trim()
      .slice(0, 100) || `attachment-${binaryId}`;
  const ascii = base.replace(/[^A-Za-z0-9._ -]/g, '_');
  const utf8 = encodeURIComponent(`${base}${extension}`).replace(/['()*]/g, (c) => `%${c.charCodeAt(0).toString(16).toUpperCase()}`);
  return `attachment; filename="${ascii}${extension}"; filename*=UTF-8''${utf8}`;
}

function fileOf(binary: Binary, attachment: Attachment, binaryId: string): AttachmentFile {
  if (binary.resourceType !== 'Binary' || binary.id !== binaryId || !binary.data) throw notFound();
  const declared = (binary.contentType ?? '').split(';')[0]!.trim().toLowerCase();
  const contentType = extensions[declared] ? declared : 'application/octet-stream';
  return { bytes: Buffer.from(binary.data, 'base64'), contentType, disposition: attachmentDisposition(attachment.title, contentType, binaryId) };
}

/** A facade refusal or absence is the portal's 404: the visitor learns nothing about files that are not theirs. */
const unlessMissing = async <T>(read: Promise<T>): Promise<T> => {
  try {
    return await read;
  } catch (error) {
    if (error instanceof AppError && (error.code === 'fhir_not_found' || error.code === 'forbidden')) throw notFound();
    throw error;
  }
};

/** The patient side: the conversation, its messages and the Binary, each read through the facade with the session's token. */
export async function patientAttachment(record: RecordClient, thread: string, binaryId: string): Promise<AttachmentFile> {
  if (!isFhirId(thread) || !isFhirId(binaryId)) throw notFound();
  const header = await unlessMissing(record.read<Communication>(`Communication/${thread}`));
  if (messageCategoryOf(header) !== 'thread') throw notFound();
  const found = await record.search<Communication>(`Communication?part-of=${encodeURIComponent(`Communication/${thread}`)}&_count=100`);
  // A withdrawn message is gone for the patient side (docs/messages.md), its files with it; staff still open them.
  const attachment = attachmentOf(
    found.matches.filter((message) => !isWithdrawn(message)),
    binaryId,
  );
  if (!attachment) throw notFound();
  return fileOf(await unlessMissing(record.read<Binary>(`Binary/${binaryId}`)), attachment, binaryId);
}

/**
 * The staff side, with the portal's credential like the rest of the console: the Binary must be named by a
 * message of the conversation and belong to its patient (the securityContext the facade set when it stored it).
 * The message is found with ONE search, the conversation's messages naming that Binary (the project's
 * `attachment-url` parameter, every url form the facade accepts), so a file opens however long the conversation
 * is. Audited as a read of that patient's record before the bytes are given.
 */
export async function staffAttachment(deps: MessagingDeps, request: StaffRequest, thread: string, binaryId: string): Promise<AttachmentFile> {
  if (!isFhirId(thread) || !isFhirId(binaryId)) throw notFound();
  const { patient } = await loadHeader(deps, thread);
  const naming = await deps.fhir.search<Communication>('Communication', {
    'part-of': `Communication/${thread}`,
    [communicationAttachmentUrl]: attachmentUrlValues(binaryId, [deps.fhirBase, deps.fhir.baseUrl]),
    _count: '10',
  });
  const attachment = attachmentOf(
    (naming.entry ?? []).flatMap((e) => (e.resource ? [e.resource] : [])),
    binaryId,
  );
  if (!attachment) throw notFound();
  const binary = await deps.fhir.read<Binary>('Binary', binaryId).catch(() => undefined);
  if (!binary || binary.securityContext?.reference !== patient) throw notFound();
  const file = fileOf(binary, attachment, binaryId);
  await auditStaffAccess(deps, request, [patient], 'read');
  return file;
}
