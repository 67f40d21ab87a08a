/**
 * Delivers outbox rows. Guarantees, and how:
 * - nothing lost: a row leaves the queue only as 'sent' (with the receiver's id) or 'dead'
 *   (with its last error, for staff to see) — never by being dropped;
 * - survives restarts: all state is in the store; a row whose worker died mid-delivery is picked
 *   up again when its lease expires;
 * - not sent twice: rows are claimed with FOR UPDATE SKIP LOCKED, so two workers (or replicas)
 *   never deliver the same row; handlers use ids derived from the row (email Message-ID, the
 *   AuditEvent's own id with PUT) so the one unavoidable retry case — a crash after the receiver
 *   accepted but before 'sent' was committed — is recognisable as the same message downstream.
 */
import type { Logger } from '../core/log.ts';
import type { Db } from './db.ts';
import type { OutboxKind } from './outbox.ts';
import { isPastHorizon, retryDelayMs, type BackoffPolicy } from './outbox-backoff.ts';

/** A failure that retrying cannot fix (e.g. a recipient address the relay rejects outright). */
export class PermanentDeliveryError extends Error {
  constructor(message: string) {
    super(message);
    this.name = 'PermanentDeliveryError';
  }
}

export type DeliveryHandler = (payload: unknown, row: { id: string; attempts: number }) => Promise<{ deliveryId?: string }>;

/**
 * Delivers several rows of one kind in one go (e.g. AuditEvents as one FHIR transaction), all or none:
 * resolves with each row's delivery id, in order, or rejects and none counts as delivered.
 */
export type BatchDeliveryHandler = (payloads: readonly unknown[]) => Promise<readonly (string | undefined)[]>;

/** Rows claimed at once unless configured (OutboxWorkerOptions.batchSize; also what `npm run bench:audit-ingest` sends per transaction). */
export const defaultOutboxBatchSize = 100;

export interface OutboxWorkerOptions extends BackoffPolicy {
  readonly db: Db;
  readonly handlers: Partial<Record<OutboxKind, DeliveryHandler>>;
  /**
   * Kinds that may also be delivered several at a time. A claimed group of two or more such rows goes to the
   * batch handler first; if the batch fails, each row is tried alone with its single handler, so one row the
   * receiver refuses cannot take the others with it to the dead letters.
   */
  readonly batchHandlers?: Partial<Record<OutboxKind, BatchDeliveryHandler>>;
  readonly log: Logger;
  readonly pollMs: number;
  readonly deadAfterMs: number;
  /** How long a claimed row is reserved for one delivery attempt. */
  readonly leaseMs?: number;
  /**
   * Rows claimed at once (default 100). AuditEvents go to HAPI a claimed batch per transaction, and HAPI's CPU
   * per AuditEvent fell from 2.2 ms in transactions of 20 to 1.8 ms in transactions of 100 (PostgreSQL 1.2 ms
   * either way; docs/production.md, "Where a record page's CPU goes").
   */
  readonly batchSize?: number;
  readonly now?: () => Date;
  readonly random?: () => number;
  /** Told of each attempt's result (metrics: deliveries, the audit write lag from `createdAt`). */
  readonly onAttempt?: (attempt: { kind: OutboxKind; result: 'delivered' | 'retry' | 'dead'; createdAt: Date; at: Date }) => void;
}

export interface OutboxWorker {
  /** Delivers every row that is due now; resolves with how many rows were attempted. */
  runOnce(): Promise<number>;
  start(): void;
  /** Stops polling and claiming, waits for the delivery in progress, if any, and releases rows claimed but not begun. */
  stop(): Promise<void>;
}

interface ClaimedRow {
  id: string;
  kind: OutboxKind;
  payload: unknown;
  attempts: number;
  created_at: Date;
}

