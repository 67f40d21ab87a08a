/**
 * The audit trail: each AuditEvent is copied into the store and queued for the FHIR server in the
 * caller's transaction, so an audited change and its audit record stand or fall together.
 */
import type { AuditEvent } from '@medplum/fhirtypes';
import type { Queryable } from './db.ts';
import type { FhirClient } from './fhir-client.ts';
import type { BatchDeliveryHandler, DeliveryHandler } from './outbox-worker.ts';

/** One AuditEvent: its local copy and its outbox row in one statement, atomic even outside a transaction. */
export const recordAuditEvent = (tx: Queryable, event: AuditEvent & { id: string }): Promise<void> => recordAuditEvents(tx, [event]);

/**
 * Several AuditEvents in one statement (local copies and outbox rows together), so the batch is
 * atomic: every event of it is durable, or none is and every caller learns it.
 */
export async function recordAuditEvents(tx: Queryable, events: readonly (AuditEvent & { id: string })[]): Promise<void> {
  if (events.length > 0) await recordAuditEventsIfAccessUnchanged(tx, events, undefined);
}

/**
 * Like recordAuditEvents, but only while the store's access epoch (migration 0006) is still
 * `accessEpoch`, the epoch the request's token was checked at; in the same statement, so nothing that
 * ended the token can have been committed between the check it relies on and this write. Answers
 * whether the events were written and the epoch the store is at. Without an epoch, always writes.
 */
export async function recordAuditEventsIfAccessUnchanged(
  tx: Queryable,
  events: readonly (AuditEvent & { id: string })[],
  accessEpoch: string | undefined,
): Promise<{ written: boolean; epoch: string }> {
  if (events.length === 0) throw new Error('no AuditEvent to record');
  const values: unknown[] = [accessEpoch ?? null];
  const rows: string[] = [];
  for (const event of events) {
    const patient = event.entity?.find((e) => e.what?.reference?.startsWith('Patient/'))?.what?.reference ?? null;
    const agent = event.agent?.find((a) => a.requestor)?.who?.reference ?? null;
    const n = values.push(event.id, event.recorded, event.action ?? 'E', event.outcome ?? '0', agent, patient, JSON.stringify(event)) - 7;
    rows.push(`($${n + 1}, $${n + 2}, $${n + 3}, $${n + 4}, $${n + 5}, $${n + 6}, $${n + 7})`);
  }
  const result = await tx.query<{ epoch: string; written: number }>(
    `WITH current AS (SELECT n FROM access_epoch),
     copy AS (
       INSERT INTO audit_events (id, recorded_at, action, outcome, agent, patient, resource)
       SELECT v.id::uuid, v.recorded_at::timestamptz, v.action, v.outcome, v.agent, v.patient, v.resource::jsonb
         FROM (VALUES ${rows.join(', ')}) AS v (id, recorded_at, action, outcome, agent, patient, resource)
        WHERE $1::bigint IS NULL OR $1::bigint = (SELECT n FROM current)
       RETURNING resource
     ),
     queued AS (INSERT INTO outbox (kind, payload) SELECT 'audit', resource FROM copy)
     SELECT (SELECT n FROM current)::text AS epoch, (SELECT count(*) FROM copy)::int AS written`,
    values,
  );
  const row = result.rows[0]!;
  return { written: Number(row.written) === events.length, epoch: String(row.epoch) };
}

/** Outbox handler: PUT by the event's own id, so a repeated delivery updates rather than duplicates. */
export function auditDeliveryHandler(fhir: FhirClient): DeliveryHandler {
  return async (payload) => {
    const event = payload as AuditEvent & { id: string };
    await fhir.update(event);
    return { deliveryId: `AuditEvent/${event.id}` };
  };
}

/**
 * Outbox batch handler: many AuditEvents as ONE FHIR transaction of PUTs by their own ids (all or none, and
 * as idempotent as the single PUT). Under load the facade makes an AuditEvent per read; one transaction per
 * claimed batch instead of one HTTP request and commit per event keeps the audit trail from halving what
 * the FHIR server can serve (docs/operations.md, load figures).
 */
export function auditBatchDeliveryHandler(fhir: FhirClient): BatchDeliveryHandler {
  return async (payloads) => {
    const events = payloads as readonly (AuditEvent & { id: string })[];
    await fhir.transaction({
      resourceType: 'Bundle',
      type: 'transaction',
      entry: events.map((event) => ({ resource: event, request: { method: 'PUT', url: `AuditEvent/${event.id}` } })),
    });
    return events.map((event) => `AuditEvent/${event.id}`);
  };
}
