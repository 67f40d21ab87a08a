import type { ErrorRequestHandler, RequestHandler } from 'express';
import { html } from '../core/html.ts';
import { AppError, isAppError, type ErrorCode } from '../core/errors.ts';
import { negotiateLocale, translate } from '../core/i18n/translate.ts';
import type { Logger } from '../core/log.ts';
import { SignInRequired } from './record-client.ts';
import { page } from './views/layout.ts';

/** Unknown paths: the same localized answer as any other not-found. */
export const notFound: RequestHandler = (_req, _res, next) => next(new AppError('not_found', 404));

/**
 * The fallback error handler: a stable code and a localized message, as JSON or a page with a way
 * back. Stack traces and upstream diagnostics are logged by class and code only, never sent.
 */
export function errorHandler(log: Logger, practiceName: string): ErrorRequestHandler {
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
    const t = (key: Parameters<typeof translate>[1], params?: Record<string, string | number>) => translate(locale, key, params);
    const message = t(`error.${code}`);
    res.status(status).set('Cache-Control', 'no-store');
    if (req.accepts(['json', 'html']) === 'html') {
      const retry = status >= 500 ? html`<p class="actions"><a class="button" href="${req.originalUrl}">${t('error.retry')}</a></p>` : '';
      res.type('html').send(
        page(
          { locale, t, path: req.originalUrl.split('?')[0] ?? '/', practiceName },
          { title: message, body: html`<h1>${message}</h1>${retry}<p><a href="/">${t('nav.home')}</a></p>` },
        ),
      );
    } else {
      res.json({ error: code, message });
    }
  };
}
