/** The portal store for unit tests: PGlite in memory, every migration applied (the same schema the portal runs on). */
import type { Db } from '../../src/store/db.ts';
import { migrate } from '../../src/store/migrate.ts';
import { openPglite } from '../../src/store/pglite-db.ts';

export async function migratedMemoryStore(): Promise<Db> {
  const db = await openPglite('memory://');
  await migrate(db);
  return db;
}
