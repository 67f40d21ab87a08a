import type { ErrorPageInput } from '../http/error-handler.ts';
import type { Practice } from '../config/config.ts';
import { dateFormatter } from '../core/fhir/dates.ts';
import { html } from './html.ts';
import { page } from './layout.ts';

/** The page every surface shows for an error: the localized message, a retry for passing failures, a way home. */
export function errorPage(input: ErrorPageInput, practice: Practice): string {
  const { locale, t, path, message, retryHref } = input;
  const retry = retryHref ? html`<p class="actions"><a class="button" href="${retryHref}">${t('error.retry')}</a></p>` : '';
  return page(
    { locale, t, path, practiceName: practice.name, dates: dateFormatter(locale, practice.timeZone) },
    { title: message, body: html`<h1>${message}</h1>${retry}<p><a href="/">${t('nav.home')}</a></p>` },
  );
}
