/**
 * The SHL manifest request (SMART Health Links "Manifest request"): POST with `recipient`, `passcode`
 * and optionally `embeddedLengthMax`. Checked in this order, each step deciding before the next reads:
 *
 *   checkShape        — id by pattern (else 404, before any query); recipient 1–200 characters (400)
 *   limitByAddress    — at most 60 manifest requests per client address per 10 minutes (429), store counters
 *   findLiveLink      — unknown, expired, revoked and disabled links all answer the same 404
 *   limitByLink       — at most 30 manifest requests per link per 10 minutes (429)
 *   checkPasscode     — wrong: one attempt used (one atomic UPDATE), 401 with remainingAttempts; 404 once disabled
 *   recordOpening     — the recipient as an opening and a 'share-link-opened' AuditEvent, one transaction
 *   answerFiles       — each file embedded when its JWE fits embeddedLengthMax, else a 1-hour location URL
 */
import { transmitAuditEvent } from '../../../core/fhir/audit-event.ts';
import { verifyPassword } from '../../../core/password-hash.ts';
import { recordAuditEvent } from '../../../store/audit-trail.ts';
import type { Db } from '../../../store/db.ts';
import { countRequest } from '../../../store/rate-limits.ts';
import { readLiveShareLink, readLiveShareLinkFiles, recordPasscodeFailure, recordShareLinkOpening } from '../../../store/share-links.ts';
import { passcodeLength } from './create-share-link.ts';
import { fileTicketLifetimeMs, issueFileTicket } from './file-tickets.ts';
import { isShareLinkId, manifestUrl } from './share-link-ids.ts';

export const manifestRateLimits = { windowMs: 10 * 60 * 1000, perLink: 30, perAddress: 60 } as const;
export const recipientLength = { min: 1, max: 200 } as const;
/** Without embeddedLengthMax every file up to this many characters is embedded; larger ones get a location. */
export const defaultEmbeddedLengthMax = 4 * 1024 * 1024;
/** Kept in the formats of the 'share-link-opened' AuditEvent. */
const openedFormat = 'SMART Health Link manifest';

export interface ShareLinkServeDeps {
  readonly db: Db;
  readonly publicUrl: URL;
  /** SECRET_KEYS: the first signs file tickets, all verify. */
  readonly secretKeys: readonly string[];
  readonly portalName: string;
  readonly now?: () => Date;
}

export interface ManifestRequest {
  readonly id: string;
  readonly recipient: unknown;
  readonly passcode: unknown;
  readonly embeddedLengthMax?: unknown;
  readonly clientAddress: string;
}

export type ManifestFile = { readonly contentType: string; readonly embedded: string } | { readonly contentType: string; readonly location: string };
export interface Manifest {
  readonly status: 'finalized';
  readonly files: readonly ManifestFile[];
}

export type ManifestAnswer =
  | { readonly status: 200; readonly manifest: Manifest }
  | { readonly status: 401; readonly remainingAttempts: number }
  | { readonly status: 400 }
  | { readonly status: 404 }
  | { readonly status: 429 };

const characters = (text: string): number => [...text].length;

export async function openManifest(deps: ShareLinkServeDeps, request: ManifestRequest): Promise<ManifestAnswer> {
  const now = deps.now?.() ?? new Date();
  // checkShape
  if (!isShareLinkId(request.id)) return { status: 404 };
  const recipient = typeof request.recipient === 'string' ? request.recipient.trim() : '';
  if (characters(recipient) < recipientLength.min || characters(recipient) > recipientLength.max) return { status: 400 };
  const embeddedLengthMax = request.embeddedLengthMax ?? defaultEmbeddedLengthMax;
  if (typeof embeddedLengthMax !== 'number' || !Number.isSafeInteger(embeddedLengthMax) || embeddedLengthMax < 0) return { status: 400 };
  // limitByAddress: counted before the link is looked up, so probing unknown ids costs the same.
  const byAddress = await countRequest(deps.db, `shl-manifest:address:${request.clientAddress}`, manifestRateLimits.windowMs, now);
  if (byAddress > manifestRateLimits.perAddress) return { status: 429 };
  // findLiveLink
  const link = await readLiveShareLink(deps.db, request.id, now);
  if (!link) return { status: 404 };
  // limitByLink: only for links that exist, so unknown ids leave no counters behind.
  const byLink = await countRequest(deps.db, `shl-manifest:link:${link.id}`, manifestRateLimits.windowMs, now);
  if (byLink > manifestRateLimits.perLink) return { status: 429 };
  // checkPasscode: a missing passcode is not a guess (nothing used up); a wrong one is, whatever its length.
  if (typeof request.passcode !== 'string' || request.passcode.length === 0) return { status: 401, remainingAttempts: link.attemptsLeft };
  const right = characters(request.passcode) <= passcodeLength.max && (await verifyPassword(request.passcode, link.passcodeHash));
  if (!right) {
    const remainingAttempts = await recordPasscodeFailure(deps.db, link.id, now);
    return remainingAttempts === undefined ? { status: 404 } : { status: 401, remainingAttempts };
  }
  // recordOpening: only while the link is still live (it may have been revoked since it was read).
  const opened = await deps.db.transaction(async (tx) => {
    if (!(await recordShareLinkOpening(tx, { id: link.id, recipient, now }))) return false;
    await recordAuditEvent(
      tx,
      transmitAuditEvent({
        patient: link.patient,
        method: 'share-link-opened',
        addressee: recipient,
        formats: [openedFormat],
        shareLink: link.id,
        clientAddress: request.clientAddress,
        portalName: deps.portalName,
      }),
    );
    return true;
  });
  if (!opened) return { status: 404 };
  // answerFiles
  const files = await readLiveShareLinkFiles(deps.db, link.id, now);
  const ticketExpires = Math.floor(Math.min(now.getTime() + fileTicketLifetimeMs, link.expiresAt.getTime()) / 1000);
  return {
    status: 200,
    manifest: {
      status: 'finalized',
      files: files.map((file) =>
        file.jwe.length <= embeddedLengthMax
          ? { contentType: file.contentType, embedded: file.jwe }
          : {
              contentType: file.contentType,
              location: `${manifestUrl(deps.publicUrl, link.id)}/file/${issueFileTicket(deps.secretKeys, { id: link.id, position: file.position, expiresAt: ticketExpires })}`,
            },
      ),
    },
  };
}
