/**
 * Dead letters for administrators (issue 15, point 6; DESIGN.md security model 10: "a dead-letter state
 * staff can see"): the outbox rows that could not be delivered, with their last error, and a retry.
 * What is shown says what kind of message failed and why, never its content: an email's subject and
 * body, an AuditEvent's entities, a Direct message's bytes and a family FHIR job's references stay in the store.
 */
import { AppError } from '../core/errors.ts';
import { listDeadLetters, requeueDeadLetter, type OutboxKind } from '../store/outbox.ts';
import type { AccountsDeps } from './deps.ts';

export interface DeadLetterView {
  readonly id: string;
  readonly kind: OutboxKind;
  readonly createdAt: Date;
  readonly attempts: number;
  /** The worker's PHI-free description (error class, code, SMTP/HTTP status). */
  readonly lastError: string;
}

export async function deadLetters(deps: Pick<AccountsDeps, 'db'>, limit = 200): Promise<DeadLetterView[]> {
  const rows = await listDeadLetters(deps.db, limit);
  return rows.map((row) => ({ id: row.id, kind: row.kind, createdAt: new Date(row.created_at), attempts: row.attempts, lastError: row.last_error ?? '' }));
}

/** Puts one dead letter back in the queue for the outbox worker; unknown or no longer dead → not_found (404). */
export async function retryDeadLetter(deps: Pick<AccountsDeps, 'db'>, id: string): Promise<void> {
  if (!(await requeueDeadLetter(deps.db, id))) throw new AppError('not_found', 404);
}
