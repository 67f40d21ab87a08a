/**
 * "Download your health record": what to include (the whole record or a date range), the document's
 * language, and the two downloads, each said in plain words. A GET form with two submit buttons
 * (formaction), so it works without JavaScript and a phone can save the file directly.
 */
import { html, type SafeHtml } from '../../ui/html.ts';
import { notice, page } from '../../ui/layout.ts';
import type { MessageKey } from '../../core/i18n/translate.ts';
import type { VisitChoice } from '../../export/record-download.ts';
import type { ShareChoice, ShareErrors, ShareFieldError } from '../../export/share-choice.ts';
import type { SentItems } from '../../export/transmit/sent-items.ts';
import { sentList } from './sent-list.ts';
import { patientBanner, type BannerPatient } from './record/record-layout.ts';
import { signedInNav, type PatientPageContext } from './patient-pages.ts';

export interface SharePageOptions {
  readonly patient: BannerPatient;
  readonly choice: ShareChoice;
  readonly errors?: ShareErrors;
  /** Recent visits, for the "one visit" choice. */
  readonly visits: readonly VisitChoice[];
  /** A message for the whole page (the record could not be read in full). */
  readonly failure?: MessageKey;
  /** Everything sent or shared from this record, with its status. */
  readonly sent: SentItems;
  /** A send or revocation that just happened. */
  readonly done?: 'email' | 'direct' | 'revoked' | 'notRevoked';
}

const doneKeys = { email: 'sent.done.email', direct: 'sent.done.direct', revoked: 'sent.done.revoked', notRevoked: 'sent.done.notRevoked' } as const;

const dateField = (ctx: PatientPageContext, id: 'from' | 'to', value: string, error: ShareFieldError | undefined): SafeHtml => {
  const described = [`${id}-hint`, error ? `${id}-error` : ''].filter(Boolean).join(' ');
  return html`<div class="field">
<label for="${id}">${ctx.t(id === 'from' ? 'share.from' : 'share.to')}</label>
<p class="hint" id="${id}-hint">${ctx.t('share.dateHint')}</p>
${error ? html`<p class="error" id="${id}-error">${ctx.t(error)}</p>` : ''}
<input id="${id}" name="${id}" type="date" value="${value}" aria-describedby="${described}"${error ? html` aria-invalid="true"` : ''}>
</div>`;
};

const visitField = (ctx: PatientPageContext, visits: readonly VisitChoice[], chosen: string, error: ShareFieldError | undefined): SafeHtml => {
  const described = ['visit-hint', error ? 'visit-error' : ''].filter(Boolean).join(' ');
  return html`<div class="field">
<label for="visit">${ctx.t('share.visit')}</label>
<p class="hint" id="visit-hint">${ctx.t('share.visitHint')}</p>
${error ? html`<p class="error" id="visit-error">${ctx.t(error)}</p>` : ''}
<select id="visit" name="visit" aria-describedby="${described}"${error ? html` aria-invalid="true"` : ''}>
<option value="">${ctx.t('share.visitPick')}</option>
${visits.map((v) => html`<option value="${v.id}"${v.id === chosen ? html` selected` : ''}>${ctx.dates.day(v.start)} · ${v.type ?? ctx.t('share.visitUntitled')}</option>`)}
</select>
</div>`;
};

const radio = (name: string, value: string, checked: boolean, label: string): SafeHtml =>
  html`<div class="choice"><input type="radio" id="${name}-${value}" name="${name}" value="${value}"${checked ? html` checked` : ''}><label for="${name}-${value}">${label}</label></div>`;

export function sharePage(ctx: PatientPageContext, options: SharePageOptions): string {
  const { choice, errors = {} } = options;
  const title = ctx.t('share.title');
  const hasErrors = !!(errors.from || errors.to || errors.visit);
  return page(ctx, {
    title: hasErrors ? `${ctx.t('share.errorTitle')} ${title}` : title,
    nav: signedInNav(ctx),
    body: html`${patientBanner(ctx, options.patient)}
<p class="breadcrumb"><a href="/">${ctx.t('nav.home')}</a> <span aria-hidden="true">›</span> <span>${title}</span></p>
<h1>${title}</h1>
${options.failure ? notice(ctx.t(options.failure), 'error') : ''}
${hasErrors ? notice(ctx.t('share.errorSummary'), 'error') : ''}
${options.done ? notice(ctx.t(doneKeys[options.done]), options.done === 'notRevoked' ? 'error' : 'info') : ''}
<p>${ctx.t('share.intro')}</p>
<form method="get" action="/share" novalidate>
<fieldset><legend>${ctx.t('share.what')}</legend>
${radio('what', 'all', choice.what === 'all', ctx.t('share.whatAll'))}
${radio('what', 'range', choice.what === 'range', ctx.t('share.whatRange'))}
${options.visits.length > 0 ? radio('what', 'visit', choice.what === 'visit', ctx.t('share.whatVisit')) : ''}
</fieldset>
<fieldset><legend>${ctx.t('share.rangeLegend')}</legend>
${dateField(ctx, 'from', choice.from, errors.from)}
${dateField(ctx, 'to', choice.to, errors.to)}
</fieldset>
${options.visits.length > 0 ? visitField(ctx, options.visits, choice.visit, errors.visit) : ''}
<fieldset><legend>${ctx.t('share.language')}</legend>
<p class="hint">${ctx.t('share.languageHint')}</p>
${radio('lang', 'es', choice.language === 'es', 'Español')}
${radio('lang', 'en', choice.language === 'en', 'English')}
</fieldset>
<h2>${ctx.t('share.pdfTitle')}</h2>
<p>${ctx.t('share.pdfExplain')}</p>
<p class="actions"><button type="submit" formaction="/share/download/summary.pdf">${ctx.t('share.pdfButton')}</button></p>
<h2>${ctx.t('share.ccdTitle')}</h2>
<p>${ctx.t('share.ccdExplain')}</p>
<p class="actions"><button type="submit" class="secondary" formaction="/share/download/ccd.xml">${ctx.t('share.ccdButton')}</button></p>
<h2>${ctx.t('share.jsonTitle')}</h2>
<p>${ctx.t('share.jsonExplain')}</p>
<p class="actions"><button type="submit" class="secondary" formaction="/share/download/record.json">${ctx.t('share.jsonButton')}</button></p>
<h2>${ctx.t('share.sendTitle')}</h2>
<p>${ctx.t('share.sendExplain')}</p>
<p class="actions"><button type="submit" formaction="/share/send">${ctx.t('share.sendButton')}</button></p>
</form>
${sentList(ctx, options.sent)}
<p class="muted">${ctx.t('share.privacy')}</p>`,
  });
}
