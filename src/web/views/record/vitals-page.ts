/** Vital signs: a trend chart (with its data as a table) for each measure, and the latest of the others. */
import { html, type SafeHtml } from '../../../ui/html.ts';
import type { VitalsModel } from '../../../record/vitals.ts';
import type { PatientPageContext } from '../patient-pages.ts';
import { hasTrend, trendChart } from '../trend-chart.ts';
import { recordGroups } from './record-list.ts';

export function vitalsBody(ctx: PatientPageContext, model: VitalsModel): SafeHtml {
  return html`${model.charts.map((chart) => {
    const count = chart.series[0]?.points.length ?? 0;
    return html`<section class="vital" aria-labelledby="vital-${chart.id}">
<h2 id="vital-${chart.id}">${chart.title} <span class="count">(${count})</span></h2>
${
  count === 0
    ? html`<p class="empty">${ctx.t('vitals.none', { name: chart.title.toLowerCase() })}</p>`
    : trendChart({ id: `chart-${chart.id}`, title: chart.title, unit: chart.unit, series: chart.series, locale: ctx.locale, t: ctx.t })
}
${count > 0 && !hasTrend(chart.series) ? html`<p class="muted">${ctx.t('vitals.onlyOne')}</p>` : ''}
</section>`;
  })}
${recordGroups([{ heading: ctx.t('vitals.others'), items: model.others, empty: ctx.t('vitals.noneOther') }])}`;
}
