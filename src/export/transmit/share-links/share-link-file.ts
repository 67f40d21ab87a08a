/**
 * A manifest `location` URL (`/shl/<id>/file/<ticket>`): the file's JWE when the ticket is this link's,
 * signed, unexpired (at most one hour) and the link is still live. Every other case answers 404 alike.
 * Requests are counted per client address like manifest requests (429 beyond the limit).
 */
import { countRequest } from '../../../store/rate-limits.ts';
import { readLiveShareLinkFile } from '../../../store/share-links.ts';
import { verifyFileTicket } from './file-tickets.ts';
import type { ShareLinkServeDeps } from './manifest.ts';
import { manifestRateLimits } from './manifest.ts';
import { isShareLinkId } from './share-link-ids.ts';

/** File downloads per client address per window: a viewer fetches a few files per manifest. */
export const fileRequestsPerAddress = manifestRateLimits.perAddress * 4;

export type ShareLinkFileAnswer = { readonly status: 200; readonly jwe: string } | { readonly status: 404 } | { readonly status: 429 };

export async function openShareLinkFile(deps: ShareLinkServeDeps, request: { id: string; ticket: string; clientAddress: string }): Promise<ShareLinkFileAnswer> {
  const now = deps.now?.() ?? new Date();
  if (!isShareLinkId(request.id)) return { status: 404 };
  const position = verifyFileTicket(deps.secretKeys, { id: request.id, ticket: request.ticket, now });
  if (position === undefined) return { status: 404 };
  const count = await countRequest(deps.db, `shl-file:address:${request.clientAddress}`, manifestRateLimits.windowMs, now);
  if (count > fileRequestsPerAddress) return { status: 429 };
  const file = await readLiveShareLinkFile(deps.db, request.id, position, now);
  return file ? { status: 200, jwe: file.jwe } : { status: 404 };
}
