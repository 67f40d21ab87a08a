/**
 * The transmissions of a patient's record to addressees outside the portal (Direct messages and emails).
 * A transmission's delivery state is never stored twice: it is its outbox row's (pending → queued,
 * sending/retrying, sent, dead → failed with the reason), joined here.
 */
import type { Queryable } from './db.ts';

export type TransmissionMethod = 'direct' | 'email';

export interface NewTransmission {
  readonly patient: string;
  readonly createdBy: string;
  readonly method: TransmissionMethod;
  readonly addressee: string;
  readonly what: unknown;
  readonly outboxId: string;
  readonly shareLinkId?: string;
}

export interface TransmissionRow {
  readonly id: string;
  readonly createdBy: string;
  readonly method: TransmissionMethod;
  readonly addressee: string;
  readonly what: unknown;
  readonly createdAt: Date;
  readonly shareLinkId: string | null;
  /** The outbox row's state: 'pending' | 'sending' | 'sent' | 'dead'. */
  readonly deliveryStatus: 'pending' | 'sending' | 'sent' | 'dead';
  readonly attempts: number;
  readonly sentAt: Date | null;
  /** The last delivery error (PHI-free: error class and SMTP code), while retrying or once failed. */
  readonly lastError: string | null;
}

export async function insertTransmission(tx: Queryable, transmission: NewTransmission): Promise<string> {
  const result = await tx.query<{ id: string }>(
    `INSERT INTO transmissions (patient, created_by, method, addressee, what, outbox_id, share_link_id)
     VALUES ($1, $2, $3, $4, $5, $6, $7) RETURNING id::text`,
    [
      transmission.patient,
      transmission.createdBy,
      transmission.method,
      transmission.addressee,
      JSON.stringify(transmission.what),
      transmission.outboxId,
      transmission.shareLinkId ?? null,
    ],
  );
  return result.rows[0]!.id;
}

/** A patient's transmissions, newest first, each with its delivery state. */
export async function listTransmissions(db: Queryable, patient: string, limit = 50): Promise<TransmissionRow[]> {
  const result = await db.query<{
    id: string;
    created_by: string;
    method: TransmissionMethod;
    addressee: string;
    what: unknown;
    created_at: Date | string;
    share_link_id: string | null;
    status: TransmissionRow['deliveryStatus'];
    attempts: number;
    sent_at: Date | string | null;
    last_error: string | null;
  }>(
    `SELECT t.id::text, t.created_by, t.method, t.addressee, t.what, t.created_at, t.share_link_id,
            o.status, o.attempts, o.sent_at, o.last_error
       FROM transmissions t JOIN outbox o ON o.id = t.outbox_id
      WHERE t.patient = $1
      ORDER BY t.created_at DESC, t.id DESC
      LIMIT $2`,
    [patient, limit],
  );
  const date = (value: Date | string) => (value instanceof Date ? value : new Date(value));
  return result.rows.map((row) => ({
    id: row.id,
    createdBy: row.created_by,
    method: row.method,
    addressee: row.addressee,
    what: typeof row.what === 'string' ? JSON.parse(row.what) : row.what,
    createdAt: date(row.created_at),
    shareLinkId: row.share_link_id,
    deliveryStatus: row.status,
    attempts: row.attempts,
    sentAt: row.sent_at === null ? null : date(row.sent_at),
    lastError: row.last_error,
  }));
}

/** The Direct addresses this patient's record was sent to most recently, to offer them again. */
export async function recentDirectAddresses(db: Queryable, patient: string, limit = 10): Promise<string[]> {
  const result = await db.query<{ addressee: string }>(
    `SELECT addressee FROM transmissions WHERE patient = $1 AND method = 'direct'
      GROUP BY addressee ORDER BY max(created_at) DESC LIMIT $2`,
    [patient, limit],
  );
  return result.rows.map((row) => row.addressee);
}
