/**
 * Share-link ids: the manifest URL's last segment. 32 CSPRNG bytes as base64url (43 characters, 256 bits:
 * SMART Health Links requires at least 256 bits of randomness in the manifest URL) and nothing about the
 * patient. Ids are checked against the pattern before any query.
 */
import { randomBytes } from 'node:crypto';

export const shareLinkIdPattern = /^[A-Za-z0-9_-]{43}$/;

export const newShareLinkId = (): string => randomBytes(32).toString('base64url');

export const isShareLinkId = (value: unknown): value is string => typeof value === 'string' && shareLinkIdPattern.test(value);

/** The manifest URL of a link (the SHL payload's `url`); PUBLIC_URL always ends in `/`. */
export const manifestUrl = (publicUrl: URL, id: string): string => `${publicUrl.href}shl/${id}`;
