/**
 * The patient's share links for the /share page: each with its state and who opened it (the
 * `recipient` each viewer gave), newest first. Never the key (the store does not have it).
 */
import type { Queryable } from '../../../store/db.ts';
import { listPatientShareLinks } from '../../../store/share-links.ts';

export type ShareLinkStatus = 'active' | 'expired' | 'revoked' | 'disabled';

export interface ShareLinkSummary {
  readonly id: string;
  readonly label: string;
  /** Patient/… or RelatedPerson/…: who made the link. */
  readonly createdBy: string;
  readonly created: Date;
  readonly expires: Date;
  readonly status: ShareLinkStatus;
  readonly what: unknown;
  readonly openings: readonly { readonly recipient: string; readonly at: Date }[];
}

/** Revoked wins over disabled, disabled over expired: the state the patient acted on or the link ran into first. */
export function shareLinkStatus(link: { revokedAt: Date | null; disabledAt: Date | null; expiresAt: Date }, now: Date): ShareLinkStatus {
  if (link.revokedAt) return 'revoked';
  if (link.disabledAt) return 'disabled';
  return link.expiresAt.getTime() <= now.getTime() ? 'expired' : 'active';
}

export async function listShareLinks(db: Queryable, patient: string, now: Date = new Date()): Promise<ShareLinkSummary[]> {
  const links = await listPatientShareLinks(db, patient);
  return links.map((link) => ({
    id: link.id,
    label: link.label,
    createdBy: link.createdBy,
    created: link.createdAt,
    expires: link.expiresAt,
    status: shareLinkStatus(link, now),
    what: link.what,
    openings: link.openings,
  }));
}
