/**
 * createApp(ctx): the middleware order and router mounts, and nothing else (DESIGN.md "Source layout").
 */
import express from 'express';
import type { Context } from './context.ts';
import { requestContext } from './http/request-context.ts';
import { securityHeaders } from './http/security-headers.ts';
import { createHealthRouter } from './http/health-router.ts';
import { canonicalHost } from './http/canonical-host.ts';
import { errorHandler, notFound } from './http/error-handler.ts';
import { errorPage } from './ui/error-page.ts';
import { portalCss } from './ui/assets/portal-css.ts';
import { faviconSvg } from './ui/assets/favicon.ts';
import { smartStyle } from './ui/assets/smart-style.ts';
import { resolveLocale } from './http/locale.ts';
import { csrfProtection } from './http/csrf.ts';
import { createFhirFacade } from './fhir/router.ts';
import { createLanguageRouter } from './web/language-router.ts';
import { createInteractionRouter } from './web/interaction-router.ts';
import { createAuthRouter } from './web/auth-router.ts';
import { createRegistrationRouter } from './web/registration-router.ts';
import { createPasswordRouter } from './web/password-router.ts';
import { createHomeRouter } from './web/home-router.ts';
import { createRecordRouter } from './web/record-router.ts';
import { createShareRouter } from './web/share-router.ts';
import { createSendRouter } from './web/send-router.ts';
import { createShlRouter } from './web/shl-router.ts';
import { createShareViewerRouter } from './web/share-viewer-router.ts';
import { createStaffRouter } from './staff/router.ts';
import { createMessagesRouter } from './web/messages-router.ts';
import { createStaffMessagesRouter } from './staff/messages-router.ts';
import { multipartForm } from './http/multipart-body.ts';
import { createSecurityRouter } from './web/security-router.ts';
import { createAppsRouter } from './web/apps-router.ts';
import { createActivityRouter } from './web/activity-router.ts';
import { createFamilyRouter } from './web/family-router.ts';
import { createClientsRouter } from './staff/clients-router.ts';
import { createDeadLettersRouter } from './staff/dead-letters-router.ts';
import { trimBase } from './core/fhir/base-url.ts';
import { requestMetrics } from './http/request-metrics.ts';
import { closeConnectionsWhenDraining } from './http/graceful-shutdown.ts';
import { createBannerCache } from './web/banner-cache.ts';

