import { html, SafeHtml } from '../ui/html.ts';
import type { AccountRow } from '../store/accounts.ts';
import type { NewStaffCredentials } from '../accounts/manage-staff.ts';
import { csrfField, field, notice, page, type PageContext } from '../ui/layout.ts';
import { staffNav } from './views.ts';

export function staffAdminPage(ctx: PageContext, options: { staff: AccountRow[]; self: string; created?: NewStaffCredentials; invalid?: boolean }): string {
  const created = options.created;
  return page(ctx, {
    title: ctx.t('staff.admin.title'),
    nav: staffNav(ctx, true),
    body: html`<h1>${ctx.t('staff.admin.title')}</h1>
${options.invalid ? notice(ctx.t('staff.admin.invalid'), 'error') : ''}
${
  created
    ? html`<section class="card" aria-labelledby="created">
<h2 id="created">${ctx.t('staff.admin.created', { email: created.email })}</h2>
<p>${ctx.t('staff.admin.password')}: <code>${created.temporaryPassword}</code></p>
<p>${ctx.t('staff.admin.totp')}: <code>${created.totpSecret}</code></p>
<figure role="img" aria-label="${ctx.t('staff.admin.totp')}">${new SafeHtml(created.totpQrSvg)}</figure>
</section>`
    : ''
}
<ul class="plain">${options.staff.map(
      (
        member,
      ) => html`<li>${member.email} · ${ctx.t(member.status === 'active' ? 'staff.admin.active' : 'staff.admin.disabled')} · ${ctx.t('staff.admin.roles', { roles: member.roles.join(', ') })}
${
  member.id === options.self
    ? ''
    : html`<form method="post" action="/staff/admin/${member.id}/${member.status === 'active' ? 'disable' : 'enable'}">${csrfField(ctx.csrfToken)}<button class="secondary" type="submit">${ctx.t(
        member.status === 'active' ? 'staff.admin.disable' : 'staff.admin.enable',
      )}</button></form>`
}</li>`,
    )}</ul>
<h2 id="create">${ctx.t('staff.admin.create')}</h2>
<form method="post" action="/staff/admin" novalidate aria-labelledby="create">
${csrfField(ctx.csrfToken)}
${field({ id: 'email', label: ctx.t('signIn.email'), type: 'email', autocomplete: 'off', required: true })}
${field({ id: 'givenName', label: ctx.t('staff.admin.givenName'), autocomplete: 'off', required: true })}
${field({ id: 'familyName', label: ctx.t('staff.admin.familyName'), autocomplete: 'off', required: true })}
<div class="choice"><input type="checkbox" id="admin" name="admin" value="yes"><label for="admin">${ctx.t('staff.admin.isAdmin')}</label></div>
<p class="actions"><button type="submit">${ctx.t('staff.admin.submit')}</button></p>
</form>`,
  });
}
