/**
 * Group commit for the FHIR facade's audit trail (DESIGN.md security model 10: audit of PHI access
 * is written before the response is released). Each caller's promise settles only when the
 * statement holding its event has been committed, so nothing is released earlier than before;
 * events that arrive while a write is in flight go together in the next statement instead of
 * queueing one statement each behind it. No timer: a lone event is written at once. If a write
 * fails, every caller in it is told, and answers 503 (fail closed).
 */
import type { AuditEvent } from '@medplum/fhirtypes';
import type { Queryable } from './db.ts';
import { recordAuditEvents } from './audit-trail.ts';

type Event = AuditEvent & { id: string };

interface Waiting {
  readonly events: readonly Event[];
  readonly resolve: () => void;
  readonly reject: (error: unknown) => void;
}

export interface AuditBatcher {
  /** Resolves once the event (or every event given together, in one statement) is durably stored with its outbox row; rejects if it could not be. */
  record(event: Event | readonly Event[]): Promise<void>;
}

export function createAuditBatcher(db: Queryable, maxBatch = 32): AuditBatcher {
  const waiting: Waiting[] = [];
  let writing = false;
  const drain = async () => {
    writing = true;
    while (waiting.length > 0) {
      const batch = waiting.splice(0, maxBatch);
      try {
        await recordAuditEvents(db, batch.flatMap((w) => w.events));
        for (const w of batch) w.resolve();
      } catch (error) {
        for (const w of batch) w.reject(error);
      }
    }
    writing = false;
  };
  return {
    record: (event) =>
      new Promise<void>((resolve, reject) => {
        waiting.push({ events: Array.isArray(event) ? event : [event as Event], resolve, reject });
        if (!writing) void drain();
      }),
  };
}
