/**
 * All SQL on facade write idempotency keys (migration 0010): a double submit creates one resource.
 * A key is claimed before HAPI is asked, in one statement, so two concurrent requests with the same key
 * cannot both write.
 */
import type { Queryable } from './db.ts';

export type IdempotencyClaim =
  | { readonly state: 'claimed' }
  | { readonly state: 'done'; readonly location: string }
  | { readonly state: 'pending' }
  | { readonly state: 'mismatch' };

export interface IdempotencyOwner {
  readonly accountId: string;
  readonly clientId: string;
  readonly key: string;
}

/** Keys older than this are forgotten (and may be used again). */
const keyLifetime = '24 hours';

export async function claimIdempotencyKey(db: Queryable, owner: IdempotencyOwner, requestHash: string): Promise<IdempotencyClaim> {
  await db.query(`DELETE FROM write_idempotency WHERE account_id = $1 AND client_id = $2 AND key = $3 AND created_at < now() - interval '${keyLifetime}'`, [
    owner.accountId,
    owner.clientId,
    owner.key,
  ]);
  const inserted = await db.query(
    `INSERT INTO write_idempotency (account_id, client_id, key, request_hash, status) VALUES ($1, $2, $3, $4, 'pending')
       ON CONFLICT (account_id, client_id, key) DO NOTHING RETURNING key`,
    [owner.accountId, owner.clientId, owner.key, requestHash],
  );
  if (inserted.rows.length === 1) return { state: 'claimed' };
  const existing = await db.query<{ request_hash: string; status: string; location: string | null }>(
    'SELECT request_hash, status, location FROM write_idempotency WHERE account_id = $1 AND client_id = $2 AND key = $3',
    [owner.accountId, owner.clientId, owner.key],
  );
  const row = existing.rows[0];
  // Deleted between the two statements (the first attempt failed): the caller may simply retry.
  if (!row) return { state: 'pending' };
  if (row.request_hash !== requestHash) return { state: 'mismatch' };
  return row.status === 'done' && row.location ? { state: 'done', location: row.location } : { state: 'pending' };
}

export async function completeIdempotencyKey(db: Queryable, owner: IdempotencyOwner, location: string): Promise<void> {
  await db.query("UPDATE write_idempotency SET status = 'done', location = $4 WHERE account_id = $1 AND client_id = $2 AND key = $3", [
    owner.accountId,
    owner.clientId,
    owner.key,
    location,
  ]);
}

/**
 * Takes over a claim left 'pending' for longer than `staleAfterMs` — its replica died between claiming the key and
 * completing it (kill -9, a lost machine), so no one will complete or release it. One statement, so of several
 * retries only one takes it over; the others still see it pending. The caller must then find out whether the dead
 * attempt reached the FHIR server before writing again (create-pipeline.ts, the write-key tag).
 */
export async function takeOverStaleIdempotencyKey(db: Queryable, owner: IdempotencyOwner, requestHash: string, staleAfterMs: number): Promise<boolean> {
  const taken = await db.query(
    `UPDATE write_idempotency SET created_at = now()
      WHERE account_id = $1 AND client_id = $2 AND key = $3 AND request_hash = $4 AND status = 'pending'
        AND created_at < now() - make_interval(secs => $5::double precision / 1000)
      RETURNING key`,
    [owner.accountId, owner.clientId, owner.key, requestHash, staleAfterMs],
  );
  return taken.rows.length === 1;
}

/** The create failed: the key is released so the same request may be sent again. */
export async function releaseIdempotencyKey(db: Queryable, owner: IdempotencyOwner): Promise<void> {
  await db.query("DELETE FROM write_idempotency WHERE account_id = $1 AND client_id = $2 AND key = $3 AND status = 'pending'", [owner.accountId, owner.clientId, owner.key]);
}
