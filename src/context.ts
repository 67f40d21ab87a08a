/**
 * The composition root: the only place that constructs clients, stores and workers
 * (DESIGN.md "Source layout"). Everything else receives what it needs as arguments.
 */
import type { Config } from './config/config.ts';
import type { Logger } from './core/log.ts';
import { openDb, type Db } from './store/db.ts';
import { migrate } from './store/migrate.ts';
import { createFhirClient, type FhirClient } from './store/fhir-client.ts';
import { createMailer, type Mailer } from './store/mailer.ts';
import { createOutboxWorker, type OutboxWorker } from './store/outbox-worker.ts';
import { auditDeliveryHandler } from './store/audit-trail.ts';
import { checkReadiness, type Readiness } from './store/readiness.ts';

export interface Context {
  readonly config: Config;
  readonly log: Logger;
  readonly db: Db;
  /** The portal's system credential to the FHIR server (staff services, audit delivery). */
  readonly fhir: FhirClient;
  readonly mailer: Mailer;
  readonly outbox: OutboxWorker;
  readonly checkReadiness: () => Promise<Readiness>;
  close(): Promise<void>;
}

export async function createContext(config: Config, log: Logger): Promise<Context> {
  const db = await openDb(config.store);
  const applied = await migrate(db);
  if (applied.length > 0) log.info({ migrations: applied }, 'store migrated');

  const fhirBase = config.fhir.upstreamUrl.toString().replace(/\/$/, '');
  const fhir = createFhirClient({ baseUrl: fhirBase, timeoutMs: config.fhir.timeoutMs });
  const fhirProbe = createFhirClient({ baseUrl: fhirBase, timeoutMs: Math.min(config.fhir.timeoutMs, 3000) });
  const mailer = createMailer({ smtpUrl: config.mail.smtpUrl, from: config.mail.from, messageIdDomain: config.publicUrl.hostname });
  const outbox = createOutboxWorker({
    db,
    log: log.child({ component: 'outbox' }),
    handlers: { email: mailer.deliver, audit: auditDeliveryHandler(fhir) },
    pollMs: config.outbox.pollMs,
    baseMs: config.outbox.retryBaseMs,
    maxMs: config.outbox.retryMaxMs,
    deadAfterMs: config.outbox.deadAfterMs,
  });

  return {
    config,
    log,
    db,
    fhir,
    mailer,
    outbox,
    checkReadiness: () => checkReadiness({ db, fhirProbe }),
    async close() {
      await outbox.stop();
      mailer.close();
      await db.close();
    },
  };
}