export function createOutboxWorker(options: OutboxWorkerOptions): OutboxWorker {
  const now = options.now ?? (() => new Date());
  const random = options.random ?? Math.random;
  const leaseMs = options.leaseMs ?? 120_000;
  const batchSize = options.batchSize ?? defaultOutboxBatchSize;
  let timer: NodeJS.Timeout | undefined;
  let running: Promise<number> | undefined;
  let stopped = true;
  /** Set by stop(): no new claims, and rows claimed but not begun are released (graceful shutdown). */
  let stopping = false;

  async function claim(): Promise<ClaimedRow[]> {
    const at = now();
    const result = await options.db.query<ClaimedRow>(
      `UPDATE outbox SET status = 'sending', attempts = attempts + 1, lease_expires_at = $2
        WHERE id IN (
          SELECT id FROM outbox
           WHERE (status = 'pending' AND next_attempt_at <= $1)
              OR (status = 'sending' AND lease_expires_at <= $1)
           ORDER BY next_attempt_at, id
           LIMIT $3
           FOR UPDATE SKIP LOCKED)
        RETURNING id::text, kind, payload, attempts, created_at`,
      [at, new Date(at.getTime() + leaseMs), batchSize],
    );
    // RETURNING has no order of its own: deliver in queue order (ids are increasing).
    return result.rows.sort((a, b) => Number(BigInt(a.id) - BigInt(b.id)));
  }

  async function deliver(row: ClaimedRow): Promise<void> {
    const handler = options.handlers[row.kind];
    try {
      if (!handler) throw new PermanentDeliveryError(`no handler for outbox kind ${row.kind}`);
      const { deliveryId } = await handler(row.payload, { id: row.id, attempts: row.attempts });
      await options.db.query(
        `UPDATE outbox SET status = 'sent', sent_at = $2, delivery_id = $3, last_error = NULL, lease_expires_at = NULL
          WHERE id = $1 AND status = 'sending'`,
        [row.id, now(), deliveryId ?? null],
      );
      options.log.info({ outboxId: row.id, kind: row.kind, attempts: row.attempts }, 'outbox message delivered');
      options.onAttempt?.({ kind: row.kind, result: 'delivered', createdAt: new Date(row.created_at), at: now() });
    } catch (error) {
      await recordFailure(row, error);
    }
  }

  /** Delivers a group of one kind at once; on failure falls back to one at a time (see batchHandlers). */
  async function deliverGroup(rows: readonly ClaimedRow[]): Promise<void> {
    const batch = rows.length > 1 ? options.batchHandlers?.[rows[0]!.kind] : undefined;
    if (!batch) {
      for (const row of rows) await deliver(row);
      return;
    }
    let deliveryIds: readonly (string | undefined)[];
    try {
      deliveryIds = await batch(rows.map((row) => row.payload));
    } catch (error) {
      options.log.warn({ kind: rows[0]!.kind, rows: rows.length, reason: describeError(error) }, 'outbox batch failed; delivering one at a time');
      for (const row of rows) await deliver(row);
      return;
    }
    await options.db.query(
      `UPDATE outbox AS o SET status = 'sent', sent_at = $2, delivery_id = d.delivery_id, last_error = NULL, lease_expires_at = NULL
         FROM unnest($1::bigint[], $3::text[]) AS d(id, delivery_id)
        WHERE o.id = d.id AND o.status = 'sending'`,
      [rows.map((row) => row.id), now(), rows.map((_, index) => deliveryIds[index] ?? null)],
    );
    options.log.info({ kind: rows[0]!.kind, rows: rows.length }, 'outbox batch delivered');
    const at = now();
    for (const row of rows) options.onAttempt?.({ kind: row.kind, result: 'delivered', createdAt: new Date(row.created_at), at });
  }

  async function recordFailure(row: ClaimedRow, error: unknown): Promise<void> {
    const at = now();
    const reason = describeError(error);
    const dead = error instanceof PermanentDeliveryError || isPastHorizon(new Date(row.created_at), at, options.deadAfterMs);
    if (dead) {
      await options.db.query(`UPDATE outbox SET status = 'dead', last_error = $2, lease_expires_at = NULL WHERE id = $1`, [row.id, reason]);
      options.log.error({ outboxId: row.id, kind: row.kind, attempts: row.attempts, reason }, 'outbox message moved to dead-letter');
      options.onAttempt?.({ kind: row.kind, result: 'dead', createdAt: new Date(row.created_at), at });
      return;
    }
    const delay = retryDelayMs(options, row.attempts, random());
    await options.db.query(`UPDATE outbox SET status = 'pending', last_error = $2, next_attempt_at = $3, lease_expires_at = NULL WHERE id = $1`, [
      row.id,
      reason,
      new Date(at.getTime() + delay),
    ]);
    options.log.warn({ outboxId: row.id, kind: row.kind, attempts: row.attempts, retryInMs: delay, reason }, 'outbox delivery failed; will retry');
    options.onAttempt?.({ kind: row.kind, result: 'retry', createdAt: new Date(row.created_at), at });
  }

  async function runOnce(): Promise<number> {
    let attempted = 0;
    for (;;) {
      if (stopping) return attempted;
      const rows = await claim();
      const groups = groupByKind(rows, options.batchHandlers);
      for (const [index, group] of groups.entries()) {
        if (stopping) {
          // Shutting down: hand back the rows claimed but not begun, at once, instead of leaving them leased.
          await release(groups.slice(index).flat());
          return attempted;
        }
        await deliverGroup(group);
        attempted += group.length;
      }
      if (rows.length < batchSize) return attempted;
    }
  }

  /** Returns claimed rows to 'pending' without counting an attempt, for another worker to take now. */
  async function release(rows: readonly ClaimedRow[]): Promise<void> {
    if (rows.length === 0) return;
    await options.db.query(`UPDATE outbox SET status = 'pending', attempts = attempts - 1, lease_expires_at = NULL WHERE id = ANY($1::bigint[]) AND status = 'sending'`, [
      rows.map((row) => row.id),
    ]);
    options.log.info({ released: rows.length }, 'outbox rows released on shutdown');
  }

  function schedule(): void {
    if (stopped) return;
    timer = setTimeout(() => {
      running = runOnce().catch((error: unknown) => {
        // The store itself failed (e.g. PostgreSQL restarting): keep polling; rows are safe in the store.
        options.log.error({ reason: describeError(error) }, 'outbox poll failed');
        return 0;
      });
      void running.finally(() => {
        running = undefined;
        schedule();
      });
    }, options.pollMs);
    timer.unref();
  }

  return {
    runOnce,
    start() {
      if (!stopped) return;
      stopped = false;
      stopping = false;
      schedule();
    },
    async stop() {
      stopped = true;
      stopping = true;
      if (timer) clearTimeout(timer);
      await running;
    },
  };
}

