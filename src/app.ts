/**
 * createApp(ctx): the middleware order and router mounts, and nothing else (DESIGN.md "Source layout").
 */
import express from 'express';
import type { Context } from './context.ts';
import { requestContext } from './web/request-context.ts';
import { securityHeaders } from './web/security-headers.ts';
import { createHealthRouter } from './web/health-router.ts';
import { errorHandler, notFound } from './web/error-handler.ts';

export function createApp(ctx: Context): express.Express {
  const app = express();
  app.disable('x-powered-by');
  app.set('trust proxy', ctx.config.trustProxy);
  // Plain key=value query strings only: no ?a[]= arrays or nested objects (DESIGN.md security model 1).
  app.set('query parser', 'simple');

  app.use(requestContext(ctx.log));
  app.use(securityHeaders({ https: ctx.config.publicUrl.protocol === 'https:' }));
  app.use(createHealthRouter({ checkReadiness: ctx.checkReadiness }));

  app.use(notFound);
  app.use(errorHandler(ctx.log));
  return app;
}
