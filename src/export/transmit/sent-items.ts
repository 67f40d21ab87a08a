/**
 * What the patient sees of everything sent or shared from their record: share links (status, openings)
 * and transmissions (addressee, delivery state). Read from the store for the session's patient only.
 */
import type { Db } from '../../store/db.ts';
import { listTransmissions, type TransmissionRow } from '../../store/transmissions.ts';
import { listShareLinks } from './share-links/list-share-links.ts';

export interface SentTransmission extends Pick<TransmissionRow, 'id' | 'method' | 'addressee' | 'createdAt' | 'deliveryStatus' | 'sentAt' | 'lastError'> {
  readonly whatInWords: string;
  /** The family member who sent it, by name; absent when the patient did. */
  readonly sender?: string;
}

export interface SentLink {
  readonly id: string;
  readonly label: string;
  readonly createdAt: Date;
  readonly expiresAt: Date;
  readonly status: 'active' | 'expired' | 'revoked' | 'disabled';
  readonly openings: readonly { readonly recipient: string; readonly at: Date }[];
  readonly whatInWords: string;
  readonly sender?: string;
}

export interface SentItems {
  readonly links: readonly SentLink[];
  readonly transmissions: readonly SentTransmission[];
}

export interface SentItemsWords {
  /** The stored choice (what, from, to, language) in the visitor's words. */
  readonly whatInWords: (what: unknown) => string;
  /** A family member's name from their RelatedPerson reference (the patient's own sends are not named). */
  readonly nameOf: (reference: string) => Promise<string | undefined>;
}

export async function sentItems(db: Db, patient: string, words: SentItemsWords): Promise<SentItems> {
  const [links, transmissions] = await Promise.all([listShareLinks(db, `Patient/${patient}`), listTransmissions(db, `Patient/${patient}`)]);
  const names = new Map<string, string | undefined>();
  for (const ref of new Set([...links.map((l) => l.createdBy ?? ''), ...transmissions.map((t) => t.createdBy)])) {
    if (ref.startsWith('RelatedPerson/')) names.set(ref, await words.nameOf(ref));
  }
  const senderOf = (ref: string) => {
    const name = names.get(ref);
    return name ? { sender: name } : {};
  };
  return {
    links: links.map((link) => ({
      id: link.id,
      label: link.label,
      createdAt: link.created,
      expiresAt: link.expires,
      status: link.status,
      openings: link.openings,
      whatInWords: words.whatInWords(link.what),
      ...senderOf(link.createdBy ?? ''),
    })),
    transmissions: transmissions.map((t) => ({
      id: t.id,
      method: t.method,
      addressee: t.addressee,
      createdAt: t.createdAt,
      deliveryStatus: t.deliveryStatus,
      sentAt: t.sentAt,
      lastError: t.lastError,
      whatInWords: words.whatInWords(t.what),
      ...senderOf(t.createdBy),
    })),
  };
}