/**
 * The claimed rows as delivery groups, in claim order: the rows of each batchable kind together (at the
 * place of its first row), every other row alone.
 */
function groupByKind(rows: readonly ClaimedRow[], batchHandlers: OutboxWorkerOptions['batchHandlers']): ClaimedRow[][] {
  const groups: ClaimedRow[][] = [];
  const byKind = new Map<OutboxKind, ClaimedRow[]>();
  for (const row of rows) {
    if (!batchHandlers?.[row.kind]) {
      groups.push([row]);
      continue;
    }
    const group = byKind.get(row.kind);
    if (group) group.push(row);
    else {
      const created = [row];
      byKind.set(row.kind, created);
      groups.push(created);
    }
  }
  return groups;
}

/** A short, PHI-free description: error class, code and SMTP response code, never message bodies or addresses. */
function describeError(error: unknown): string {
  if (!(error instanceof Error)) return 'unknown error';
  const details = error as Error & { code?: string; responseCode?: number; upstreamStatus?: number };
  const parts = [error.name];
  if (details.code) parts.push(String(details.code));
  if (details.responseCode) parts.push(`smtp ${details.responseCode}`);
  if (details.upstreamStatus) parts.push(`http ${details.upstreamStatus}`);
  if (error instanceof PermanentDeliveryError) parts.push(error.message);
  return parts.join(': ');
}
