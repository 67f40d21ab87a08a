/**
 * Browser sessions, kept server-side: the cookie carries a random 256-bit id, the store keeps only
 * its SHA-256 (a leaked database does not yield usable cookies). Sessions end on idle timeout, on
 * their absolute lifetime, on sign-out, and all at once for an account ("sign out everywhere",
 * password reset, deactivation).
 */
import { createHash, randomBytes } from 'node:crypto';
import type { Queryable } from './db.ts';

export type SessionSurface = 'patient' | 'staff';

export interface WebSession<Data = Record<string, unknown>> {
  readonly idHash: Buffer;
  readonly accountId: string | null;
  readonly surface: SessionSurface;
  readonly data: Data;
}

const hashId = (id: string) => createHash('sha256').update(id).digest();

export async function createWebSession(
  db: Queryable,
  input: { accountId: string | null; surface: SessionSurface; data?: Record<string, unknown>; maxMs: number; now?: Date },
): Promise<string> {
  const id = randomBytes(32).toString('base64url');
  const now = input.now ?? new Date();
  await db.query('INSERT INTO web_sessions (id_hash, account_id, surface, created_at, last_seen_at, expires_at, data) VALUES ($1, $2, $3, $4, $4, $5, $6)', [
    hashId(id),
    input.accountId,
    input.surface,
    now,
    new Date(now.getTime() + input.maxMs),
    JSON.stringify(input.data ?? {}),
  ]);
  return id;
}

/** The live session for a cookie value, touching its idle clock; undefined if unknown, idle too long, expired or its account is not active. */
export async function findWebSession(db: Queryable, id: string, surface: SessionSurface, options: { idleMs: number; now?: Date }): Promise<WebSession | undefined> {
  const now = options.now ?? new Date();
  const result = await db.query<{ id_hash: Buffer; account_id: string | null; surface: SessionSurface; data: Record<string, unknown> }>(
    `UPDATE web_sessions s SET last_seen_at = $3
      WHERE s.id_hash = $1 AND s.surface = $2 AND s.expires_at > $3 AND s.last_seen_at > $4
        AND (s.account_id IS NULL OR EXISTS (SELECT 1 FROM accounts a WHERE a.id = s.account_id AND a.status = 'active'))
      RETURNING s.id_hash, s.account_id, s.surface, s.data`,
    [hashId(id), surface, now, new Date(now.getTime() - options.idleMs)],
  );
  const row = result.rows[0];
  return row ? { idHash: row.id_hash, accountId: row.account_id, surface: row.surface, data: row.data } : undefined;
}

export async function updateWebSessionData(db: Queryable, idHash: Buffer, data: Record<string, unknown>): Promise<void> {
  await db.query('UPDATE web_sessions SET data = $2 WHERE id_hash = $1', [idHash, JSON.stringify(data)]);
}

export async function deleteWebSession(db: Queryable, idHash: Buffer): Promise<void> {
  await db.query('DELETE FROM web_sessions WHERE id_hash = $1', [idHash]);
}

export async function deleteAccountWebSessions(db: Queryable, accountId: string): Promise<number> {
  return (await db.query('DELETE FROM web_sessions WHERE account_id = $1', [accountId])).affectedRows;
}

/** Every session of the account but one (the one asking): "end everything" keeps the person signed in where they are. */
export async function deleteOtherAccountWebSessions(db: Queryable, accountId: string, keepIdHash: Buffer): Promise<number> {
  return (await db.query('DELETE FROM web_sessions WHERE account_id = $1 AND id_hash <> $2', [accountId, keepIdHash])).affectedRows;
}
