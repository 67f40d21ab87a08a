/**
 * "Account activity": who viewed, downloaded or sent the record and when someone signed in, newest
 * first, 50 rows a page with an "older" link (a cursor, not a page number). The filter is a GET form,
 * so the page works without JavaScript; a list of short cards reads well on a phone.
 */
import { html } from '../../ui/html.ts';
import { page } from '../../ui/layout.ts';
import type { ActivityKind, ActivityPage } from '../../accounts/activity-log.ts';
import { activityKinds } from '../../accounts/activity-log.ts';
import { signedInNav, type PatientPageContext } from './patient-pages.ts';

export function activityPage(ctx: PatientPageContext, options: { readonly kind: ActivityKind; readonly activity: ActivityPage; readonly paged: boolean }): string {
  const title = ctx.t('activity.title');
  const { rows, older } = options.activity;
  const kindQuery = options.kind === 'all' ? '' : `kind=${options.kind}&`;
  return page(ctx, {
    title,
    nav: signedInNav(ctx),
    body: html`<p class="breadcrumb"><a href="/">${ctx.t('nav.home')}</a> <span aria-hidden="true">›</span> <span>${title}</span></p>
<h1>${title}</h1>
<p>${ctx.t('activity.intro')}</p>
<form method="get" action="/account/activity">
<div class="field">
<label for="kind">${ctx.t('activity.filter')}</label>
<select id="kind" name="kind">
${activityKinds.map((kind) => html`<option value="${kind}"${kind === options.kind ? html` selected` : ''}>${ctx.t(`activity.kind.${kind}`)}</option>`)}
</select>
</div>
<p class="actions"><button type="submit" class="secondary">${ctx.t('activity.apply')}</button></p>
</form>
${
  rows.length === 0
    ? html`<p>${ctx.t('activity.none')}</p>`
    : html`<ol class="plain activity">
${rows.map(
  (row) => html`<li class="card"><p><strong>${row.action}</strong></p>
<p>${ctx.t('activity.by', { name: row.who })}</p>
<p class="muted"><time datetime="${row.at}">${row.when}</time></p></li>`,
)}
</ol>`
}
${
  older || options.paged
    ? html`<nav aria-label="${title}"><p class="actions">${older ? html`<a href="/account/activity?${kindQuery}before=${older}">${ctx.t('activity.older')}</a>` : ''}
${options.paged ? html` <a href="/account/activity${options.kind === 'all' ? '' : `?kind=${options.kind}`}">${ctx.t('activity.newest')}</a>` : ''}</p></nav>`
    : ''
}`,
  });
}
