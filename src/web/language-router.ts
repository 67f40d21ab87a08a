import { Router } from 'express';
import { isLocale } from '../core/i18n/translate.ts';
import { localeCookie } from '../http/locale.ts';
import { safeReturnPath } from '../http/session.ts';

/** Switches the page language and remembers the choice for a year; works without JavaScript. */
export function createLanguageRouter(options: { secure: boolean }): Router {
  const router = Router();
  router.get('/lang/:locale', (req, res) => {
    const locale = req.params['locale'];
    if (isLocale(locale)) res.cookie(localeCookie, locale, { maxAge: 365 * 24 * 3600_000, sameSite: 'lax', secure: options.secure, httpOnly: true, path: '/' });
    res.redirect(303, safeReturnPath(req.query['next']));
  });
  return router;
}
