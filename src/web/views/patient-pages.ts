/** The patient-side pages of getting started: landing, sign-in, registration, password reset, link states. */
import { html, SafeHtml } from '../../ui/html.ts';
import type { MessageKey } from '../../core/i18n/translate.ts';
import type { LinkState } from '../../store/invitations.ts';
import { csrfField, field, notice, page, type PageContext, type PatientPageContext } from '../../ui/layout.ts';

export type { PatientPageContext };

export const landingPage = (ctx: PatientPageContext) =>
  page(ctx, {
    title: ctx.t('landing.title'),
    body: html`<h1>${ctx.t('landing.title')}</h1>
<p>${ctx.t('landing.intro')}</p>
<p class="actions"><a class="button" href="/auth/login">${ctx.t('landing.signIn')}</a> <a href="/password/forgot">${ctx.t('landing.forgot')}</a></p>
<p class="muted">${ctx.t('landing.noEmail', { phone: ctx.practicePhone })}</p>`,
  });

export function signInPage(ctx: PatientPageContext, options: { action: string; email?: string; failed?: boolean }): string {
  return page(ctx, {
    title: ctx.t('signIn.title'),
    body: html`<h1>${ctx.t('signIn.title')}</h1>
${options.failed ? notice(ctx.t('signIn.failed'), 'error') : ''}
<form method="post" action="${options.action}" novalidate>
${csrfField(ctx.csrfToken)}
${field({ id: 'email', label: ctx.t('signIn.email'), type: 'email', autocomplete: 'username', value: options.email ?? '', required: true })}
${field({ id: 'password', label: ctx.t('signIn.password'), type: 'password', autocomplete: 'current-password', required: true })}
${field({ id: 'birthDate', label: ctx.t('signIn.birthDate'), type: 'date', autocomplete: 'bday', hint: ctx.t('signIn.birthDateHint'), required: true })}
${field({ id: 'code', label: ctx.t('signIn.totp'), autocomplete: 'one-time-code', inputmode: 'numeric', hint: ctx.t('signIn.totpHint') })}
<p class="actions"><button type="submit">${ctx.t('signIn.submit')}</button> <a href="/password/forgot">${ctx.t('signIn.forgot')}</a></p>
</form>
<p class="muted">${ctx.t('landing.noEmail', { phone: ctx.practicePhone })}</p>`,
  });
}

export const signedInNav = (ctx: PageContext): SafeHtml => html`<nav aria-label="${ctx.t('nav.home')}">
  <a href="/">${ctx.t('nav.home')}</a>
  <a href="/messages">${ctx.t('messages.nav')}</a>
  <a href="/share">${ctx.t('share.nav')}</a>
  <a href="/account/apps">${ctx.t('nav.apps')}</a>
  <a href="/account/activity">${ctx.t('activity.nav')}</a>
  <a href="/account/family">${ctx.t('family.nav')}</a>
  <a href="/account/security">${ctx.t('nav.security')}</a>
  <form method="post" action="/auth/logout">${csrfField(ctx.csrfToken)}<button class="link" type="submit">${ctx.t('nav.signOut')}</button></form>
  <form method="post" action="/auth/logout-everywhere">${csrfField(ctx.csrfToken)}<button class="link" type="submit">${ctx.t('nav.signOutEverywhere')}</button></form>
</nav>`;

const linkKeys: Record<Exclude<LinkState, 'valid'>, [MessageKey, MessageKey]> = {
  expired: ['link.expired.title', 'link.expired.body'],
  used: ['link.used.title', 'link.used.body'],
  voided: ['link.voided.title', 'link.voided.body'],
  frozen: ['link.frozen.title', 'link.frozen.body'],
  invalid: ['link.invalid.title', 'link.invalid.body'],
};

export function linkStatePage(ctx: PatientPageContext, state: Exclude<LinkState, 'valid'>): string {
  const [title, body] = linkKeys[state];
  return page(ctx, {
    title: ctx.t(title),
    body: html`<h1>${ctx.t(title)}</h1><p>${ctx.t(body, { phone: ctx.practicePhone })}</p>
<p><a href="/auth/login">${ctx.t('landing.signIn')}</a></p>`,
  });
}

export function registrationPage(ctx: PatientPageContext, options: { token: string; birthDateError?: string; passwordError?: string }): string {
  return page(ctx, {
    title: ctx.t('register.title'),
    body: html`<h1>${ctx.t('register.title')}</h1>
<p>${ctx.t('register.intro')}</p>
<form method="post" action="/register" novalidate>
${csrfField(ctx.csrfToken)}
<input type="hidden" name="t" value="${options.token}">
${field({ id: 'birthDate', label: ctx.t('signIn.birthDate'), type: 'date', autocomplete: 'bday', hint: ctx.t('signIn.birthDateHint'), error: options.birthDateError, required: true })}
${field({ id: 'password', label: ctx.t('register.password'), type: 'password', autocomplete: 'new-password', hint: ctx.t('register.passwordHint'), error: options.passwordError, required: true })}
<p class="actions"><button type="submit">${ctx.t('register.submit')}</button></p>
</form>`,
  });
}

