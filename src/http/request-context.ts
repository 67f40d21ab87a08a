import { randomUUID } from 'node:crypto';
import type { RequestHandler } from 'express';
import { withRequestId, type Logger } from '../core/log.ts';

// A caller-supplied id is kept only if it is short and plain, so it cannot inject into log lines.
const acceptableRequestId = /^[A-Za-z0-9._-]{8,64}$/;

/**
 * Gives every request an id (X-Request-Id in and out) and runs the rest of the chain inside a log
 * scope carrying it. The access log line has method, path (no query string: it can hold PHI such
 * as a name search), status and duration.
 */
export function requestContext(log: Logger): RequestHandler {
  return (req, res, next) => {
    const incoming = req.get('x-request-id');
    const requestId = incoming && acceptableRequestId.test(incoming) ? incoming : randomUUID();
    const started = process.hrtime.bigint();
    res.set('X-Request-Id', requestId);
    res.on('finish', () => {
      withRequestId(requestId, () => {
        const durationMs = Number(process.hrtime.bigint() - started) / 1e6;
        log.info({ method: req.method, path: req.originalUrl.split('?')[0], status: res.statusCode, durationMs: Math.round(durationMs * 10) / 10 }, 'request');
      });
    });
    withRequestId(requestId, next);
  };
}
