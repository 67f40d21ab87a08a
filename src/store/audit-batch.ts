/**
 * Group commit for the FHIR facade's audit trail (DESIGN.md security model 10: audit of PHI access
 * is written before the response is released). Each caller's promise settles only when the
 * statement holding its events has been committed, so nothing is released earlier than before;
 * events that arrive while a write is in flight go together in the next statement instead of
 * queueing one statement each behind it. No timer: a lone event is written at once. If a write
 * fails, every caller in it is told, and answers 503 (fail closed).
 *
 * A request's events are written only while the access epoch is the one its token was checked at
 * (recordAuditEventsIfAccessUnchanged), so only requests checked at the same epoch share a statement.
 */
import type { AuditEvent } from '@medplum/fhirtypes';
import type { Queryable } from './db.ts';
import { recordAuditEventsIfAccessUnchanged } from './audit-trail.ts';

type Event = AuditEvent & { id: string };

export interface AuditWrite {
  /** False when the access epoch had moved: nothing was written, and the token must be checked again. */
  readonly written: boolean;
  /** The store's access epoch as the statement saw it. */
  readonly epoch: string;
}

interface Waiting {
  readonly events: readonly Event[];
  readonly accessEpoch: string | undefined;
  readonly resolve: (write: AuditWrite) => void;
  readonly reject: (error: unknown) => void;
}

export interface AuditBatcher {
  /**
   * Resolves once the events (given together: one statement) are durably stored with their outbox
   * rows — or, with `accessEpoch`, once the store has said the epoch moved and wrote none of them;
   * rejects if they could not be written.
   */
  record(event: Event | readonly Event[], accessEpoch?: string): Promise<AuditWrite>;
}

export function createAuditBatcher(db: Queryable, maxBatch = 32): AuditBatcher {
  const waiting: Waiting[] = [];
  let writing = false;
  const drain = async () => {
    writing = true;
    while (waiting.length > 0) {
      // The oldest caller's epoch decides this statement; callers checked at another epoch wait for the next.
      const accessEpoch = waiting[0]!.accessEpoch;
      const batch: Waiting[] = [];
      for (let i = 0; i < waiting.length && batch.length < maxBatch; ) {
        if (waiting[i]!.accessEpoch === accessEpoch) batch.push(...waiting.splice(i, 1));
        else i++;
      }
      try {
        const write = await recordAuditEventsIfAccessUnchanged(
          db,
          batch.flatMap((w) => w.events),
          accessEpoch,
        );
        for (const w of batch) w.resolve(write);
      } catch (error) {
        for (const w of batch) w.reject(error);
      }
    }
    writing = false;
  };
  return {
    record: (event, accessEpoch) =>
      new Promise<AuditWrite>((resolve, reject) => {
        waiting.push({ events: Array.isArray(event) ? event : [event as Event], accessEpoch, resolve, reject });
        if (!writing) void drain();
      }),
  };
}