export const registeredPage = (ctx: PatientPageContext) =>
  page(ctx, {
    title: ctx.t('register.doneTitle'),
    body: html`<h1>${ctx.t('register.doneTitle')}</h1><p>${ctx.t('register.doneBody')}</p>
<p class="actions"><a class="button" href="/auth/login">${ctx.t('landing.signIn')}</a></p>`,
  });

export function forgotPasswordPage(ctx: PatientPageContext, options: { sent?: boolean }): string {
  return page(ctx, {
    title: ctx.t('forgot.title'),
    body: html`<h1>${ctx.t('forgot.title')}</h1>
${options.sent ? notice(ctx.t('forgot.sent')) : ''}
<p>${ctx.t('forgot.intro')}</p>
<form method="post" action="/password/forgot" novalidate>
${csrfField(ctx.csrfToken)}
${field({ id: 'email', label: ctx.t('signIn.email'), type: 'email', autocomplete: 'username', required: true })}
${field({ id: 'birthDate', label: ctx.t('signIn.birthDate'), type: 'date', autocomplete: 'bday', hint: ctx.t('signIn.birthDateHint'), required: true })}
<p class="actions"><button type="submit">${ctx.t('forgot.submit')}</button></p>
</form>`,
  });
}

export function resetPasswordPage(ctx: PatientPageContext, options: { token: string; passwordError?: string }): string {
  return page(ctx, {
    title: ctx.t('reset.title'),
    body: html`<h1>${ctx.t('reset.title')}</h1>
<form method="post" action="/password/reset" novalidate>
${csrfField(ctx.csrfToken)}
<input type="hidden" name="t" value="${options.token}">
${field({ id: 'password', label: ctx.t('register.password'), type: 'password', autocomplete: 'new-password', hint: ctx.t('register.passwordHint'), error: options.passwordError, required: true })}
<p class="actions"><button type="submit">${ctx.t('reset.submit')}</button></p>
</form>`,
  });
}

export const messagePage = (ctx: PatientPageContext, title: string, body: string) =>
  page(ctx, {
    title,
    body: html`<h1>${title}</h1><p>${body}</p><p class="actions"><a class="button" href="/auth/login">${ctx.t('landing.signIn')}</a></p>`,
  });

export function securityPage(
  ctx: PatientPageContext,
  options: { enabled: boolean; proposal?: { secret: string; qrSvg: string }; message?: { text: string; kind: 'info' | 'error' } },
): string {
  return page(ctx, {
    title: ctx.t('security.title'),
    nav: signedInNav(ctx),
    body: html`<h1>${ctx.t('security.title')}</h1>
${options.message ? notice(options.message.text, options.message.kind) : ''}
<p>${ctx.t('security.intro')}</p>
<p>${ctx.t(options.enabled ? 'security.on' : 'security.off')}</p>
${
  options.proposal
    ? html`<p>${ctx.t('security.scan')}</p>
<figure role="img" aria-label="${ctx.t('security.scan')}">${new SafeHtml(options.proposal.qrSvg)}</figure>
<p>${ctx.t('security.key')}: <code>${options.proposal.secret}</code></p>
<form method="post" action="/account/security/confirm" novalidate>${csrfField(ctx.csrfToken)}
${field({ id: 'code', label: ctx.t('security.code'), autocomplete: 'one-time-code', inputmode: 'numeric', required: true })}
<p class="actions"><button type="submit">${ctx.t('security.confirm')}</button></p></form>`
    : options.enabled
      ? html`<form method="post" action="/account/security/disable">${csrfField(ctx.csrfToken)}<button class="secondary" type="submit">${ctx.t('security.disable')}</button></form>`
      : html`<form method="post" action="/account/security/start">${csrfField(ctx.csrfToken)}<button type="submit">${ctx.t('security.start')}</button></form>`
}`,
  });
}

/** The authorization server's error page (an app sent a request the portal cannot accept). */
export function oauthErrorPage(ctx: PatientPageContext, code: string): string {
  return page(ctx, {
    title: ctx.t('oauth.errorTitle'),
    body: html`<h1>${ctx.t('oauth.errorTitle')}</h1><p>${ctx.t('oauth.errorBody', { code, phone: ctx.practicePhone })}</p><p><a href="/">${ctx.t('nav.home')}</a></p>`,
  });
}
