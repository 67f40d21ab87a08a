import type { Request } from 'express';
import type { Practice } from '../accounts/emails.ts';
import type { PatientPageContext } from './views/patient-pages.ts';

/** What every page needs from the request: language, translations, CSRF token, the practice. */
export const pageContext = (req: Request, practice: Practice): PatientPageContext => ({
  locale: req.locale,
  t: req.t,
  path: req.originalUrl.split('?')[0] ?? '/',
  practiceName: practice.name,
  practicePhone: practice.phone,
  csrfToken: req.csrfToken,
});

/** Waits before answering a failed attempt (growing delays against guessing, NIST SP 800-63B §5.2.2). */
export const pause = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));
