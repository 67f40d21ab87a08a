/**
 * Opens the portal store the configuration names: a PostgreSQL server (DATABASE_URL) or PGlite embedded
 * in the process. Each driver is loaded only when used (PGlite's WASM is large).
 */
import type { Db, StoreConfig } from './db.ts';

export async function openDb(config: StoreConfig): Promise<Db> {
  if (config.kind === 'postgres') {
    const { openPostgres } = await import('./postgres-db.ts');
    return openPostgres(config.url);
  }
  const { openPglite } = await import('./pglite-db.ts');
  return openPglite(config.dataDir);
}
