import type { Db } from './db.ts';
import { migrations as allMigrations } from './migrations/index.ts';

// An arbitrary constant: replicas starting together take this lock so only one migrates at a time.
const migrationLockKey = 7_304_119;

/** Applies pending migrations, each in its own transaction with its bookkeeping row. Returns the ids applied. */
export async function migrate(db: Db, migrations = allMigrations): Promise<string[]> {
  // Under the lock too: two concurrent CREATE TABLE IF NOT EXISTS can still collide in PostgreSQL's catalog.
  await db.transaction(async (tx) => {
    await tx.query('SELECT pg_advisory_xact_lock($1)', [migrationLockKey]);
    await tx.query('CREATE TABLE IF NOT EXISTS schema_migrations (id text PRIMARY KEY, applied_at timestamptz NOT NULL DEFAULT now())');
  });
  const applied: string[] = [];
  for (const migration of migrations) {
    const done = await db.transaction(async (tx) => {
      await tx.query('SELECT pg_advisory_xact_lock($1)', [migrationLockKey]);
      const existing = await tx.query('SELECT 1 FROM schema_migrations WHERE id = $1', [migration.id]);
      if (existing.rows.length > 0) return false;
      await tx.exec(migration.sql);
      await tx.query('INSERT INTO schema_migrations (id) VALUES ($1)', [migration.id]);
      return true;
    });
    if (done) applied.push(migration.id);
  }
  return applied;
}
