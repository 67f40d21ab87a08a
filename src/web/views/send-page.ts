/**
 * "Send or share your health record" (/share/send): what was chosen on /share, in words, and three ways
 * to send it, each its own POST form carrying the choice as hidden fields (so it works without
 * JavaScript): a share link with a passcode (recommended), an email (by default only the link), and a
 * Direct secure message to a doctor's Direct address. A refused form comes back with its fields as typed
 * (never the passcode) and a message for each field.
 */
import { html, SafeHtml } from '../../ui/html.ts';
import { csrfField, notice, page } from '../../ui/layout.ts';
import type { MessageKey } from '../../core/i18n/translate.ts';
import type { ShareChoice } from '../../export/share-choice.ts';
import type { SendErrors, SendFields, SendFormat } from '../../export/transmit/send-request.ts';
import { patientBanner, type BannerPatient } from './record/record-layout.ts';
import { signedInNav, type PatientPageContext } from './patient-pages.ts';

export type SendMethod = 'link' | 'email' | 'direct';

export interface SendPageOptions {
  readonly patient: BannerPatient;
  readonly choice: ShareChoice;
  /** The choice in words, e.g. "The whole record, in Spanish". */
  readonly choiceInWords: string;
  readonly defaultExpiry: string;
  /** Whether the practice has Direct set up (otherwise the Direct form is not offered). */
  readonly directAvailable: boolean;
  readonly recentDirectAddresses: readonly string[];
  /** The form that was refused, with what was typed and why. */
  readonly refused?: { readonly method: SendMethod; readonly fields: SendFields; readonly errors: SendErrors; readonly message?: MessageKey };
}

const hiddenChoice = (choice: ShareChoice): SafeHtml =>
  html`<input type="hidden" name="what" value="${choice.what}"><input type="hidden" name="from" value="${choice.from}"><input type="hidden" name="to" value="${choice.to}"><input type="hidden" name="visit" value="${choice.visit}"><input type="hidden" name="lang" value="${choice.language}">`;

interface InputOptions {
  readonly form: SendMethod;
  readonly name: string;
  readonly label: string;
  readonly type?: string;
  readonly value?: string;
  readonly hint?: string;
  readonly error?: MessageKey | undefined;
  readonly autocomplete?: string;
  readonly list?: string;
}

/** A labelled input whose id is unique on the page (form-name) while its name is the field's. */
function input(ctx: PatientPageContext, o: InputOptions): SafeHtml {
  const id = `${o.form}-${o.name}`;
  const described = [o.hint ? `${id}-hint` : '', o.error ? `${id}-error` : ''].filter(Boolean).join(' ');
  return html`<div class="field">
<label for="${id}">${o.label}</label>
${o.hint ? html`<p class="hint" id="${id}-hint">${o.hint}</p>` : ''}
${o.error ? html`<p class="error" id="${id}-error">${ctx.t(o.error)}</p>` : ''}
<input id="${id}" name="${o.name}" type="${o.type ?? 'text'}" value="${o.value ?? ''}" autocomplete="${o.autocomplete ?? 'off'}"${o.list ? html` list="${o.list}"` : ''}${
    described ? html` aria-describedby="${described}"` : ''
  }${o.error ? html` aria-invalid="true"` : ''}>
</div>`;
}

const formatLabels: Record<SendFormat, MessageKey> = { pdf: 'send.format.pdf', ccd: 'send.format.ccd', fhir: 'send.format.fhir' };

function formatChoice(ctx: PatientPageContext, form: SendMethod, chosen: readonly SendFormat[], error: MessageKey | undefined): SafeHtml {
  return html`<fieldset${error ? html` aria-describedby="${form}-formats-error"` : ''}><legend>${ctx.t('send.formats')}</legend>
${error ? html`<p class="error" id="${form}-formats-error">${ctx.t(error)}</p>` : ''}
${(Object.keys(formatLabels) as SendFormat[]).map(
  (format) =>
    html`<div class="choice"><input type="checkbox" id="${form}-format-${format}" name="formats" value="${format}"${chosen.includes(format) ? html` checked` : ''}><label for="${form}-format-${format}">${ctx.t(formatLabels[format])}</label></div>`,
)}
</fieldset>`;
}

/** The passcode, last day and files of a link (the share-link form and the email form both have them). */
function linkTerms(ctx: PatientPageContext, form: SendMethod, fields: SendFields, errors: SendErrors): SafeHtml {
  return html`${input(ctx, { form, name: 'passcode', label: ctx.t('send.passcode'), hint: ctx.t('send.passcodeHint'), error: errors.passcode })}
${input(ctx, { form, name: 'expires', type: 'date', label: ctx.t('send.expires'), hint: ctx.t('send.expiresHint'), value: fields.expires, error: errors.expires })}
${formatChoice(ctx, form, fields.formats, errors.formats)}`;
}

