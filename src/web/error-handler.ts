import type { ErrorRequestHandler, RequestHandler } from 'express';
import { AppError, isAppError, type ErrorCode } from '../core/errors.ts';
import { negotiateLocale, translate } from '../core/i18n/translate.ts';
import type { Logger } from '../core/log.ts';

/** Unknown paths: the same localized answer as any other not-found. */
export const notFound: RequestHandler = (_req, _res, next) => next(new AppError('not_found', 404));

/**
 * The fallback error handler: a stable code and a localized message, as JSON or a small page.
 * Stack traces and upstream diagnostics are logged by class and code only, never sent.
 */
export function errorHandler(log: Logger): ErrorRequestHandler {
  return (error: unknown, req, res, _next) => {
    const known = isAppError(error);
    // Express's body parsers signal malformed input with a 4xx status on the error.
    const clientStatus = (error as { status?: number }).status;
    const code: ErrorCode = known ? error.code : clientStatus && clientStatus >= 400 && clientStatus < 500 ? 'bad_request' : 'internal_error';
    const status = known ? error.status : code === 'bad_request' ? clientStatus! : 500;
    if (status >= 500) log.error({ code, errorClass: (error as Error)?.name }, 'request failed');
    if (res.headersSent) return;
    const locale = negotiateLocale(req.get('accept-language'));
    const message = translate(locale, `error.${code}`);
    res.status(status).set('Cache-Control', 'no-store');
    if (req.accepts(['json', 'html']) === 'html') {
      res.type('html').send(
        `<!doctype html><html lang="${locale}"><head><meta charset="utf-8"><meta name="viewport" content="width=device-width, initial-scale=1">` +
          `<title>${translate(locale, 'page.title')}</title></head><body><main><h1>${message}</h1></main></body></html>`,
      );
    } else {
      res.json({ error: code, message });
    }
  };
}
