/**
 * The account activity log's reads: one patient's AuditEvents from the local copy (migration 0001),
 * newest first, paged by a keyset cursor on (recorded_at, id) so a page is an index range scan on
 * audit_events_patient (patient, recorded_at DESC), never an OFFSET. Only successful events of the
 * kinds the log shows are read; which of them an account may see is decided above, in accounts/.
 */
import type { AuditEvent } from '@medplum/fhirtypes';
import type { Queryable } from './db.ts';

export type ActivityKind = 'all' | 'views' | 'messages' | 'downloads' | 'sent' | 'signins';

export interface ActivityCursor {
  readonly recordedAt: string;
  readonly id: string;
}

export interface StoredActivity {
  readonly id: string;
  readonly recordedAt: Date;
  readonly resource: AuditEvent;
}

// Each kind as a condition on the stored resource (FHIR coding codes, see src/core/fhir/audit-event.ts).
const views = `resource->'type'->>'code' = 'rest' AND resource->'subtype' @> '[{"system":"http://hl7.org/fhir/restful-interaction"}]' AND NOT resource->'subtype' @> '[{"code":"capabilities"}]'
  AND NOT resource->'subtype' @> '[{"code":"create"}]' AND NOT resource->'subtype' @> '[{"code":"update"}]'`;
// Secure messages the patient side can see, sent or received (src/core/fhir/create-audit-event.ts marks them).
const messages = `resource->'subtype' @> '[{"code":"create"}]' AND resource->'entity' @> '[{"detail":[{"type":"message"}]}]'`;
// Downloads and transmissions are both DICOM 110106 Export; a transmission carries a transmit-event subtype.
const transmitted = `COALESCE(resource->'subtype', '[]'::jsonb) @> '[{"system":"https://puente.example.org/fhir/CodeSystem/transmit-event"}]'`;
const downloads = `resource->'type'->>'code' = '110106' AND NOT ${transmitted}`;
const sent = `resource->'type'->>'code' = '110106' AND ${transmitted}`;
const signIns = `resource->'type'->>'code' = '110114' AND resource->'subtype' @> '[{"system":"http://dicom.nema.org/resources/ontology/DCM"}]'`;
const apps = `resource->'subtype' @> '[{"system":"https://puente.example.org/fhir/CodeSystem/token-event","code":"app-disconnected"}]'
  OR (resource->'subtype' @> '[{"system":"https://puente.example.org/fhir/CodeSystem/token-event","code":"token-issued"}]'
      AND resource->'entity' @> '[{"detail":[{"type":"grant_type","valueString":"authorization_code"}]}]')`;
const kindConditions: Record<ActivityKind, string> = {
  all: `(${views}) OR (${messages}) OR (${downloads}) OR (${sent}) OR (${signIns}) OR ${apps}`,
  views,
  messages,
  downloads,
  sent,
  signins: signIns,
};

/** Up to `limit` successful events of `kind` for `Patient/<id>`, newest first, strictly older than `before`. */
export async function patientActivity(
  db: Queryable,
  query: { readonly patient: string; readonly kind: ActivityKind; readonly before?: ActivityCursor; readonly limit: number },
): Promise<StoredActivity[]> {
  const values: unknown[] = [`Patient/${query.patient}`, query.limit];
  let older = '';
  if (query.before) {
    values.push(query.before.recordedAt, query.before.id);
    older = 'AND recorded_at <= $3::timestamptz AND (recorded_at < $3::timestamptz OR id < $4::uuid)';
  }
  const result = await db.query<{ id: string; recorded_at: Date | string; resource: AuditEvent | string }>(
    `SELECT id::text AS id, recorded_at, resource FROM audit_events
      WHERE patient = $1 AND outcome = '0' ${older} AND (${kindConditions[query.kind]})
      ORDER BY recorded_at DESC, id DESC
      LIMIT $2`,
    values,
  );
  return result.rows.map((row) => ({
    id: row.id,
    recordedAt: row.recorded_at instanceof Date ? row.recorded_at : new Date(row.recorded_at),
    resource: typeof row.resource === 'string' ? (JSON.parse(row.resource) as AuditEvent) : row.resource,
  }));
}
