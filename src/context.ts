/**
 * The composition root: the only place that constructs clients, stores and workers
 * (DESIGN.md "Source layout"). Everything else receives what it needs as arguments.
 */
import type { Config } from './config/config.ts';
import type { Logger } from './core/log.ts';
import type { Db } from './store/db.ts';
import { openDb } from './store/open-db.ts';
import { migrate } from './store/migrate.ts';
import { createFhirClient, type FhirClient } from './store/fhir-client.ts';
import { createMailer, type Mailer } from './store/mailer.ts';
import type { DirectSender } from './export/transmit/direct/direct-sender.ts';
import type { DirectTransmitter } from './export/transmit/send-direct.ts';
import { createOutboxWorker, type OutboxWorker } from './store/outbox-worker.ts';
import type { Dispatcher } from 'undici';
import { createUpstream, type Upstream } from './fhir/upstream.ts';
import { createHttpPool } from './store/http-pool.ts';
import { auditBatchDeliveryHandler, auditDeliveryHandler } from './store/audit-trail.ts';
import { createReadinessCheck, type Readiness } from './store/readiness.ts';
import { createGrantUsage, type GrantUsage } from './store/grant-usage.ts';
import { loadOrCreateSigningKeys } from './store/signing-keys.ts';
import { createProvider, fhirBaseFor, issuerFor, webClientId, webClientSecret } from './auth/provider.ts';
import type Provider from 'oidc-provider';
import type { AccountsDeps } from './accounts/deps.ts';
import { sweepFamilyAccess } from './proxies/family-sweep.ts';
import { familyFhirDeliveryHandler } from './proxies/family-fhir-job.ts';
import { repeatEvery } from './core/repeat-every.ts';
import { createWebClient, type WebClient } from './web/web-client.ts';
import { createSessionManager, type SessionManager } from './http/session.ts';
import { oauthErrorPage } from './web/views/patient-pages.ts';
import { negotiateLocale, translate, type MessageKey } from './core/i18n/translate.ts';
import { dateFormatter } from './core/fhir/dates.ts';
import { trimBase } from './core/fhir/base-url.ts';
import type { MessagingDeps } from './messaging/deps.ts';
import { createMetrics, type Metrics } from './store/metrics.ts';
import { createLifecycle, type Lifecycle } from './http/graceful-shutdown.ts';

export interface Context {
  readonly config: Config;
  readonly log: Logger;
  readonly db: Db;
  /** The portal's system credential to the FHIR server (staff services, audit delivery). */
  readonly fhir: FhirClient;
  readonly mailer: Mailer;
  /** Sending the record by Direct secure message, when the practice has it set up (config.direct). */
  readonly directSender: DirectTransmitter | undefined;
  readonly outbox: OutboxWorker;
  /** The portal's HTTP connection pool (src/store/http-pool.ts): the facade's calls to HAPI and the record client's reads of /fhir. */
  readonly http: Dispatcher;
  /** The FHIR facade's client for HAPI, on that pool (kept apart from `fhir`, the portal's system client). */
  readonly facadeUpstream: Upstream;
  readonly checkReadiness: () => Promise<Readiness>;
  readonly provider: Provider;
  /** The public base of the FHIR facade (the access tokens' audience). */
  readonly fhirBase: string;
  /** Apps' last use (connected apps), with this portal's own write throttle. */
  readonly grantUsage: GrantUsage;
  readonly accounts: AccountsDeps;
  /** Secure messages' services (staff side with the system credential; read tags, automatic replies, notices). */
  readonly messaging: MessagingDeps;
  readonly webClient: WebClient;
  readonly patientSessions: SessionManager;
  readonly staffSessions: SessionManager;
  /** Pages of 100 a download reads per search before refusing the record as too large (export/record-snapshot.ts `maxPages` unless a test sets it). */
  readonly downloadMaxPages?: number;
  /** Prometheus metrics of this replica (served on METRICS_PORT by main.ts). */
  readonly metrics: Metrics;
  /** Draining on SIGTERM: /readyz turns 503 first (src/http/graceful-shutdown.ts). */
  readonly lifecycle: Lifecycle;
  close(): Promise<void>;
}

/**
 * Direct: the relay delivers queued messages; the transmitter builds them (certificates checked at start-up by
 * config). Loaded only when the practice has Direct set up, so other replicas never hold its S/MIME and zip
 * code (node-forge, fflate; docs/production.md, "Memory").
 */
async function openDirect(direct: NonNullable<Config['direct']>): Promise<{ relay: DirectSender; transmitter: DirectTransmitter }> {
  const [{ createDirectSender }, { loadDirectCertificateStore, loadPracticeDirectIdentity }, { createDirectTransmitter }] = await Promise.all([
    import('./export/transmit/direct/direct-sender.ts'),
    import('./export/transmit/direct/certificates.ts'),
    import('./export/transmit/send-direct.ts'),
  ]);
  return {
    relay: createDirectSender({ smtpUrl: direct.smtpUrl }),
    transmitter: createDirectTransmitter({
      address: direct.address,
      ...loadPracticeDirectIdentity({ certificatePath: direct.certificatePath, privateKeyPath: direct.privateKeyPath }),
      recipients: () => loadDirectCertificateStore({ certsDir: direct.certsDir, trustAnchorsPath: direct.trustAnchorsPath }),
    }),
  };
}

/**
 * `options.now` lets tests move the clock the account services see (link expiry, lockouts);
 * `options.downloadMaxPages` lets them meet a record too large to download without loading 20,000 resources;
 * `options.familySweep: false` keeps the background family sweep off for tests that run it with their own clock.
 */
