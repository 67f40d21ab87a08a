import { html } from '../../ui/html.ts';
import { csrfField, notice, page } from '../../ui/layout.ts';
import type { PatientPageContext } from './patient-pages.ts';
import type { PickablePatient } from '../../auth/patient-picker.ts';

export type { PickablePatient };

/** SMART standalone launch with launch/patient for an account that acts for several people: whose record the app gets. */
export function patientPickerPage(ctx: PatientPageContext, options: { action: string; appName: string; patients: readonly PickablePatient[]; error?: boolean }): string {
  return page(ctx, {
    title: ctx.t('picker.title'),
    body: html`<h1>${ctx.t('picker.title')}</h1>
${options.error ? notice(ctx.t('picker.none'), 'error') : ''}
<p>${ctx.t('picker.intro', { app: options.appName })}</p>
<form method="post" action="${options.action}">
${csrfField(ctx.csrfToken)}
<fieldset><legend>${ctx.t('picker.legend')}</legend>
${options.patients.map(
  (p, i) =>
    html`<div class="choice"><input type="radio" id="patient-${i}" name="patient" value="${p.id}"${i === 0 ? html` required` : ''}><label for="patient-${i}">${p.name}${
      p.birthDate ? html` <span class="muted">· ${ctx.t('picker.born', { date: ctx.dates.day(p.birthDate) })}</span>` : ''
    }</label></div>`,
)}
</fieldset>
<p class="actions"><button type="submit">${ctx.t('picker.submit')}</button></p>
</form>`,
  });
}
