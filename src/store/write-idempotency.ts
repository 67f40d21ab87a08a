/**
 * All SQL on facade write idempotency keys (migration 0010): a double submit creates one resource.
 * A key is claimed before HAPI is asked, in one statement, so two concurrent requests with the same key
 * cannot both write.
 *
 * A claim is held by its stamp (the row's `created_at` as its holder last set it). A stale claim may be taken
 * over by a retry while the first attempt is merely slow; the takeover sets a new stamp, so the first attempt's
 * re-stamp before writing, its completion and its release all find the stamp no longer theirs and do nothing.
 */
import type { Queryable } from './db.ts';

export interface IdempotencyOwner {
  readonly accountId: string;
  readonly clientId: string;
  readonly key: string;
}

/** A key this request holds: the owner and the stamp it last set (`created_at` as text, exact to the microsecond). */
export interface HeldIdempotencyKey extends IdempotencyOwner {
  readonly stamp: string;
}

export type IdempotencyClaim =
  | { readonly state: 'claimed'; readonly stamp: string }
  | { readonly state: 'done'; readonly location: string }
  | { readonly state: 'pending' }
  | { readonly state: 'mismatch' };

/** Keys older than this are forgotten (and may be used again). */
const keyLifetime = '24 hours';

const ownerParams = (owner: IdempotencyOwner) => [owner.accountId, owner.clientId, owner.key];

export async function claimIdempotencyKey(db: Queryable, owner: IdempotencyOwner, requestHash: string): Promise<IdempotencyClaim> {
  await db.query(`DELETE FROM write_idempotency WHERE account_id = $1 AND client_id = $2 AND key = $3 AND created_at < now() - interval '${keyLifetime}'`, ownerParams(owner));
  const inserted = await db.query<{ stamp: string }>(
    `INSERT INTO write_idempotency (account_id, client_id, key, request_hash, status) VALUES ($1, $2, $3, $4, 'pending')
       ON CONFLICT (account_id, client_id, key) DO NOTHING RETURNING created_at::text AS stamp`,
    [...ownerParams(owner), requestHash],
  );
  if (inserted.rows.length === 1) return { state: 'claimed', stamp: inserted.rows[0]!.stamp };
  const existing = await db.query<{ request_hash: string; status: string; location: string | null }>(
    'SELECT request_hash, status, location FROM write_idempotency WHERE account_id = $1 AND client_id = $2 AND key = $3',
    ownerParams(owner),
  );
  const row = existing.rows[0];
  // Deleted between the two statements (the first attempt failed): the caller may simply retry.
  if (!row) return { state: 'pending' };
  if (row.request_hash !== requestHash) return { state: 'mismatch' };
  return row.status === 'done' && row.location ? { state: 'done', location: row.location } : { state: 'pending' };
}

/**
 * Takes over a claim left 'pending' for longer than `staleAfterMs` — its replica died between claiming the key and
 * completing it (kill -9, a lost machine), or is still slow before its write. One statement, so of several retries
 * only one takes it over; the others still see it pending. The new stamp is returned (undefined: not taken over).
 * The caller must then find out whether the earlier attempt reached the FHIR server before writing again
 * (create-pipeline.ts, the write-key tag); a slow earlier attempt no longer holds the key (restampIdempotencyKey).
 */
export async function takeOverStaleIdempotencyKey(db: Queryable, owner: IdempotencyOwner, requestHash: string, staleAfterMs: number): Promise<string | undefined> {
  const taken = await db.query<{ stamp: string }>(
    `UPDATE write_idempotency SET created_at = now()
      WHERE account_id = $1 AND client_id = $2 AND key = $3 AND request_hash = $4 AND status = 'pending'
        AND created_at < now() - make_interval(secs => $5::double precision / 1000)
      RETURNING created_at::text AS stamp`,
    [...ownerParams(owner), requestHash, staleAfterMs],
  );
  return taken.rows[0]?.stamp;
}

/**
 * Just before the write: the claim is stamped afresh, only if it is still ours (so it stays fresh while the one
 * FHIR transaction runs). Undefined when a retry took it over meanwhile: the caller must not write.
 */
export async function restampIdempotencyKey(db: Queryable, held: HeldIdempotencyKey): Promise<HeldIdempotencyKey | undefined> {
  const restamped = await db.query<{ stamp: string }>(
    `UPDATE write_idempotency SET created_at = now()
      WHERE account_id = $1 AND client_id = $2 AND key = $3 AND status = 'pending' AND created_at = $4::timestamptz
      RETURNING created_at::text AS stamp`,
    [...ownerParams(held), held.stamp],
  );
  const stamp = restamped.rows[0]?.stamp;
  return stamp === undefined ? undefined : { ...held, stamp };
}

/** The create landed: the key answers its Location from now on (only while it is still ours). */
export async function completeIdempotencyKey(db: Queryable, held: HeldIdempotencyKey, location: string): Promise<void> {
  await db.query(
    `UPDATE write_idempotency SET status = 'done', location = $5
      WHERE account_id = $1 AND client_id = $2 AND key = $3 AND status = 'pending' AND created_at = $4::timestamptz`,
    [...ownerParams(held), held.stamp, location],
  );
}

/** The create failed: the key is released so the same request may be sent again (only while it is still ours). */
export async function releaseIdempotencyKey(db: Queryable, held: HeldIdempotencyKey): Promise<void> {
  await db.query("DELETE FROM write_idempotency WHERE account_id = $1 AND client_id = $2 AND key = $3 AND status = 'pending' AND created_at = $4::timestamptz", [
    ...ownerParams(held),
    held.stamp,
  ]);
}
