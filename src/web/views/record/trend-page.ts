/** One test's trend: the chart with its reference band, and the data as a table. */
import { html, type SafeHtml } from '../../../ui/html.ts';
import type { TrendModel } from '../../../record/trend.ts';
import type { PatientPageContext } from '../patient-pages.ts';
import { hasTrend, trendChart } from '../trend-chart.ts';

export function trendBody(ctx: PatientPageContext, model: TrendModel): SafeHtml {
  return html`<p><a href="/record/results">${ctx.t('trend.back')}</a></p>
${
  model.series[0]?.points.length
    ? trendChart({
        id: 'trend',
        title: model.name,
        unit: model.unit,
        series: model.series,
        locale: ctx.locale,
        t: ctx.t,
        ...(model.referenceRange ? { referenceRange: model.referenceRange } : {}),
      })
    : html`<p class="empty">${ctx.t('trend.none')}</p>`
}
${model.series[0] && !hasTrend(model.series) ? html`<p class="muted">${ctx.t('vitals.onlyOne')}</p>` : ''}`;
}
