/**
 * The portal store: PostgreSQL, either a real server (DATABASE_URL) or PGlite embedded in the
 * process (the default). Both speak the same SQL, so the same migrations and queries run on both.
 */

export interface QueryResult<Row> {
  readonly rows: Row[];
  readonly affectedRows: number;
}

/** Something SQL can be run on: the pool, or one transaction. */
export interface Queryable {
  query<Row = Record<string, unknown>>(sql: string, params?: readonly unknown[]): Promise<QueryResult<Row>>;
  /** Runs a script of several statements without parameters (migrations). */
  exec(sql: string): Promise<void>;
}

export interface Db extends Queryable {
  readonly kind: 'pglite' | 'postgres';
  /** Runs `work` in one transaction: committed when it resolves, rolled back when it throws. */
  transaction<T>(work: (tx: Queryable) => Promise<T>): Promise<T>;
  close(): Promise<void>;
}

export type StoreConfig = { readonly kind: 'postgres'; readonly url: string } | { readonly kind: 'pglite'; readonly dataDir: string };
