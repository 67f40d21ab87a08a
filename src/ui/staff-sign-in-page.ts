/**
 * The staff sign-in form (email, password, TOTP), shared by the staff console and the authorization
 * server's EHR-launch sign-in (`action` says where it posts).
 */
import { html } from './html.ts';
import { csrfField, field, notice, page, type PageContext } from './layout.ts';

export function staffSignInPage(ctx: PageContext, options: { email?: string; failed?: boolean; action?: string }): string {
  return page(ctx, {
    title: ctx.t('staff.signIn.title'),
    body: html`<h1>${ctx.t('staff.signIn.title')}</h1>
${options.failed ? notice(ctx.t('staff.signIn.failed'), 'error') : ''}
<form method="post" action="${options.action ?? '/staff/login'}" novalidate>
${csrfField(ctx.csrfToken)}
${field({ id: 'email', label: ctx.t('signIn.email'), type: 'email', autocomplete: 'username', value: options.email ?? '', required: true })}
${field({ id: 'password', label: ctx.t('signIn.password'), type: 'password', autocomplete: 'current-password', required: true })}
${field({ id: 'code', label: ctx.t('staff.totp'), autocomplete: 'one-time-code', inputmode: 'numeric', required: true })}
<p class="actions"><button type="submit">${ctx.t('signIn.submit')}</button></p>
</form>`,
  });
}
