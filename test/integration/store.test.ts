import { expect } from 'chai';
import { join } from 'node:path';
import type { Db, StoreConfig } from '../../src/store/db.ts';
import { openDb } from '../../src/store/open-db.ts';
import { migrate } from '../../src/store/migrate.ts';
import { migrations } from '../../src/store/migrations/index.ts';
import { testEnvironment } from '../support/environment.ts';

const expectedTables = [
  'access_epoch',
  'account_patients',
  'accounts',
  'audit_events',
  'ehr_launches',
  'family_invitations',
  'grant_contexts',
  'grant_usage',
  'invitations',
  'job_leases',
  'message_auto_replies',
  'message_notice_choices',
  'message_notifications',
  'oidc_payloads',
  'outbox',
  'rate_limits',
  'schema_migrations',
  'share_link_files',
  'share_link_openings',
  'share_links',
  'signing_keys',
  'transmissions',
  'web_sessions',
  'write_idempotency',
];

const expectedViews = ['account_reach'];

async function relationsOf(db: Db, type: 'BASE TABLE' | 'VIEW'): Promise<string[]> {
  const result = await db.query<{ table_name: string }>("SELECT table_name FROM information_schema.tables WHERE table_schema = 'public' AND table_type = $1 ORDER BY table_name", [
    type,
  ]);
  return result.rows.map((r) => r.table_name);
}

const targets: { name: string; config: () => Promise<StoreConfig> }[] = [
  { name: 'PGlite (embedded, on disk)', config: async () => ({ kind: 'pglite', dataDir: join(testEnvironment().workDir, 'pglite-store') }) },
  { name: 'PostgreSQL server', config: async () => ({ kind: 'postgres', url: await testEnvironment().postgres.createDatabase('store_test') }) },
];

for (const target of targets) {
  describe(`portal store migrations on ${target.name}`, function () {
    this.timeout(60_000);
    let config: StoreConfig;
    before(async () => {
      config = await target.config();
    });

    it('creates every table, then finds nothing left to do', async () => {
      const db = await openDb(config);
      try {
        expect(await migrate(db)).to.deep.equal(migrations.map((m) => m.id));
        expect(await relationsOf(db, 'BASE TABLE')).to.deep.equal(expectedTables);
        expect(await relationsOf(db, 'VIEW'), 'account_reach (0007): the one definition of reach').to.deep.equal(expectedViews);
        expect(await migrate(db)).to.deep.equal([]);
      } finally {
        await db.close();
      }
    });

    it('keeps data across a reopen and enforces the schema’s rules', async () => {
      const first = await openDb(config);
      await first.query("INSERT INTO accounts (kind, email, status) VALUES ('staff', 'front.desk@clinic.example', 'active')");
      await first.close();
      const second = await openDb(config);
      try {
        expect(await migrate(second)).to.deep.equal([]);
        const rows = await second.query<{ email: string }>('SELECT email FROM accounts');
        expect(rows.rows).to.deep.equal([{ email: 'front.desk@clinic.example' }]);
        const duplicate = await second.query("INSERT INTO accounts (kind, email, status) VALUES ('staff', 'front.desk@clinic.example', 'active')").then(
          () => 'inserted',
          (error: { code?: string }) => error.code,
        );
        expect(duplicate, 'unique (kind, email)').to.equal('23505');
        const upperCase = await second.query("INSERT INTO accounts (kind, email, status) VALUES ('patient', 'Mixed@Case.example', 'active')").then(
          () => 'inserted',
          (error: { code?: string }) => error.code,
        );
        expect(upperCase, 'emails are stored normalised').to.equal('23514');
      } finally {
        await second.close();
      }
    });

    it('rolls back a failed transaction as a whole', async () => {
      const db = await openDb(config);
      try {
        await db
          .transaction(async (tx) => {
            await tx.query("INSERT INTO accounts (kind, email, status) VALUES ('patient', 'rollback@example.org', 'pending')");
            await tx.query('SELECT * FROM no_such_table');
          })
          .catch(() => {});
        const rows = await db.query("SELECT 1 FROM accounts WHERE email = 'rollback@example.org'");
        expect(rows.rows).to.have.length(0);
      } finally {
        await db.close();
      }
    });
  });
}

describe('migrations started by two replicas at once (PostgreSQL)', function () {
  this.timeout(60_000);
  it('applies each migration exactly once', async () => {
    const url = await testEnvironment().postgres.createDatabase('store_race');
    const [a, b] = await Promise.all([openDb({ kind: 'postgres', url }), openDb({ kind: 'postgres', url })]);
    try {
      const [appliedA, appliedB] = await Promise.all([migrate(a), migrate(b)]);
      expect([...appliedA, ...appliedB].sort()).to.deep.equal(migrations.map((m) => m.id));
      const count = await a.query<{ n: number }>('SELECT count(*)::int AS n FROM schema_migrations');
      expect(count.rows[0]!.n).to.equal(migrations.length);
    } finally {
      await Promise.all([a.close(), b.close()]);
    }
  });
});