export function createApp(ctx: Context): express.Express {
  const app = express();
  app.disable('x-powered-by');
  app.set('trust proxy', ctx.config.trustProxy);
  // Plain key=value query strings only: no ?a[]= arrays or nested objects (DESIGN.md security model 1).
  app.set('query parser', 'simple');

  app.use(requestContext(ctx.log));
  app.use(requestMetrics(ctx.metrics));
  app.use(closeConnectionsWhenDraining(ctx.lifecycle));
  app.use(securityHeaders({ https: ctx.config.publicUrl.protocol === 'https:' }));
  app.use(createHealthRouter({ checkReadiness: ctx.checkReadiness, draining: () => ctx.lifecycle.draining }));
  // Probes above answer on any host; everything below only on PUBLIC_URL's (GET/HEAD 301 there, others 421).
  app.use(canonicalHost({ publicUrl: ctx.config.publicUrl }));
  // The SMART style document EHR-launched apps are pointed at (smart_style_url); read by apps on other origins.
  app.get('/assets/smart-style.json', (_req, res) => {
    res.set('Access-Control-Allow-Origin', '*').set('Cache-Control', 'public, max-age=3600').json(smartStyle);
  });
  app.get('/favicon.svg', (_req, res) => {
    res.type('image/svg+xml').set('Cache-Control', 'public, max-age=86400').send(faviconSvg);
  });
  app.get('/assets/portal.css', (_req, res) => {
    res.type('text/css').set('Cache-Control', 'public, max-age=3600').send(portalCss);
  });

  // The authorization server and the FHIR facade speak OAuth and FHIR: no cookies-and-forms middleware.
  app.use('/oidc', ctx.provider.callback());
  const fhirFacade = createFhirFacade({
    db: ctx.db,
    // The clock the minors policy reads (a birthday is decided on every request); tests move it across birthdays.
    now: ctx.accounts.now,
    fhirBase: ctx.fhirBase,
    upstreamBase: trimBase(ctx.config.fhir.upstreamUrl),
    publicUrl: ctx.config.publicUrl,
    upstream: ctx.facadeUpstream,
    cursorSecret: ctx.config.secretKeys[0]!,
    portalName: ctx.config.practice.name,
    log: ctx.log,
    grantUsage: ctx.grantUsage,
    registration: ctx.config.clientRegistrationToken !== undefined,
    timeZone: ctx.config.practice.timeZone,
    minors: ctx.config.minors,
    staleClaimMs: ctx.config.fhir.writeClaimStaleMs,
    messaging: { topicPools: new Map(ctx.config.messages.topics.map((t) => [t.code, t.pool])), answerBusinessDays: ctx.config.messages.answerBusinessDays },
  });
  app.use('/fhir', fhirFacade.router);

  // SMART Health Links receivers (other apps, any origin): JSON, no cookies, no CSRF.
  app.use(
    createShlRouter({
      db: ctx.db,
      publicUrl: ctx.config.publicUrl,
      secretKeys: ctx.config.secretKeys,
      portalName: ctx.config.practice.name,
      now: ctx.accounts.now,
    }),
  );

  // Pages: form bodies, language, CSRF on every POST.
  const secure = ctx.config.publicUrl.protocol === 'https:';
  app.use(express.urlencoded({ extended: false, limit: '64kb', parameterLimit: 50 }));
  // The message forms carry attachments (5 × 10 MB at most, plus the text): parsed before the CSRF check reads _csrf.
  app.use('/messages', multipartForm({ limitBytes: 52 * 1024 * 1024 }));
  app.use(resolveLocale);
  app.use(csrfProtection({ secret: ctx.config.secretKeys[0]!, secure, origin: ctx.config.publicUrl.origin }));
  app.use(createLanguageRouter({ secure }));
  app.use(createInteractionRouter({ provider: ctx.provider, accounts: ctx.accounts, fhirBase: ctx.fhirBase, staffSessions: ctx.staffSessions }));
  app.use(createAuthRouter({ accounts: ctx.accounts, sessions: ctx.patientSessions, webClient: ctx.webClient }));
  app.use(createRegistrationRouter({ accounts: ctx.accounts }));
  app.use(createPasswordRouter({ accounts: ctx.accounts }));
  const recordDeps = {
    practice: ctx.config.practice,
    sessions: ctx.patientSessions,
    webClient: ctx.webClient,
    fhirBase: ctx.fhirBase,
    timeoutMs: ctx.config.fhir.timeoutMs,
    http: ctx.http,
    // The pages read through the facade of this same process (no HTTP hop through the load balancer).
    facade: { read: fhirFacade.read, metrics: ctx.metrics },
    now: ctx.accounts.now,
    banners: createBannerCache(),
  };
  app.use(createHomeRouter(recordDeps));
  app.use(createMessagesRouter({ ...recordDeps, messaging: ctx.messaging, family: ctx.accounts }));
  app.use(createRecordRouter(recordDeps));
  app.use(createShareRouter({ ...recordDeps, db: ctx.db, ...(ctx.downloadMaxPages ? { downloadMaxPages: ctx.downloadMaxPages } : {}) }));
  app.use(createSendRouter({ ...recordDeps, db: ctx.db, publicUrl: ctx.config.publicUrl, direct: ctx.directSender }));
  app.use(createShareViewerRouter({ practice: ctx.config.practice }));
  app.use(createSecurityRouter({ accounts: ctx.accounts, sessions: ctx.patientSessions }));
  app.use(createAppsRouter({ accounts: ctx.accounts, sessions: ctx.patientSessions }));
  app.use(createActivityRouter({ accounts: ctx.accounts, sessions: ctx.patientSessions }));
  app.use(createFamilyRouter({ accounts: ctx.accounts, sessions: ctx.patientSessions }));
  app.use(createStaffRouter({ accounts: ctx.accounts, sessions: ctx.staffSessions }));
  app.use(createStaffMessagesRouter({ messaging: ctx.messaging }));
  app.use(createClientsRouter({ accounts: ctx.accounts }));
  app.use(createDeadLettersRouter({ accounts: ctx.accounts, log: ctx.log }));

  app.use(notFound);
  app.use(errorHandler(ctx.log, (input) => errorPage(input, ctx.config.practice)));
  return app;
}
