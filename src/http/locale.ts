import type { RequestHandler } from 'express';
import { parseCookie } from 'cookie';
import { isLocale, negotiateLocale, translate, type Locale, type MessageKey } from '../core/i18n/translate.ts';

export const localeCookie = 'puente_lang';

declare module 'express-serve-static-core' {
  interface Request {
    locale: Locale;
    t: (key: MessageKey, params?: Record<string, string | number>) => string;
  }
}

/**
 * The page language: the remembered choice (cookie), else Accept-Language, else Spanish.
 * Also parses cookies once for every later middleware.
 */
export const resolveLocale: RequestHandler = (req, _res, next) => {
  req.cookies = parseCookie(req.get('cookie') ?? '');
  const remembered = req.cookies[localeCookie];
  req.locale = isLocale(remembered) ? remembered : negotiateLocale(req.get('accept-language'));
  req.t = (key, params) => translate(req.locale, key, params);
  next();
};
