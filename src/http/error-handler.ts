import type { ErrorRequestHandler, RequestHandler } from 'express';
import { AppError, isAppError, SignInRequired, type ErrorCode } from '../core/errors.ts';
import { negotiateLocale, translate, type Locale, type MessageKey } from '../core/i18n/translate.ts';
import type { Logger } from '../core/log.ts';

/** Unknown paths: the same localized answer as any other not-found. */
export const notFound: RequestHandler = (_req, _res, next) => next(new AppError('not_found', 404));

/** What an error page is rendered from (the page itself belongs to src/ui/error-page.ts). */
export interface ErrorPageInput {
  readonly locale: Locale;
  readonly t: (key: MessageKey, params?: Record<string, string | number>) => string;
  /** The path of the page that failed (for the language switch). */
  readonly path: string;
  readonly message: string;
  /** Where a "Try again" button leads, for failures worth retrying (5xx). */
  readonly retryHref: string | undefined;
}

/**
 * The fallback error handler: a stable code and a localized message, as JSON or a page with a way
 * back. Stack traces and upstream diagnostics are logged by class and code only, never sent.
 */
export function errorHandler(log: Logger, renderPage: (input: ErrorPageInput) => string): ErrorRequestHandler {
  return (error: unknown, req, res, _next) => {
    if (error instanceof SignInRequired) return res.redirect(303, `/auth/login?next=${encodeURIComponent(req.originalUrl)}`);
    const known = isAppError(error);
    // Express's body parsers signal malformed input with a 4xx status on the error.
    const clientStatus = (error as { status?: number }).status;
    const code: ErrorCode = known ? error.code : clientStatus && clientStatus >= 400 && clientStatus < 500 ? 'bad_request' : 'internal_error';
    const status = known ? error.status : code === 'bad_request' ? clientStatus! : 500;
    if (status >= 500) log.error({ code, errorClass: (error as Error)?.name }, 'request failed');
    if (res.headersSent) return;
    const locale = req.locale ?? negotiateLocale(req.get('accept-language'));
    const t = (key: MessageKey, params?: Record<string, string | number>) => translate(locale, key, params);
    const message = t(`error.${code}`);
    res.status(status).set('Cache-Control', 'no-store');
    if (req.accepts(['json', 'html']) === 'html') {
      res.type('html').send(renderPage({ locale, t, path: req.originalUrl.split('?')[0] ?? '/', message, retryHref: status >= 500 ? req.originalUrl : undefined }));
    } else {
      res.json({ error: code, message });
    }
  };
}
