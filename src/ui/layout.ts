/**
 * The page shell shared by patient and staff pages: language declared, skip link, landmarks,
 * a language switch that works without JavaScript, and one stylesheet (phone first).
 */
import { html, type SafeHtml } from './html.ts';
import type { Locale, MessageKey } from '../core/i18n/translate.ts';
import type { DateFormatter } from '../core/fhir/dates.ts';

export interface PageContext {
  readonly locale: Locale;
  readonly t: (key: MessageKey, params?: Record<string, string | number>) => string;
  /** The path of this page, so the language switch can come back to it. */
  readonly path: string;
  readonly practiceName: string;
  readonly csrfToken?: string;
  /** Dates in the visitor's language, times in the practice's time zone. */
  readonly dates: DateFormatter;
}

/** Patient-side pages also name the practice's phone (the way to get help when something fails). */
export interface PatientPageContext extends PageContext {
  readonly practicePhone: string;
}

export interface PageOptions {
  readonly title: string;
  readonly body: SafeHtml;
  /** Navigation shown to a signed-in user (sign-out forms and links). */
  readonly nav?: SafeHtml;
}

export function page(ctx: PageContext, options: PageOptions): string {
  const other: Locale = ctx.locale === 'es' ? 'en' : 'es';
  const otherName = other === 'es' ? 'Español' : 'English';
  return html`<!doctype html>
<html lang="${ctx.locale}">
<head>
<meta charset="utf-8">
<meta name="viewport" content="width=device-width, initial-scale=1">
<meta name="referrer" content="no-referrer">
<title>${options.title} · ${ctx.practiceName}</title>
<link rel="icon" href="/favicon.svg" type="image/svg+xml">
<link rel="stylesheet" href="/assets/portal.css">
</head>
<body>
<a class="skip" href="#main">${ctx.t('nav.skip')}</a>
<header class="site">
  <p class="brand">${ctx.practiceName}</p>
  <nav aria-label="${ctx.t('nav.language')}">
    <a href="/lang/${other}?next=${encodeURIComponent(ctx.path)}" hreflang="${other}" lang="${other}">${otherName}</a>
  </nav>
  ${options.nav ?? ''}
</header>
<main id="main" tabindex="-1">
${options.body}
</main>
</body>
</html>`.value;
}

/** A hidden CSRF field for a form. */
export const csrfField = (token: string | undefined): SafeHtml => html`<input type="hidden" name="_csrf" value="${token ?? ''}">`;

/** A labelled input with an optional hint and error, wired with aria-describedby. */
export function field(options: {
  id: string;
  label: string;
  type?: string;
  value?: string;
  autocomplete?: string;
  hint?: string;
  error?: string;
  required?: boolean;
  inputmode?: string;
}): SafeHtml {
  const described = [options.hint ? `${options.id}-hint` : '', options.error ? `${options.id}-error` : ''].filter(Boolean).join(' ');
  return html`<div class="field">
  <label for="${options.id}">${options.label}</label>
  ${options.hint ? html`<p class="hint" id="${options.id}-hint">${options.hint}</p>` : ''}
  ${options.error ? html`<p class="error" id="${options.id}-error">${options.error}</p>` : ''}
  <input id="${options.id}" name="${options.id}" type="${options.type ?? 'text'}" value="${options.value ?? ''}"${
    options.autocomplete ? html` autocomplete="${options.autocomplete}"` : ''
  }${options.inputmode ? html` inputmode="${options.inputmode}"` : ''}${options.required ? html` required` : ''}${
    described ? html` aria-describedby="${described}"` : ''
  }${options.error ? html` aria-invalid="true"` : ''}>
</div>`;
}

/** A message box announced to screen readers. */
export const notice = (text: string, kind: 'info' | 'error' = 'info'): SafeHtml =>
  html`<div class="notice ${kind}" role="${kind === 'error' ? 'alert' : 'status'}"><p>${text}</p></div>`;
