import { html, type SafeHtml } from '../../ui/html.ts';
import type { MessageKey } from '../../core/i18n/translate.ts';
import type { ScopeChoice } from '../../access/scope-choices.ts';
import { csrfField, notice, page } from '../../ui/layout.ts';
import type { PickablePatient } from './patient-picker-page.ts';
import type { PatientPageContext } from './patient-pages.ts';

/** A scope in plain words: "Everything…", a type ("Allergies"), or a type and category ("Test results… — Laboratory results"). */
export function describeScope(ctx: PatientPageContext, choice: ScopeChoice): string {
  if (choice.type === '*') return ctx.t('consent.all');
  const type = ctx.t(`fhirType.${choice.type}` as MessageKey);
  return choice.category ? `${type} — ${ctx.t(`category.${choice.category}` as MessageKey)}` : type;
}

const box = (ctx: PatientPageContext, choice: ScopeChoice, index: string, checked: boolean): SafeHtml =>
  html`<div class="choice"><input type="checkbox" id="scope-${index}" name="scope" value="${choice.scope}"${checked ? html` checked` : ''}><label for="scope-${index}">${describeScope(ctx, choice)}</label></div>`;

export function consentPage(
  ctx: PatientPageContext,
  options: {
    action: string;
    appName: string;
    requested: ScopeChoice[];
    narrower: ScopeChoice[];
    offline: boolean;
    error?: boolean;
    /** The patient chosen in the picker: the consent names whose record the app gets. */
    patient?: PickablePatient;
    /** A family member's limited Consent, in words: the app can get no more than these parts. */
    limitedTo?: readonly string[];
  },
): string {
  return page(ctx, {
    title: ctx.t('consent.title', { app: options.appName }),
    body: html`<h1>${ctx.t('consent.title', { app: options.appName })}</h1>
${options.error ? notice(ctx.t('consent.none'), 'error') : ''}
${
  options.patient
    ? html`<p><strong>${ctx.t('consent.whose', { name: options.patient.name })}</strong>${
        options.patient.birthDate ? html` <span class="muted">· ${ctx.t('picker.born', { date: ctx.dates.day(options.patient.birthDate) })}</span>` : ''
      }</p>`
    : ''
}
<p>${ctx.t('consent.intro', { app: options.appName })}</p>
<p>${ctx.t('consent.readOnly')}</p>
${options.limitedTo ? html`<div class="notice info" role="status"><p>${ctx.t('family.consentLimited')}</p><ul>${options.limitedTo.map((part) => html`<li>${part}</li>`)}</ul></div>` : ''}
${options.offline ? notice(ctx.t('consent.offlineWarning')) : ''}
<form method="post" action="${options.action}">
${csrfField(ctx.csrfToken)}
<fieldset><legend>${ctx.t('apps.sees')}</legend>
${options.requested.map((choice, i) => box(ctx, choice, `r${i}`, true))}
${options.narrower.length > 0 ? html`<details><summary>${ctx.t('consent.narrower')}</summary>${options.narrower.map((choice, i) => box(ctx, choice, `n${i}`, false))}</details>` : ''}
</fieldset>
${
  options.offline
    ? html`<div class="choice"><input type="checkbox" id="offline" name="offline" value="yes" checked><label for="offline">${ctx.t('consent.offline')}</label></div>`
    : ''
}
<p class="actions"><button type="submit" name="decision" value="allow">${ctx.t('consent.approve')}</button>
<button class="secondary" type="submit" name="decision" value="deny">${ctx.t('consent.deny')}</button></p>
</form>`,
  });
}
