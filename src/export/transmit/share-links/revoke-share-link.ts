/**
 * Turning share links off: at once (the next manifest or file request answers 404), only the patient's
 * own, audited in the same transaction as a Security Alert naming the actor (the patient or the family
 * member acting for them).
 */
import { accountAuditEvent } from '../../../core/fhir/audit-event.ts';
import { recordAuditEvents } from '../../../store/audit-trail.ts';
import type { Db } from '../../../store/db.ts';
import { revokeAllPatientShareLinks, revokePatientShareLink } from '../../../store/share-links.ts';

export interface RevokeShareLinkInput {
  readonly patient: string;
  readonly id: string;
  /** Patient/… or RelatedPerson/… */
  readonly actor: string;
  readonly clientAddress: string;
  readonly portalName: string;
  readonly now?: Date;
}

const revokedEvent = (input: Omit<RevokeShareLinkInput, 'id'>) =>
  accountAuditEvent({
    event: 'share-link-revoked',
    success: true,
    actor: input.actor,
    patient: input.patient,
    clientAddress: input.clientAddress,
    portalName: input.portalName,
    ...(input.now ? { recorded: input.now } : {}),
  });

/** True when this call revoked the link; false for another patient's, an unknown or an already revoked link. */
export async function revokeShareLink(db: Db, input: RevokeShareLinkInput): Promise<boolean> {
  return db.transaction(async (tx) => {
    const revoked = await revokePatientShareLink(tx, { id: input.id, patient: input.patient, now: input.now ?? new Date() });
    if (revoked) await recordAuditEvents(tx, [revokedEvent(input)]);
    return revoked;
  });
}

/** Revokes every live or dormant link of the patient; answers how many this call revoked. */
export async function revokeAllShareLinks(db: Db, input: Omit<RevokeShareLinkInput, 'id'>): Promise<number> {
  return db.transaction(async (tx) => {
    const ids = await revokeAllPatientShareLinks(tx, { patient: input.patient, now: input.now ?? new Date() });
    if (ids.length > 0) await recordAuditEvents(tx, [revokedEvent(input)]);
    return ids.length;
  });
}
