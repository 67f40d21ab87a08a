/**
 * Tickets for a manifest's `location` URLs (SMART Health Links: a location URL is valid for at most one
 * hour). A ticket is `<position>.<expiry in epoch seconds>.<HMAC-SHA256>`, the HMAC over the link id,
 * the file's position and the expiry with the portal's secret key (SECRET_KEYS, the first signs, all
 * verify, so keys rotate): stateless, so every replica accepts it, and unguessable without the key. It
 * names no patient. The file is served only while the link is live, so revoking a link kills its
 * tickets at once.
 */
import { createHmac, timingSafeEqual } from 'node:crypto';

/** At most one hour, as the specification requires of location URLs. */
export const fileTicketLifetimeMs = 60 * 60 * 1000;

export const fileTicketPattern = /^(\d{1,4})\.(\d{1,12})\.([A-Za-z0-9_-]{43})$/;

const mac = (secret: string, id: string, position: number, expiresAt: number): Buffer =>
  createHmac('sha256', secret).update(`shl-file-ticket\0${id}\0${position}\0${expiresAt}`).digest();

/** A ticket for one file of link `id`, valid until `expiresAt` (epoch seconds). */
export function issueFileTicket(secretKeys: readonly string[], input: { id: string; position: number; expiresAt: number }): string {
  const secret = secretKeys[0];
  if (!secret) throw new Error('no secret key to sign share-link file tickets');
  return `${input.position}.${input.expiresAt}.${mac(secret, input.id, input.position, input.expiresAt).toString('base64url')}`;
}

/** The file position a ticket names, if it is well formed, signed by one of the keys for this link, and not expired at `now`. */
export function verifyFileTicket(secretKeys: readonly string[], input: { id: string; ticket: string; now: Date }): number | undefined {
  const match = fileTicketPattern.exec(input.ticket);
  if (!match) return undefined;
  const position = Number(match[1]);
  const expiresAt = Number(match[2]);
  const nowSeconds = input.now.getTime() / 1000;
  if (!(expiresAt > nowSeconds) || expiresAt > nowSeconds + fileTicketLifetimeMs / 1000) return undefined;
  const given = Buffer.from(match[3]!, 'base64url');
  const signedByOne = secretKeys.some((secret) => {
    const expected = mac(secret, input.id, position, expiresAt);
    return expected.length === given.length && timingSafeEqual(expected, given);
  });
  return signedByOne ? position : undefined;
}
