/**
 * Conversations not shared with a named family member (issue #14 point 4), as the store caches them on the proxy
 * link (account_patients.hidden_threads, migration 0014): the cache of the deny provisions of that family
 * member's Consent. Every change is an UPDATE of account_patients, so it moves the access epoch (migration 0006)
 * and acts on the next request on every replica. Threads are `Communication/<id>` of the conversation's header.
 */
import type { Queryable } from './db.ts';

/** A live family link of the patient, and whether this conversation is kept from it. */
export interface ThreadSharingRow {
  /** RelatedPerson/<id> */
  readonly relatedPerson: string;
  readonly name: string;
  readonly hidden: boolean;
}

/** The live link's columns the Consent is rebuilt from after a change. */
export interface HiddenThreadsLink {
  readonly consent: string | null;
  readonly parts: string[] | null;
  readonly hiddenThreads: string[];
}

/**
 * The link `l` (account_patients) still reaches its patient as its RelatedPerson: read from account_reach, the one
 * definition of reach (DESIGN.md), so "live" here is what the facade honours (not ended, in period, an active
 * patient-side account), never a copy of its conditions.
 */
const linkReaches = `EXISTS (SELECT 1 FROM account_reach r
  WHERE r.account_id = l.account_id AND r.patient = l.patient AND r.via = 'proxy' AND r.related_person = l.related_person)`;

/** The patient's live family members (those the link still reaches the record for), by name, each with whether `thread` is kept from them. */
export async function threadSharingOf(db: Queryable, patient: string, thread: string): Promise<ThreadSharingRow[]> {
  const rows = await db.query<{ related_person: string; name: string | null; email: string; hidden: boolean }>(
    `SELECT l.related_person, l.name, a.email, $2 = ANY (l.hidden_threads) AS hidden
       FROM account_patients l JOIN accounts a ON a.id = l.account_id
      WHERE l.patient = $1 AND l.related_person IS NOT NULL AND ${linkReaches}
      ORDER BY l.created_at, l.related_person`,
    [patient, thread],
  );
  return rows.rows.map((row) => ({ relatedPerson: row.related_person, name: row.name ?? row.email, hidden: row.hidden }));
}

/**
 * Keeps `thread` from (hidden) or shares it again with the patient's live link to `relatedPerson`; moves the access
 * epoch. The link as it now stands, or undefined when there is no live link (nothing written).
 */
export async function setThreadHidden(db: Queryable, patient: string, relatedPerson: string, thread: string, hidden: boolean): Promise<HiddenThreadsLink | undefined> {
  const result = await db.query<{ consent: string | null; parts: string[] | null; hidden_threads: string[] }>(
    `UPDATE account_patients l
        SET hidden_threads = CASE WHEN $4 THEN array_append(array_remove(l.hidden_threads, $3), $3) ELSE array_remove(l.hidden_threads, $3) END
      WHERE l.patient = $1 AND l.related_person = $2 AND ${linkReaches}
      RETURNING l.consent, l.parts, l.hidden_threads`,
    [patient, relatedPerson, thread, hidden],
  );
  const row = result.rows[0];
  return row ? { consent: row.consent, parts: row.parts, hiddenThreads: row.hidden_threads } : undefined;
}
