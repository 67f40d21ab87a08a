/**
 * The store's face of reach: the rows of the `account_reach` view (migration 0007, where the one rule
 * is written and explained). The per-request token check reads the same view (live_access_token), so
 * what the picker offers, what a token is issued for and what the facade accepts cannot drift apart.
 * Callers go through src/access/reach.ts, which adds the practice-wide reach of staff and system tokens.
 */
import type { Queryable } from './db.ts';

export interface AccountReachRow {
  /** Patient/<id> */
  readonly patient: string;
  readonly via: 'self' | 'proxy';
  /** RelatedPerson/<id> behind a proxy reach, when known. */
  readonly relatedPerson: string | null;
  /** What a family member's Consent permits (migration 0009); null: everything. */
  readonly parts: string[] | null;
}

const uuid = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/;

/**
 * Every patient the account reaches, each once (by its first way in the view's rank), in a stable order:
 * the account's own (or signed-for) record first, then its fhirUser patient, then links by age.
 * An unknown, inactive or staff account reaches none.
 */
export async function accountReach(db: Queryable, accountId: string): Promise<AccountReachRow[]> {
  if (!uuid.test(accountId)) return [];
  const rows = await db.query<{ patient: string; via: 'self' | 'proxy'; related_person: string | null; parts: string[] | null }>(
    `SELECT patient, via, related_person, parts FROM (
       SELECT DISTINCT ON (patient) patient, via, related_person, parts, rank, since FROM account_reach WHERE account_id = $1 ORDER BY patient, rank, since
     ) r ORDER BY rank, since, patient`,
    [accountId],
  );
  return rows.rows.map((row) => ({ patient: row.patient, via: row.via, relatedPerson: row.related_person, parts: row.parts }));
}
