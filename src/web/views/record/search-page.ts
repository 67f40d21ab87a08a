/** The record search: a labelled search box (GET, so results can be bookmarked) and the matches by section. */
import { html, type SafeHtml } from '../../../ui/html.ts';
import type { SearchHit } from '../../../record/search.ts';
import type { PatientPageContext } from '../patient-pages.ts';

export const searchForm = (ctx: PatientPageContext, query: string): SafeHtml => html`<form method="get" action="/record/search" role="search" class="record-search">
<label for="q">${ctx.t('search.label')}</label>
<p class="hint" id="q-hint">${ctx.t('search.hint')}</p>
<div class="search-row"><input id="q" name="q" type="search" value="${query}" aria-describedby="q-hint" autocomplete="off"><button type="submit">${ctx.t('search.submit')}</button></div>
</form>`;

export function searchBody(ctx: PatientPageContext, query: string, hits: readonly SearchHit[] | undefined, maxHits: number): SafeHtml {
  const results =
    hits === undefined
      ? ''
      : hits.length === 0
        ? html`<p class="empty" role="status">${ctx.t('search.none', { q: query })}</p>`
        : html`<p role="status">${ctx.t(hits.length > maxHits ? 'search.many' : 'search.count', { count: Math.min(hits.length, maxHits), q: query })}</p>
<ul class="records">${hits
            .slice(0, maxHits)
            .map(
              (hit) =>
                html`<li class="card"><h2 class="hit-title"><a href="${hit.sectionHref}">${hit.title}</a></h2><p class="muted">${hit.section}${hit.detail ? html` · ${hit.detail}` : ''}</p></li>`,
            )}</ul>`;
  return html`${searchForm(ctx, query)}${results}`;
}
