/**
 * The audit trail: each AuditEvent is copied into the store and queued for the FHIR server in the
 * caller's transaction, so an audited change and its audit record stand or fall together.
 */
import type { AuditEvent } from '@medplum/fhirtypes';
import type { Queryable } from './db.ts';
import type { FhirClient } from './fhir-client.ts';
import type { DeliveryHandler } from './outbox-worker.ts';

/** One AuditEvent: its local copy and its outbox row in one statement, atomic even outside a transaction. */
export const recordAuditEvent = (tx: Queryable, event: AuditEvent & { id: string }): Promise<void> => recordAuditEvents(tx, [event]);

/**
 * Several AuditEvents in one statement (local copies and outbox rows together), so the batch is
 * atomic: every event of it is durable, or none is and every caller learns it.
 */
export async function recordAuditEvents(tx: Queryable, events: readonly (AuditEvent & { id: string })[]): Promise<void> {
  if (events.length === 0) return;
  const values: unknown[] = [];
  const copies: string[] = [];
  const rows: string[] = [];
  for (const event of events) {
    const patient = event.entity?.find((e) => e.what?.reference?.startsWith('Patient/'))?.what?.reference ?? null;
    const agent = event.agent?.find((a) => a.requestor)?.who?.reference ?? null;
    const n = values.push(event.id, event.recorded, event.action ?? 'E', event.outcome ?? '0', agent, patient, JSON.stringify(event)) - 7;
    copies.push(`($${n + 1}, $${n + 2}, $${n + 3}, $${n + 4}, $${n + 5}, $${n + 6}, $${n + 7})`);
    rows.push(`('audit', $${n + 7})`);
  }
  await tx.query(
    `WITH copy AS (
       INSERT INTO audit_events (id, recorded_at, action, outcome, agent, patient, resource) VALUES ${copies.join(', ')}
     )
     INSERT INTO outbox (kind, payload) VALUES ${rows.join(', ')}`,
    values,
  );
}

/** Outbox handler: PUT by the event's own id, so a repeated delivery updates rather than duplicates. */
export function auditDeliveryHandler(fhir: FhirClient): DeliveryHandler {
  return async (payload) => {
    const event = payload as AuditEvent & { id: string };
    await fhir.update(event);
    return { deliveryId: `AuditEvent/${event.id}` };
  };
}
