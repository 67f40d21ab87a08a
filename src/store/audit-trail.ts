/**
 * The audit trail: each AuditEvent is copied into the store and queued for the FHIR server in the
 * caller's transaction, so an audited change and its audit record stand or fall together.
 */
import type { AuditEvent } from '@medplum/fhirtypes';
import type { Queryable } from './db.ts';
import type { FhirClient } from './fhir-client.ts';
import { enqueue } from './outbox.ts';
import type { DeliveryHandler } from './outbox-worker.ts';

export async function recordAuditEvent(tx: Queryable, event: AuditEvent & { id: string }): Promise<void> {
  const patient = event.entity?.find((e) => e.what?.reference?.startsWith('Patient/'))?.what?.reference ?? null;
  const agent = event.agent?.find((a) => a.requestor)?.who?.reference ?? null;
  await tx.query(
    'INSERT INTO audit_events (id, recorded_at, action, outcome, agent, patient, resource) VALUES ($1, $2, $3, $4, $5, $6, $7)',
    [event.id, event.recorded, event.action ?? 'E', event.outcome ?? '0', agent, patient, JSON.stringify(event)],
  );
  await enqueue(tx, { kind: 'audit', payload: event });
}

/** Outbox handler: PUT by the event's own id, so a repeated delivery updates rather than duplicates. */
export function auditDeliveryHandler(fhir: FhirClient): DeliveryHandler {
  return async (payload) => {
    const event = payload as AuditEvent & { id: string };
    await fhir.update(event);
    return { deliveryId: `AuditEvent/${event.id}` };
  };
}
