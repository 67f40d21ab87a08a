/**
 * Creating a SMART Health Link (https://docs.smarthealthit.org/smart-health-links/spec): the files the
 * caller produced are encrypted under a fresh key that lives only in the link the patient gets; the
 * store keeps the ciphertext, a hash of the passcode and the attempts left. The link, its files and the
 * 'share-link' AuditEvent are written in one transaction.
 */
import { randomBytes } from 'node:crypto';
import { transmitAuditEvent } from '../../../core/fhir/audit-event.ts';
import { hashPassword } from '../../../core/password-hash.ts';
import { recordAuditEvent } from '../../../store/audit-trail.ts';
import type { Db } from '../../../store/db.ts';
import { insertShareLink } from '../../../store/share-links.ts';
import { encryptShareFile } from './encrypt-file.ts';
import { manifestUrl, newShareLinkId } from './share-link-ids.ts';

/** Wrong passcodes a link tolerates over its whole life before it is disabled (SHL: the server limits them). */
export const passcodeAttemptsLimit = 10;
export const passcodeLength = { min: 6, max: 64 } as const;
export const labelLength = { min: 1, max: 80 } as const;
export const longestExpiryMs = 365 * 24 * 60 * 60 * 1000;
/** SHL payload: the manifest `url` is at most 128 characters. */
export const manifestUrlMaxLength = 128;

/** Why a share link was not made; also the last part of the catalog key the page shows (`shareLink.error.<reason>`). */
export type ShareLinkRefusal = 'passcode' | 'label' | 'expiry' | 'nothing';

export class ShareLinkRefused extends Error {
  readonly reason: ShareLinkRefusal;
  constructor(reason: ShareLinkRefusal) {
    super(`share_link_refused:${reason}`);
    this.name = 'ShareLinkRefused';
    this.reason = reason;
  }
}

export interface CreateShareLinkDeps {
  readonly db: Db;
  readonly publicUrl: URL;
  readonly now?: () => Date;
}

export interface CreateShareLinkInput {
  readonly patient: string;
  readonly createdBy: string;
  readonly label: string;
  readonly passcode: string;
  readonly expiresAt: Date;
  readonly files: readonly { readonly contentType: string; readonly body: string | Buffer }[];
  /** The choice the files were made from (range, visit, formats, language), kept for the patient's list. */
  readonly what: unknown;
  readonly clientAddress: string;
  readonly portalName: string;
  /** The files' formats in the audit's words. */
  readonly formats: readonly string[];
}

/** The SHL payload (SMART Health Links "SHLink Payload"); flag is only ever P: U is never combined with P. */
export interface ShlPayload {
  readonly url: string;
  readonly key: string;
  readonly exp: number;
  readonly flag: 'P';
  readonly label: string;
  readonly v: 1;
}

const characters = (text: string): number => [...text].length;

/** Checks the input in a fixed order and throws the first refusal. */
function check(input: CreateShareLinkInput, now: Date): void {
  const passcode = characters(input.passcode);
  if (passcode < passcodeLength.min || passcode > passcodeLength.max) throw new ShareLinkRefused('passcode');
  const label = characters(input.label.trim());
  if (label < labelLength.min || label > labelLength.max) throw new ShareLinkRefused('label');
  const expires = input.expiresAt.getTime();
  if (!Number.isFinite(expires) || expires <= now.getTime() || expires > now.getTime() + longestExpiryMs) throw new ShareLinkRefused('expiry');
  if (input.files.length === 0) throw new ShareLinkRefused('nothing');
}

/** `<PUBLIC_URL>s#shlink:/<base64url(payload)>`: the viewer page, with the payload in the fragment the browser never sends. */
export const shareLinkUrl = (publicUrl: URL, payload: ShlPayload): string => `${publicUrl.href}s#shlink:/${Buffer.from(JSON.stringify(payload)).toString('base64url')}`;

export async function createShareLink(deps: CreateShareLinkDeps, input: CreateShareLinkInput): Promise<{ id: string; link: string }> {
  const now = deps.now?.() ?? new Date();
  check(input, now);
  const id = newShareLinkId();
  const url = manifestUrl(deps.publicUrl, id);
  if (url.length > manifestUrlMaxLength) throw new Error(`the share-link manifest URL is longer than ${manifestUrlMaxLength} characters: PUBLIC_URL is too long`);
  // The key exists only in this function and in the link returned: never stored, never logged.
  const key = randomBytes(32);
  const files: { contentType: string; jwe: string }[] = [];
  for (const file of input.files) files.push({ contentType: file.contentType, jwe: await encryptShareFile(key, file) });
  const label = input.label.trim();
  const passcodeHash = await hashPassword(input.passcode);
  await deps.db.transaction(async (tx) => {
    await insertShareLink(tx, {
      id,
      patient: input.patient,
      createdBy: input.createdBy,
      label,
      passcodeHash,
      attemptsLeft: passcodeAttemptsLimit,
      what: input.what,
      expiresAt: input.expiresAt,
      createdAt: now,
      files,
    });
    await recordAuditEvent(
      tx,
      transmitAuditEvent({
        actor: input.createdBy,
        patient: input.patient,
        method: 'share-link',
        addressee: label,
        formats: input.formats,
        shareLink: id,
        clientAddress: input.clientAddress,
        portalName: input.portalName,
      }),
    );
  });
  const payload: ShlPayload = { url, key: key.toString('base64url'), exp: Math.floor(input.expiresAt.getTime() / 1000), flag: 'P', label, v: 1 };
  return { id, link: shareLinkUrl(deps.publicUrl, payload) };
}
