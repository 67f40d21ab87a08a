/**
 * Single-use links (registration, password reset, a family invitation to an existing account): a CSPRNG token is emailed, only its SHA-256 is
 * stored (DESIGN.md security model 9). Looking a token up never consumes it; only the POST that
 * completes the flow does, so mail scanners that open links cannot burn them.
 */
import { createHash, randomBytes } from 'node:crypto';
import type { Queryable } from './db.ts';

/** 'proxy': a family invitation to someone who already holds an account, accepted signed in (migration 0011). */
export type InvitationPurpose = 'registration' | 'password_reset' | 'proxy';
export type LinkState = 'valid' | 'expired' | 'used' | 'voided' | 'frozen' | 'invalid';

export interface InvitationRow {
  readonly id: string;
  readonly account_id: string;
  readonly purpose: InvitationPurpose;
  readonly email: string | null;
  readonly created_at: Date;
  readonly expires_at: Date;
  readonly consumed_at: Date | null;
  readonly voided_at: Date | null;
  readonly frozen_at: Date | null;
  readonly failed_attempts: number;
  readonly outbox_id: string | null;
}

export const hashToken = (token: string): Buffer => createHash('sha256').update(token).digest();

/**
 * Voids the account's open links of this purpose and creates a new one; returns the token to email. A 'proxy'
 * link voids none: each patient who invites the same account has their own link, open side by side.
 */
export async function issueLink(
  tx: Queryable,
  input: { accountId: string; purpose: InvitationPurpose; email: string; ttlMs: number; now: Date },
): Promise<{ token: string; invitationId: string }> {
  if (input.purpose !== 'proxy') await voidOpenLinks(tx, input.accountId, input.now, input.purpose);
  const token = randomBytes(32).toString('base64url');
  const result = await tx.query<{ id: string }>(
    'INSERT INTO invitations (account_id, purpose, token_hash, email, created_at, expires_at) VALUES ($1, $2, $3, $4, $5, $6) RETURNING id',
    [input.accountId, input.purpose, hashToken(token), input.email, input.now, new Date(input.now.getTime() + input.ttlMs)],
  );
  return { token, invitationId: result.rows[0]!.id };
}

export async function attachOutbox(tx: Queryable, invitationId: string, outboxId: string): Promise<void> {
  await tx.query('UPDATE invitations SET outbox_id = $2 WHERE id = $1', [invitationId, outboxId]);
}

/** Voids every open link of an account (resend, email change, deactivation), or only those of one purpose. */
export async function voidOpenLinks(tx: Queryable, accountId: string, now: Date, purpose?: InvitationPurpose): Promise<void> {
  await tx.query(
    `UPDATE invitations SET voided_at = $2
      WHERE account_id = $1 AND consumed_at IS NULL AND voided_at IS NULL AND ($3::text IS NULL OR purpose = $3)`,
    [accountId, now, purpose ?? null],
  );
}

/** Voids one link if still open (a family invitation cancelled, or sent again with a new link). */
export async function voidLink(tx: Queryable, invitationId: string, now: Date): Promise<void> {
  await tx.query('UPDATE invitations SET voided_at = $2 WHERE id = $1 AND consumed_at IS NULL AND voided_at IS NULL', [invitationId, now]);
}

/** Finds a link by its token; `forUpdate` locks the row for the transaction that completes the flow. */
export async function findLink(db: Queryable, token: string, purpose: InvitationPurpose, forUpdate = false): Promise<InvitationRow | undefined> {
  if (!/^[A-Za-z0-9_-]{43}$/.test(token)) return undefined;
  const result = await db.query<InvitationRow>(
    `SELECT id, account_id, purpose, email, created_at, expires_at, consumed_at, voided_at, frozen_at, failed_attempts, outbox_id::text
       FROM invitations WHERE token_hash = $1 AND purpose = $2${forUpdate ? ' FOR UPDATE' : ''}`,
    [hashToken(token), purpose],
  );
  return result.rows[0];
}

export function linkState(row: InvitationRow | undefined, now: Date): LinkState {
  if (!row) return 'invalid';
  if (row.consumed_at) return 'used';
  if (row.voided_at) return 'voided';
  if (row.frozen_at) return 'frozen';
  if (row.expires_at <= now) return 'expired';
  return 'valid';
}

export async function consumeLink(tx: Queryable, invitationId: string, now: Date): Promise<void> {
  await tx.query('UPDATE invitations SET consumed_at = $2 WHERE id = $1', [invitationId, now]);
}

/** Counts a wrong date of birth on a link; freezes it at `maxAttempts`. Returns true when it is now frozen. */
export async function recordWrongBirthDate(tx: Queryable, invitationId: string, maxAttempts: number, now: Date): Promise<boolean> {
  const result = await tx.query<{ failed_attempts: number }>('UPDATE invitations SET failed_attempts = failed_attempts + 1 WHERE id = $1 RETURNING failed_attempts', [
    invitationId,
  ]);
  if ((result.rows[0]?.failed_attempts ?? 0) < maxAttempts) return false;
  await tx.query('UPDATE invitations SET frozen_at = $2 WHERE id = $1', [invitationId, now]);
  return true;
}

export async function listInvitations(db: Queryable, accountId: string): Promise<(InvitationRow & { outbox_status: string | null })[]> {
  const result = await db.query<InvitationRow & { outbox_status: string | null }>(
    `SELECT i.id, i.account_id, i.purpose, i.email, i.created_at, i.expires_at, i.consumed_at, i.voided_at, i.frozen_at,
            i.failed_attempts, i.outbox_id::text, o.status AS outbox_status
       FROM invitations i LEFT JOIN outbox o ON o.id = i.outbox_id
      WHERE i.account_id = $1 AND i.purpose = 'registration' ORDER BY i.created_at DESC`,
    [accountId],
  );
  return result.rows;
}
