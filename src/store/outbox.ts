/**
 * The durable outbox (DESIGN.md security model 10): a side effect (an email, an AuditEvent, a family
 * link's FHIR update) is a row written in the same transaction as the change that causes it, so either
 * both happen or neither does. A worker (outbox-worker.ts) delivers the rows afterwards.
 */
import type { AuditEvent } from '@medplum/fhirtypes';
import type { Queryable } from './db.ts';

export interface EmailMessage {
  readonly to: string;
  readonly subject: string;
  readonly text: string;
  readonly html?: string;
  /** The message's language (Content-Language header). */
  readonly locale?: 'es' | 'en';
  readonly attachments?: readonly { filename: string; contentType: string; contentBase64: string }[];
}

/**
 * A Direct secure message, signed and encrypted when it is enqueued (export/transmit/direct/smime.ts),
 * so nothing readable about the patient sits in the outbox; `from` and `to` are the SMTP envelope.
 */
export interface DirectMessage {
  readonly from: string;
  readonly to: readonly string[];
  /** The complete RFC 5322 message, CRLF line endings. */
  readonly raw: string;
}

/**
 * What a family link's change means for its FHIR pair (src/proxies/family-fhir-job.ts delivers it): only
 * references, instants and the names of record parts, no PHI. 'end': the RelatedPerson inactive and the
 * Consent inactive, both with a period ending at `at`. 'parts': the Consent permits `parts` (null: everything)
 * as changed at `at`; skipped once the link has ended or changed again. 'threads': the Consent's deny provisions
 * are the conversations kept from the family member (`hiddenThreads`), written only while the link still holds
 * that list, has not ended and its Consent is active.
 */
export type FamilyFhirJob =
  | { readonly action: 'end'; readonly relatedPerson: string; readonly consent: string | null; readonly at: string }
  | { readonly action: 'parts'; readonly relatedPerson: string; readonly consent: string; readonly parts: readonly string[] | null; readonly at: string }
  /** The conversations kept from the family member (issue #14 point 4): the Consent's deny provisions. */
  | { readonly action: 'threads'; readonly relatedPerson: string; readonly consent: string; readonly hiddenThreads: readonly string[]; readonly at: string };

export type OutboxMessage =
  | { readonly kind: 'email'; readonly payload: EmailMessage }
  | { readonly kind: 'audit'; readonly payload: AuditEvent & { id: string } }
  | { readonly kind: 'direct'; readonly payload: DirectMessage }
  | { readonly kind: 'family-fhir'; readonly payload: FamilyFhirJob };

export type OutboxKind = OutboxMessage['kind'];
export type OutboxStatus = 'pending' | 'sending' | 'sent' | 'dead';

export interface OutboxRow {
  readonly id: string;
  readonly kind: OutboxKind;
  readonly payload: unknown;
  readonly status: OutboxStatus;
  readonly attempts: number;
  readonly created_at: Date;
  readonly next_attempt_at: Date;
  readonly sent_at: Date | null;
  readonly delivery_id: string | null;
  readonly last_error: string | null;
}

/** Adds a message to the outbox inside the caller's transaction; returns its id. */
export async function enqueue(tx: Queryable, message: OutboxMessage): Promise<string> {
  const result = await tx.query<{ id: string }>('INSERT INTO outbox (kind, payload) VALUES ($1, $2) RETURNING id', [message.kind, JSON.stringify(message.payload)]);
  return String(result.rows[0]!.id);
}

/** Messages that could not be delivered within the horizon, newest first (for the staff console). */
export async function listDeadLetters(db: Queryable, limit = 100): Promise<OutboxRow[]> {
  const result = await db.query<OutboxRow>(
    `SELECT id::text, kind, payload, status, attempts, created_at, next_attempt_at, sent_at, delivery_id, last_error
       FROM outbox WHERE status = 'dead' ORDER BY created_at DESC LIMIT $1`,
    [limit],
  );
  return result.rows;
}

export async function getOutboxRow(db: Queryable, id: string): Promise<OutboxRow | undefined> {
  const result = await db.query<OutboxRow>(
    `SELECT id::text, kind, payload, status, attempts, created_at, next_attempt_at, sent_at, delivery_id, last_error
       FROM outbox WHERE id = $1`,
    [id],
  );
  return result.rows[0];
}

/**
 * A dead letter an administrator asked to retry: back to 'pending', due now, its last error kept until
 * the next attempt replaces it. Only a 'dead' row moves (true); any other id or state is left alone.
 * The row keeps its created_at, so the worker's horizon still counts from when it was written: if this
 * attempt fails too, the row returns to dead-letter with the new error.
 */
export async function requeueDeadLetter(db: Queryable, id: string): Promise<boolean> {
  if (!/^[0-9]{1,18}$/.test(id)) return false;
  const result = await db.query(`UPDATE outbox SET status = 'pending', next_attempt_at = now(), lease_expires_at = NULL WHERE id = $1 AND status = 'dead'`, [id]);
  return result.affectedRows === 1;
}
