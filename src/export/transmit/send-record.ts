/**
 * Sending the record to someone outside the portal, by share link or by email (Direct is in
 * send-direct.ts). Each send is one decision made in full before anything leaves: the files are
 * produced from what the facade releases to the sender, then the link is stored, or the email is
 * queued in the outbox together with its transmission row and its AuditEvent (one transaction), so a
 * transmission is never recorded without its email or sent without its record.
 */
import { localDay } from '../ccda/hl7-time.ts';
import { transmitAuditEvent } from '../../core/fhir/audit-event.ts';
import { dateFormatter } from '../../core/fhir/dates.ts';
import type { RecordClient } from '../../record/record-client.ts';
import { recordAuditEvent } from '../../store/audit-trail.ts';
import type { Db } from '../../store/db.ts';
import { enqueue, type OutboxMessage } from '../../store/outbox.ts';
import { insertTransmission, type TransmissionMethod } from '../../store/transmissions.ts';
import type { DownloadDeps, DownloadRequest, ProducedFile } from '../record-download.ts';
import type { ParsedShareChoice } from '../share-choice.ts';
import { produceFiles } from './produce-files.ts';
import type { EmailSend, LinkTerms } from './send-request.ts';
import { attachedRecordEmail, shareLinkEmail } from './share-emails.ts';
import { createShareLink } from './share-links/create-share-link.ts';

export interface SendDeps extends DownloadDeps {
  readonly db: Db;
  /** The portal's public address: share links point at its viewer (/s) and manifest (/shl/…). */
  readonly publicUrl: URL;
}

export type ChosenShare = Extract<ParsedShareChoice, { ok: true }>;

/** What a transmission row and the patient's list say was sent: the choice, the formats, the language. */
export const whatOf = (share: ChosenShare, formats: readonly string[]) => ({ ...share.choice, formats });

export const senderOf = (record: RecordClient): string => record.proxy ?? `Patient/${record.patient}`;

export const downloadRequestOf = (share: ChosenShare, clientAddress: string): DownloadRequest => ({
  range: share.range,
  visit: share.visit,
  language: share.choice.language,
  clientAddress,
});

/** Makes the link's files and stores them encrypted; the link (with its key) is shown to the sender once. */
export async function shareByLink(
  deps: SendDeps,
  record: RecordClient,
  share: ChosenShare,
  terms: LinkTerms,
  clientAddress: string,
): Promise<{ id: string; link: string; files: ProducedFile[] }> {
  const files = await produceFiles(deps, record, downloadRequestOf(share, clientAddress), terms.formats);
  const created = await createShareLink(
    { db: deps.db, publicUrl: deps.publicUrl, ...(deps.now ? { now: deps.now } : {}) },
    {
      patient: `Patient/${record.patient}`,
      createdBy: senderOf(record),
      label: terms.label,
      passcode: terms.passcode,
      expiresAt: terms.expiresAt,
      files: files.map((file) => ({ contentType: file.contentType.split(';')[0]!, body: file.body })),
      what: whatOf(share, terms.formats),
      clientAddress,
      portalName: deps.practice.name,
      formats: files.map((file) => file.format),
    },
  );
  return { ...created, files };
}

/**
 * Email to any address: a share link and nothing else about the patient (the default), or the files
 * attached when the sender chose it after the warning. Queued in the outbox like every email.
 */
export async function sendByEmail(deps: SendDeps, record: RecordClient, share: ChosenShare, email: EmailSend, clientAddress: string): Promise<void> {
  const locale = share.choice.language;
  const practice = { name: deps.practice.name, phone: deps.practice.phone };
  let message: ReturnType<typeof attachedRecordEmail> | ReturnType<typeof shareLinkEmail>;
  let shareLinkId: string | undefined;
  let formats: readonly string[];
  if (email.attach) {
    const files = await produceFiles(deps, record, downloadRequestOf(share, clientAddress), email.formats);
    message = attachedRecordEmail(locale, practice, email.address, files);
    formats = files.map((file) => file.format);
  } else {
    const link = await shareByLink(deps, record, share, email.link, clientAddress);
    const lastDay = localDay(email.link.expiresAt.toISOString(), deps.practice.timeZone) ?? '';
    message = shareLinkEmail(locale, practice, email.address, link.link, dateFormatter(locale, deps.practice.timeZone).day(lastDay));
    shareLinkId = link.id;
    formats = link.files.map((file) => file.format);
  }
  await queueTransmission(deps, record, share, {
    message: { kind: 'email', payload: message },
    method: 'email',
    addressee: email.address,
    what: { ...whatOf(share, email.attach ? email.formats : email.link.formats), attached: email.attach },
    formats,
    clientAddress,
    ...(shareLinkId ? { shareLinkId } : {}),
  });
}

/**
 * Queues one transmission in one transaction: the outbox row that carries it, its row in `transmissions`
 * (whose status is the outbox row's) and its AuditEvent with the addressee.
 */
export async function queueTransmission(
  deps: SendDeps,
  record: RecordClient,
  share: ChosenShare,
  sent: {
    readonly message: OutboxMessage;
    readonly method: TransmissionMethod;
    readonly addressee: string;
    readonly what: unknown;
    /** What was produced, in the audit's words. */
    readonly formats: readonly string[];
    readonly clientAddress: string;
    readonly shareLinkId?: string;
  },
): Promise<void> {
  await deps.db.transaction(async (tx) => {
    const outboxId = await enqueue(tx, sent.message);
    await insertTransmission(tx, {
      patient: `Patient/${record.patient}`,
      createdBy: senderOf(record),
      method: sent.method,
      addressee: sent.addressee,
      what: sent.what,
      outboxId,
      ...(sent.shareLinkId ? { shareLinkId: sent.shareLinkId } : {}),
    });
    await recordAuditEvent(
      tx,
      transmitAuditEvent({
        actor: senderOf(record),
        patient: `Patient/${record.patient}`,
        method: sent.method,
        addressee: sent.addressee,
        formats: sent.formats,
        ...(share.range ? { range: share.range } : {}),
        ...(share.visit ? { visit: `Encounter/${share.visit}` } : {}),
        language: share.choice.language,
        ...(sent.shareLinkId ? { shareLink: sent.shareLinkId } : {}),
        clientAddress: sent.clientAddress,
        portalName: deps.practice.name,
      }),
    );
  });
}
