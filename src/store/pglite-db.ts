import { mkdir } from 'node:fs/promises';
import { PGlite } from '@electric-sql/pglite';
import type { Db, Queryable, QueryResult } from './db.ts';

type PgliteQueryable = Pick<PGlite, 'query' | 'exec'>;

function wrap(target: PgliteQueryable): Queryable {
  return {
    async query<Row>(sql: string, params: readonly unknown[] = []): Promise<QueryResult<Row>> {
      const result = await target.query<Row>(sql, [...params]);
      return { rows: result.rows, affectedRows: result.affectedRows ?? 0 };
    },
    async exec(sql: string): Promise<void> {
      await target.exec(sql);
    },
  };
}

/**
 * PGlite's start parameters with PostgreSQL's shared buffers at 16 MB instead of initdb's 128 MB. They live
 * in the process's WASM memory and are written whole at start (about 150 MB of a replica's RSS before, 30 MB
 * after, bench:memory); the portal store's working set is a few megabytes, and PGlite is the single-node
 * demo store (docs/production.md, "Memory").
 */
const startParams = [...PGlite.defaultStartParams, '-c', 'shared_buffers=16MB'];

/**
 * PGlite: PostgreSQL compiled to WASM, running in this process with its files under `dataDir`
 * (or in memory for 'memory://'). One process owns a data directory at a time.
 */
export async function openPglite(dataDir: string): Promise<Db> {
  if (!dataDir.startsWith('memory://')) await mkdir(dataDir, { recursive: true });
  const pg = await PGlite.create(dataDir, { startParams });
  const base = wrap(pg);
  return {
    kind: 'pglite',
    query: base.query,
    exec: base.exec,
    // PGlite serialises work on its single connection, so a transaction here is exclusive.
    transaction: (work) => pg.transaction((tx) => work(wrap(tx))),
    // Closing twice (e.g. a shutdown racing a failed start) is harmless.
    close: async () => {
      if (!pg.closed) await pg.close();
    },
  };
}
