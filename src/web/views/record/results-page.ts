/**
 * Test results: one table per report, reflowing into cards on a phone. Out-of-range values are
 * said in words with a symbol (WCAG 1.4.1: never by colour alone); tests with history link to
 * their trend chart.
 */
import { html, type SafeHtml } from '../../../ui/html.ts';
import type { MessageKey } from '../../../core/i18n/translate.ts';
import type { OutOfRange } from '../../../record/observation-values.ts';
import type { ResultsModel, ResultRow } from '../../../record/results.ts';
import type { PatientPageContext } from '../patient-pages.ts';

const flagKeys: Record<OutOfRange, MessageKey> = {
  high: 'flag.high',
  low: 'flag.low',
  'critical-high': 'flag.criticalHigh',
  'critical-low': 'flag.criticalLow',
  abnormal: 'flag.abnormal',
};
const flagSymbols: Record<OutOfRange, string> = { high: '▲', low: '▼', 'critical-high': '▲▲', 'critical-low': '▼▼', abnormal: '!' };

export const flagText = (ctx: PatientPageContext, flag: OutOfRange | undefined): SafeHtml =>
  flag
    ? html`<strong class="flag flag-${flag}"><span aria-hidden="true">${flagSymbols[flag]} </span>${ctx.t(flagKeys[flag])}</strong>`
    : html`<span class="muted">${ctx.t('flag.none')}</span>`;

const resultRow = (ctx: PatientPageContext, row: ResultRow): SafeHtml => html`<tr${row.flag ? html` class="out-of-range"` : ''}>
<th scope="row">${row.trendHref ? html`<a href="${row.trendHref}">${row.name}<span class="visually-hidden"> — ${ctx.t('results.seeTrend')}</span></a>` : row.name}</th>
<td data-label="${ctx.t('results.col.value')}">${row.value}</td>
<td data-label="${ctx.t('results.col.range')}">${row.range || html`<span class="muted">${ctx.t('results.noRange')}</span>`}</td>
<td data-label="${ctx.t('results.col.flag')}">${flagText(ctx, row.flag)}</td>
</tr>`;

export function resultsBody(ctx: PatientPageContext, model: ResultsModel): SafeHtml {
  if (model.reports.length === 0)
    return html`<p class="empty">${ctx.t(model.before ? 'results.noneOlder' : 'results.none')}</p>${model.before ? html`<p><a href="/record/results">${ctx.t('results.newest')}</a></p>` : ''}`;
  return html`<p>${ctx.t(model.before ? 'results.introOlder' : 'results.intro', { count: model.reports.length })}</p>
${model.trends.length ? html`<p><a href="#trends">${ctx.t('results.trendsLink', { count: model.trends.length })}</a></p>` : ''}
${model.reports.map(
  (report, index) => html`<section class="report" aria-labelledby="report-${index}">
<h2 id="report-${index}">${report.title} <span class="muted report-date">${report.date}</span></h2>
${
  report.rows.length === 0
    ? html`<p class="empty">${ctx.t('results.noValues')}</p>`
    : html`<table class="reflow results"><caption class="visually-hidden">${report.title}, ${report.date}</caption>
<thead><tr><th scope="col">${ctx.t('results.col.test')}</th><th scope="col">${ctx.t('results.col.value')}</th><th scope="col">${ctx.t('results.col.range')}</th><th scope="col">${ctx.t('results.col.flag')}</th></tr></thead>
<tbody>${report.rows.map((row) => resultRow(ctx, row))}</tbody></table>`
}
</section>`,
)}
${
  model.trends.length
    ? html`<section aria-labelledby="trends"><h2 id="trends" tabindex="-1">${ctx.t('results.trends')}</h2>
<ul class="link-grid">${model.trends.map((trend) => html`<li><a href="${trend.href}">${trend.name}</a></li>`)}</ul></section>`
    : ''
}
<p class="actions">${model.before ? html`<a href="/record/results">${ctx.t('results.newest')}</a>` : ''}${
    model.olderBefore ? html`<a class="button" href="/record/results?before=${model.olderBefore}">${ctx.t('results.older')}</a>` : ''
  }</p>`;
}