export async function createContext(config: Config, log: Logger, options: { now?: () => Date; downloadMaxPages?: number; familySweep?: boolean } = {}): Promise<Context> {
  const db = await openDb(config.store);
  const applied = await migrate(db);
  if (applied.length > 0) log.info({ migrations: applied }, 'store migrated');

  const upstreamBase = trimBase(config.fhir.upstreamUrl);
  const fhir = createFhirClient({ baseUrl: upstreamBase, timeoutMs: config.fhir.timeoutMs });
  const http = createHttpPool({ timeoutMs: config.fhir.timeoutMs });
  const facadeUpstream = createUpstream({ timeoutMs: config.fhir.timeoutMs, dispatcher: http });
  const checkReadiness = createReadinessCheck({ db, fhirBaseUrl: upstreamBase, timeoutMs: Math.min(config.fhir.timeoutMs, 3000) });
  const mailer = createMailer({ smtpUrl: config.mail.smtpUrl, from: config.mail.from, messageIdDomain: config.publicUrl.hostname });
  const { relay: directRelay, transmitter: directSender } = config.direct ? await openDirect(config.direct) : {};
  const metrics = createMetrics({ db, upstreamOrigin: upstreamBase });
  const outbox = createOutboxWorker({
    db,
    log: log.child({ component: 'outbox' }),
    handlers: {
      email: mailer.deliver,
      audit: auditDeliveryHandler(fhir),
      'family-fhir': familyFhirDeliveryHandler({ db, fhir }),
      ...(directRelay ? { direct: directRelay.deliver } : {}),
    },
    // AuditEvents (one per facade request) go to the FHIR server a claimed batch per transaction.
    batchHandlers: { audit: auditBatchDeliveryHandler(fhir) },
    pollMs: config.outbox.pollMs,
    baseMs: config.outbox.retryBaseMs,
    maxMs: config.outbox.retryMaxMs,
    deadAfterMs: config.outbox.deadAfterMs,
    onAttempt: ({ kind, result, createdAt, at }) => {
      metrics.outboxDeliveries.inc({ kind, result });
      if (kind === 'audit' && result === 'delivered') metrics.auditWriteLag.observe(Math.max(0, at.getTime() - createdAt.getTime()) / 1000);
    },
  });

  const fhirBase = fhirBaseFor(config.publicUrl);
  const secure = config.publicUrl.protocol === 'https:';
  const provider = createProvider({
    db,
    publicUrl: config.publicUrl,
    secretKeys: config.secretKeys,
    signingKeys: await loadOrCreateSigningKeys(db),
    trustProxy: config.trustProxy > 0,
    sessionMaxMs: config.sessions.maxMs,
    clientRegistrationToken: config.clientRegistrationToken,
    portalName: config.practice.name,
    log: log.child({ component: 'oidc' }),
    renderErrorPage: (acceptLanguage, code) => {
      const locale = negotiateLocale(acceptLanguage);
      const t = (key: MessageKey, params?: Record<string, string | number>) => translate(locale, key, params);
      return oauthErrorPage(
        { locale, t, path: '/', practiceName: config.practice.name, practicePhone: config.practice.phone, dates: dateFormatter(locale, config.practice.timeZone) },
        code,
      );
    },
  });
  const now = options.now ?? (() => new Date());
  // Issue 13: the family sweep (end dates passed → FHIR; the minors' 30-day notices and ends at 18), a minute after
  // start, then tried hourly on every replica; its store lease lets one replica sweep at a time and rests 23 hours
  // after a run that succeeded, so it runs about daily in all (src/proxies/family-sweep.ts).
  const familySweep =
    options.familySweep === false
      ? undefined
      : repeatEvery({
          firstMs: 60_000,
          everyMs: 3_600_000,
          run: () =>
            sweepFamilyAccess({ db, fhir, publicUrl: config.publicUrl, practice: config.practice, signIn: config.signIn, now }, config.minors, {
              restMs: 23 * 3_600_000,
            }).catch((error: unknown) => log.error({ errorClass: (error as Error)?.name }, 'family sweep failed')),
        });
  const sessionOptions = { db, secure, idleMs: config.sessions.idleMs, maxMs: config.sessions.maxMs, now };

  return {
    config,
    log,
    db,
    fhir,
    mailer,
    directSender,
    outbox,
    http,
    facadeUpstream,
    checkReadiness,
    provider,
    fhirBase,
    grantUsage: createGrantUsage(db),
    accounts: { db, fhir, publicUrl: config.publicUrl, practice: config.practice, signIn: config.signIn, now },
    // Unread counts must see read tags written a moment ago: never an answer from HAPI's search cache.
    messaging: {
      db,
      fhir: createFhirClient({ baseUrl: upstreamBase, timeoutMs: config.fhir.timeoutMs, headers: { 'cache-control': 'no-cache' } }),
      practice: config.practice,
      messages: config.messages,
      publicUrl: config.publicUrl,
      fhirBase,
      now,
      log: log.child({ component: 'messaging' }),
    },
    webClient: createWebClient({
      issuer: issuerFor(config.publicUrl),
      clientId: webClientId,
      clientSecret: webClientSecret(config.secretKeys),
      redirectUri: new URL('/auth/callback', config.publicUrl).toString(),
      fhirBase,
    }),
    patientSessions: createSessionManager({ ...sessionOptions, surface: 'patient' }),
    staffSessions: createSessionManager({ ...sessionOptions, surface: 'staff' }),
    ...(options.downloadMaxPages ? { downloadMaxPages: options.downloadMaxPages } : {}),
    metrics,
    lifecycle: createLifecycle(),
    async close() {
      await familySweep?.stop();
      await outbox.stop();
      metrics.close();
      await http.close();
      mailer.close();
      directRelay?.close();
      await db.close();
    },
  };
}
