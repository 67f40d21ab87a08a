/**
 * Every download of the record is audited durably before its bytes leave (ONC (d)(2)/(d)(3) auditable
 * events; IHE BALP): the AuditEvent is written to the store's audit trail (and queued for the FHIR
 * server) first; if the store cannot take it, the download fails instead of going out unaudited.
 */
import { exportAuditEvent, type ExportAuditInput } from '../core/fhir/audit-event.ts';
import type { Queryable } from '../store/db.ts';
import { recordAuditEvent } from '../store/audit-trail.ts';

export async function auditDownload(db: Queryable, input: ExportAuditInput): Promise<void> {
  await recordAuditEvent(db, exportAuditEvent(input));
}
