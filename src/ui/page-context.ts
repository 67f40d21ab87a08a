import type { Request } from 'express';
import type { Practice } from '../config/config.ts';
import { dateFormatter } from '../core/fhir/dates.ts';
import type { PatientPageContext } from './layout.ts';

/** What every page needs from the request: language, translations, CSRF token, the practice. */
export const pageContext = (req: Request, practice: Practice): PatientPageContext => ({
  locale: req.locale,
  t: req.t,
  path: req.originalUrl.split('?')[0] ?? '/',
  practiceName: practice.name,
  practicePhone: practice.phone,
  csrfToken: req.csrfToken,
  dates: dateFormatter(req.locale, practice.timeZone),
});