export function sendPage(ctx: PatientPageContext, options: SendPageOptions): string {
  const title = ctx.t('send.title');
  const refused = options.refused;
  const blank: SendFields = { address: '', label: '', expires: options.defaultExpiry, formats: ['pdf', 'ccd', 'fhir'], attach: false, understood: false };
  const fieldsOf = (method: SendMethod) => (refused?.method === method ? refused.fields : blank);
  const errorsOf = (method: SendMethod): SendErrors => (refused?.method === method ? refused.errors : {});
  const back = `/share?${new URLSearchParams({ what: options.choice.what, from: options.choice.from, to: options.choice.to, visit: options.choice.visit, lang: options.choice.language })}`;
  const link = fieldsOf('link');
  const email = fieldsOf('email');
  const direct = fieldsOf('direct');
  return page(ctx, {
    title: refused ? `${ctx.t('share.errorTitle')} ${title}` : title,
    nav: signedInNav(ctx),
    body: html`${patientBanner(ctx, options.patient)}
<p class="breadcrumb"><a href="/">${ctx.t('nav.home')}</a> <span aria-hidden="true">›</span> <a href="/share">${ctx.t('share.title')}</a> <span aria-hidden="true">›</span> <span>${title}</span></p>
<h1>${title}</h1>
${refused ? notice(ctx.t(refused.message ?? 'send.errorSummary'), 'error') : ''}
<p>${ctx.t('send.intro')}</p>
<p><strong>${ctx.t('send.chosen')}</strong> ${options.choiceInWords} <a href="${back}">${ctx.t('send.change')}</a></p>

<section aria-labelledby="link-title">
<h2 id="link-title">${ctx.t('send.link.title')}</h2>
<p>${ctx.t('send.link.explain')}</p>
<form method="post" action="/share/send/link" novalidate>${csrfField(ctx.csrfToken)}${hiddenChoice(options.choice)}
${input(ctx, { form: 'link', name: 'label', label: ctx.t('send.label'), hint: ctx.t('send.labelHint'), value: link.label, error: errorsOf('link').label })}
${linkTerms(ctx, 'link', link, errorsOf('link'))}
<p class="actions"><button type="submit">${ctx.t('send.link.button')}</button></p>
</form>
</section>

<section aria-labelledby="email-title">
<h2 id="email-title">${ctx.t('send.email.title')}</h2>
<p>${ctx.t('send.email.explain')}</p>
<form method="post" action="/share/send/email" novalidate>${csrfField(ctx.csrfToken)}${hiddenChoice(options.choice)}
${input(ctx, { form: 'email', name: 'address', type: 'email', label: ctx.t('send.email.address'), value: email.address, error: errorsOf('email').address, autocomplete: 'email' })}
<fieldset><legend>${ctx.t('send.email.how')}</legend>
<div class="choice"><input type="radio" id="email-attach-link" name="attach" value="link"${email.attach ? '' : html` checked`}><label for="email-attach-link">${ctx.t('send.email.onlyLink')}</label></div>
<div class="choice"><input type="radio" id="email-attach-files" name="attach" value="files"${email.attach ? html` checked` : ''}><label for="email-attach-files">${ctx.t('send.email.attachFiles')}</label></div>
</fieldset>
${linkTerms(ctx, 'email', email, errorsOf('email'))}
<div class="notice info"><p>${ctx.t('send.email.warning')}</p></div>
${errorsOf('email').understood ? html`<p class="error" id="email-understood-error">${ctx.t(errorsOf('email').understood!)}</p>` : ''}
<div class="choice"><input type="checkbox" id="email-understood" name="understood" value="yes"${email.understood ? html` checked` : ''}${
      errorsOf('email').understood ? html` aria-describedby="email-understood-error" aria-invalid="true"` : ''
    }><label for="email-understood">${ctx.t('send.email.understood')}</label></div>
<p class="actions"><button type="submit" class="secondary">${ctx.t('send.email.button')}</button></p>
</form>
</section>

<section aria-labelledby="direct-title">
<h2 id="direct-title">${ctx.t('send.direct.title')}</h2>
${
  options.directAvailable
    ? html`<p>${ctx.t('send.direct.explain')}</p>
<form method="post" action="/share/send/direct" novalidate>${csrfField(ctx.csrfToken)}${hiddenChoice(options.choice)}
${input(ctx, {
  form: 'direct',
  name: 'address',
  type: 'email',
  label: ctx.t('send.direct.address'),
  hint: ctx.t('send.direct.addressHint'),
  value: direct.address,
  error: errorsOf('direct').address,
  ...(options.recentDirectAddresses.length > 0 ? { list: 'direct-recent' } : {}),
})}
${options.recentDirectAddresses.length > 0 ? html`<datalist id="direct-recent">${options.recentDirectAddresses.map((a) => html`<option value="${a}"></option>`)}</datalist>` : ''}
<p class="actions"><button type="submit" class="secondary">${ctx.t('send.direct.button')}</button></p>
</form>`
    : html`<p>${ctx.t('send.direct.unavailable', { phone: ctx.practicePhone })}</p>`
}
</section>`,
  });
}

export interface LinkReadyOptions {
  readonly patient: BannerPatient;
  readonly link: string;
  readonly qrSvg: string;
  readonly lastDay: string;
  readonly label: string;
}

/** The new link, shown once (its key is stored nowhere): to copy, or to scan from the patient's phone. */
export function linkReadyPage(ctx: PatientPageContext, options: LinkReadyOptions): string {
  const title = ctx.t('send.ready.title');
  return page(ctx, {
    title,
    nav: signedInNav(ctx),
    body: html`${patientBanner(ctx, options.patient)}
<h1>${title}</h1>
${notice(ctx.t('send.ready.once'))}
<p>${ctx.t('send.ready.for', { label: options.label, day: options.lastDay })}</p>
<div class="field"><label for="share-link">${ctx.t('send.ready.link')}</label>
<textarea id="share-link" readonly rows="4" aria-describedby="share-link-hint">${options.link}</textarea>
<p class="hint" id="share-link-hint">${ctx.t('send.ready.copy')}</p></div>
<figure role="img" aria-label="${ctx.t('send.ready.qr')}">${new SafeHtml(options.qrSvg)}</figure>
<p>${ctx.t('send.ready.passcode')}</p>
<p><a href="/share#sent">${ctx.t('send.ready.back')}</a></p>`,
  });
}
