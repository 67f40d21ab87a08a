/**
 * A measurement trend (weight, blood pressure) as a figure: an inline SVG line chart, a caption
 * that says in words what the chart shows, and the data as a table behind <details>. The caption
 * and the table are the text alternative (WCAG 2.2 1.1.1); a second series differs by marker shape
 * and dash pattern, not only by colour (1.4.1); lines, markers and band edges have at least 3:1
 * contrast against white (1.4.11). Server-rendered, no client JavaScript.
 */
import { html, type SafeHtml } from '../../ui/html.ts';
import type { Locale, MessageKey } from '../../core/i18n/translate.ts';
import type { TrendPoint, TrendSeries } from '../../record/trend-series.ts';
import { dateTimeFormat, numberFormat } from '../../core/i18n/intl-formats.ts';

export type { TrendPoint, TrendSeries };

export interface TrendChartOptions {
  /** Unique on the page, used for aria ids (already safe: [a-z0-9-]). */
  readonly id: string;
  /** E.g. "Weight" / "Peso" (already localized by the caller). */
  readonly title: string;
  /** E.g. "kg", "mm[Hg]", shown as given (the caller localizes). */
  readonly unit: string;
  /** 1 series (weight) or 2 (systolic and diastolic blood pressure). */
  readonly series: readonly TrendSeries[];
  readonly referenceRange?: { readonly low?: number; readonly high?: number };
  readonly locale: Locale;
  readonly t: (key: MessageKey, params?: Record<string, string | number>) => string;
}

/** True when the chart is worth drawing: some series has at least 2 usable points. */
export const hasTrend = (series: readonly TrendSeries[]): boolean => series.some((s) => usablePoints(s.points).length >= 2);

// ---------------------------------------------------------------------------------------------
// Dates: FHIR dates carry the wall-clock time where they were recorded. They are placed and
// formatted as written (the wall clock read as UTC, formatted with timeZone UTC), so a weight taken
// on 5 May at 23:00-05:00 stays on 5 May whatever the server's or the reader's time zone.

type Precision = 'year' | 'month' | 'day' | 'time';
interface Point {
  readonly date: string;
  readonly value: number;
  /** The wall-clock time as written, as milliseconds of a UTC date: sorts and positions. */
  readonly at: number;
  readonly precision: Precision;
}

// FHIR R4 date / dateTime (https://hl7.org/fhir/R4/datatypes.html#dateTime); seconds and zone lenient.
const fhirDateTime = /^(\d{4})(?:-(\d{2})(?:-(\d{2})(?:T(\d{2}):(\d{2})(?::(\d{2})(?:\.\d+)?)?(?:Z|[+-]\d{2}:\d{2})?)?)?)?$/;

function parseFhirDate(text: string): { at: number; precision: Precision } | undefined {
  const m = fhirDateTime.exec(text.trim());
  if (!m) return undefined;
  const [year, month = 1, day = 1, hour = 0, minute = 0, second = 0] = m.slice(1).map((part) => (part === undefined ? undefined : Number(part)));
  // setUTCFullYear, unlike Date.UTC, does not read years 0–99 as 1900–1999.
  const at = new Date(Date.UTC(2000, 0, 1, hour, minute, second)).setUTCFullYear(year!, month - 1, day);
  const back = new Date(at);
  // Dates roll 31 February over into March and 24:00 into the next day: refuse what does not round-trip.
  if (back.getUTCMonth() !== month - 1 || back.getUTCDate() !== day || back.getUTCHours() !== hour || back.getUTCMinutes() !== minute) return undefined;
  const precision: Precision = m[4] !== undefined ? 'time' : m[3] !== undefined ? 'day' : m[2] !== undefined ? 'month' : 'year';
  return { at, precision };
}

/** Points with a readable date and a finite value, oldest first (stable for equal times). */
function usablePoints(points: readonly TrendPoint[]): Point[] {
  const out: Point[] = [];
  for (const p of points) {
    const parsed = typeof p.date === 'string' ? parseFhirDate(p.date) : undefined;
    if (parsed && typeof p.value === 'number' && Number.isFinite(p.value)) out.push({ date: p.date, value: p.value, ...parsed });
  }
  return out.sort((a, b) => a.at - b.at);
}

// ---------------------------------------------------------------------------------------------
// Locale formatting: the portal's languages as src/core/i18n/intl-formats.ts says them (the decimal comma in Spanish).
const dateFormat = (locale: Locale, options: Intl.DateTimeFormatOptions): Intl.DateTimeFormat => dateTimeFormat(locale, { ...options, timeZone: 'UTC' });
function numberFormatFor(locale: Locale, fractionDigits?: number): Intl.NumberFormat {
  const digits = fractionDigits === undefined ? { maximumFractionDigits: 2 } : { minimumFractionDigits: fractionDigits, maximumFractionDigits: fractionDigits };
  return numberFormat(locale, digits);
}

const precisionFormats: Record<Precision, Intl.DateTimeFormatOptions> = {
  year: { year: 'numeric' },
  month: { year: 'numeric', month: 'long' },
  day: { dateStyle: 'long' },
  time: { dateStyle: 'long' },
};
/** A date in words at the precision it was recorded ("March 3, 2010", "marzo de 2010", "2010"). */
const longDate = (locale: Locale, p: Point): string => dateFormat(locale, precisionFormats[p.precision]).format(p.at);
/** The table's date: shorter, and with the time when one was recorded (two readings a day). */
const tableDate = (locale: Locale, p: Point): string =>
  p.precision === 'time'
    ? dateFormat(locale, { dateStyle: 'medium', timeStyle: 'short' }).format(p.at)
    : p.precision === 'day'
      ? dateFormat(locale, { dateStyle: 'medium' }).format(p.at)
      : longDate(locale, p);
const formatNumber = (locale: Locale, value: number): string => numberFormatFor(locale).format(value);

// ---------------------------------------------------------------------------------------------
// Drawing. Coordinates are in viewBox units; the SVG scales to its container. 320 wide keeps 14-unit
// text at about 11 px on a 320 px phone, where the chart is about 250 px wide inside its card.

const W = 320;
const H = 200;
const margin = { top: 28, right: 14, bottom: 32, left: 44 } as const;
const inset = 10; // keeps end markers off the plot edges
const fontSize = 14;
const plot = { x0: margin.left + inset, x1: W - margin.right - inset, y0: margin.top, y1: H - margin.bottom } as const;
/** Past this many points in a series, markers would touch: thin lines, only the latest point marked. */
export const markerLimit = 60;

type Shape = 'circle' | 'square' | 'triangle';
interface SeriesStyle {
  readonly colour: string; // contrast against white: #0b57a4 7.2:1, #b45309 5.0:1, #6b21a8 8.7:1
  readonly dash: string | undefined;
  readonly shape: Shape;
}
export const seriesStyles: readonly SeriesStyle[] = [
  { colour: '#0b57a4', dash: undefined, shape: 'circle' },
  { colour: '#b45309', dash: '7 4', shape: 'square' },
  { colour: '#6b21a8', dash: '2 3', shape: 'triangle' },
];
const styleOf = (index: number): SeriesStyle => seriesStyles[index % seriesStyles.length]!;
const ink = '#4a5058'; // axis text, 8.1:1
const axisColour = '#59616b';
const gridColour = '#e3e6ea'; // decorative
const bandFill = '#e6f4ea';
const bandEdge = '#1b6e3a'; // 6.3:1: the band's limits are visible without its fill

const r1 = (n: number): number => Math.round(n * 10) / 10;

function marker(shape: Shape, x: number, y: number, colour: string, size: number, tooltip?: string): SafeHtml {
  const tip = tooltip === undefined ? '' : html`<title>${tooltip}</title>`;
  const cls = 'trend-marker';
  if (shape === 'circle') return html`<circle class="${cls}" cx="${r1(x)}" cy="${r1(y)}" r="${r1(size * 0.55)}" fill="${colour}">${tip}</circle>`;
  if (shape === 'square') {
    const s = size * 0.9;
    return html`<rect class="${cls}" x="${r1(x - s / 2)}" y="${r1(y - s / 2)}" width="${r1(s)}" height="${r1(s)}" fill="${colour}">${tip}</rect>`;
  }
  const h = size * 1.1;
  const pts = `${r1(x)},${r1(y - h * 0.6)} ${r1(x + h * 0.6)},${r1(y + h * 0.45)} ${r1(x - h * 0.6)},${r1(y + h * 0.45)}`;
  return html`<polygon class="${cls}" points="${pts}" fill="${colour}">${tip}</polygon>`;
}

/** Round tick steps (1, 2, 2.5, 5 × 10ⁿ) covering [min, max] with about `count` intervals. */
function valueTicks(min: number, max: number, count: number): { ticks: number[]; lo: number; hi: number; digits: number } {
  if (min === max) {
    const pad = Math.abs(min) * 0.1 || 1;
    min -= pad;
    max += pad;
  }
  const raw = (max - min) / count;
  const magnitude = 10 ** Math.floor(Math.log10(raw));
  const norm = raw / magnitude - 1e-9; // 0.8 / 4 is 0.2000…04: still a step of 0.2
  const nice = norm <= 1 ? 1 : norm <= 2 ? 2 : norm <= 2.5 ? 2.5 : norm <= 5 ? 5 : 10;
  const step = nice * magnitude;
  const digits = Math.max(0, -Math.floor(Math.log10(step) + 1e-9)) + (nice === 2.5 && step < 10 ? 1 : 0);
  const first = Math.floor(min / step + 1e-9);
  const last = Math.ceil(max / step - 1e-9);
  const ticks: number[] = [];
  for (let i = first; i <= last; i++) ticks.push(Number((i * step).toFixed(digits + 2)));
  return { ticks, lo: first * step, hi: last * step, digits };
}

type TickUnit = 'day' | 'month' | 'year';
/** 'point': one tick at the only date there is, with its year. */
type TickFormat = TickUnit | 'point';
// Finest first; the first plan that fits its label width is used.
const timePlans: ReadonlyArray<readonly [TickUnit, number]> = [
  ['day', 1],
  ['day', 2],
  ['day', 7],
  ['day', 14],
  ['month', 1],
  ['month', 2],
  ['month', 3],
  ['month', 6],
  ['year', 1],
  ['year', 2],
  ['year', 5],
  ['year', 10],
  ['year', 20],
  ['year', 50],
  ['year', 100],
];
// Label widths: "5 may" 4 fit, "may 2021" 3, "2021" 5 in the 242-unit plot.
const maxTimeTicks: Record<TickUnit, number> = { day: 4, month: 3, year: 5 };
const tickFormats: Record<TickFormat, Intl.DateTimeFormatOptions> = {
  point: { day: 'numeric', month: 'short', year: 'numeric' },
  day: { day: 'numeric', month: 'short' }, // spans under two months: the year is in the caption and table
  month: { month: 'short', year: 'numeric' },
  year: { year: 'numeric' },
};
const DAY = 86_400_000;

/** Calendar-aligned date ticks (midnights, first of a month, 1 January) inside [min, max]. */
function calendarTicks(min: number, max: number, unit: TickUnit, step: number, limit: number): number[] | undefined {
  const start = new Date(min);
  const ticks: number[] = [];
  let y = start.getUTCFullYear();
  let m = start.getUTCMonth();
  let t: number;
  if (unit === 'day') {
    t = Date.UTC(y, m, start.getUTCDate());
    if (t < min) t += DAY;
    for (; t <= max; t += step * DAY) if (ticks.push(t) > limit) return undefined;
    return ticks;
  }
  if (unit === 'month') {
    m = Math.ceil(m / step) * step;
    // The first month boundary at or after min, then every step months up to max.
    for (t = Date.UTC(y, m, 1); t < min; t = Date.UTC(y, m, 1)) m += step;
    for (; t <= max; t = Date.UTC(y, m, 1)) {
      if (ticks.push(t) > limit) return undefined;
      m += step;
    }
    return ticks;
  }
  y = Math.ceil(y / step) * step;
  for (t = Date.UTC(y, 0, 1); t < min; t = Date.UTC(y, 0, 1)) y += step;
  for (; t <= max; t = Date.UTC(y, 0, 1)) {
    if (ticks.push(t) > limit) return undefined;
    y += step;
  }
  return ticks;
}

function timeTicks(min: number, max: number): { ticks: number[]; unit: TickFormat } {
  if (min === max) return { ticks: [min], unit: 'point' };
  for (const [unit, step] of timePlans) {
    const ticks = calendarTicks(min, max, unit, step, maxTimeTicks[unit]);
    if (ticks) return ticks.length ? { ticks, unit } : { ticks: [min], unit: 'point' };
  }
  return { ticks: [min, max], unit: 'year' };
}

interface Drawn {
  /** Position in the caller's series: fixes the style, so a series looks the same on every page. */
  readonly index: number;
  readonly label: string;
  readonly points: readonly Point[];
  readonly style: SeriesStyle;
}

function chartSvg(o: TrendChartOptions, drawn: readonly Drawn[], summary: string): SafeHtml {
  const all = drawn.flatMap((s) => s.points);
  const values = all.map((p) => p.value);
  const { low, high } = o.referenceRange ?? {};
  const refs = [low, high].filter((v): v is number => typeof v === 'number' && Number.isFinite(v));
  const y = valueTicks(Math.min(...values, ...refs), Math.max(...values, ...refs), 4);
  const tMin = Math.min(...all.map((p) => p.at));
  const tMax = Math.max(...all.map((p) => p.at));
  const x = timeTicks(tMin, tMax);

  const px = (at: number): number => (tMin === tMax ? (plot.x0 + plot.x1) / 2 : plot.x0 + ((at - tMin) / (tMax - tMin)) * (plot.x1 - plot.x0));
  const py = (v: number): number => plot.y1 - ((v - y.lo) / (y.hi - y.lo)) * (plot.y1 - plot.y0);
  const xLeft = margin.left;
  const xRight = W - margin.right;

  const band = refs.length
    ? (() => {
        const top = py(typeof high === 'number' && Number.isFinite(high) ? high : y.hi);
        const bottom = py(typeof low === 'number' && Number.isFinite(low) ? low : y.lo);
        const edges = refs.map((v) => html`<line x1="${xLeft}" x2="${xRight}" y1="${r1(py(v))}" y2="${r1(py(v))}" stroke="${bandEdge}" stroke-width="1"/>`);
        return html`<g class="trend-band"><rect x="${xLeft}" y="${r1(top)}" width="${xRight - xLeft}" height="${r1(bottom - top)}" fill="${bandFill}"/>${edges}</g>`;
      })()
    : '';

  const yAxis = y.ticks.map(
    (v) =>
      html`<line x1="${xLeft}" x2="${xRight}" y1="${r1(py(v))}" y2="${r1(py(v))}" stroke="${gridColour}" stroke-width="1"/><text x="${xLeft - 6}" y="${r1(py(v))}" dy="0.35em" text-anchor="end">${numberFormatFor(o.locale, y.digits).format(v)}</text>`,
  );
  const tickFormat = dateFormat(o.locale, tickFormats[x.unit]);
  const xAxis = x.ticks.map((at) => {
    const label = tickFormat.format(at);
    // Keep labels inside the viewBox (estimated width: 0.55 em per character).
    const half = (label.length * fontSize * 0.55) / 2;
    const lx = Math.min(Math.max(px(at), half + 2), W - half - 2);
    return html`<line x1="${r1(px(at))}" x2="${r1(px(at))}" y1="${plot.y1}" y2="${plot.y1 + 5}" stroke="${axisColour}" stroke-width="1"/><text x="${r1(lx)}" y="${plot.y1 + 21}" text-anchor="middle">${label}</text>`;
  });

  const lines = drawn.map((s) => {
    const many = s.points.length > markerLimit;
    const width = many ? 1.25 : 2;
    const path = s.points.map((p, i) => `${i ? 'L' : 'M'}${r1(px(p.at))} ${r1(py(p.value))}`).join(' ');
    const line =
      s.points.length > 1
        ? html`<path class="trend-line" d="${path}" fill="none" stroke="${s.style.colour}" stroke-width="${width}" stroke-linejoin="round" stroke-linecap="round"${s.style.dash ? html` stroke-dasharray="${s.style.dash}"` : ''}/>`
        : '';
    const marked = many ? s.points.slice(-1) : s.points;
    const markers = marked.map((p) =>
      marker(s.style.shape, px(p.at), py(p.value), s.style.colour, 8, `${s.label}: ${tableDate(o.locale, p)}, ${valueWithUnit(o, formatNumber(o.locale, p.value))}`),
    );
    return html`<g class="trend-series trend-series-${s.index + 1}" data-shape="${s.style.shape}">${line}${markers}</g>`;
  });

  return html`<svg class="trend-svg" viewBox="0 0 ${W} ${H}" role="img" aria-labelledby="${o.id}-title ${o.id}-desc" font-size="${fontSize}" fill="${ink}">
<title id="${o.id}-title">${o.t('chart.svgTitle', { title: o.title })}</title>
<desc id="${o.id}-desc">${summary}</desc>
${band}
<g class="trend-axis">${yAxis}<line x1="${xLeft}" x2="${xRight}" y1="${plot.y1}" y2="${plot.y1}" stroke="${axisColour}" stroke-width="1"/>${xAxis}<text x="4" y="${fontSize + 2}" text-anchor="start">${o.unit}</text></g>
${lines}
</svg>`;
}

function legend(drawn: readonly Drawn[]): SafeHtml {
  const items = drawn.map(
    (s) =>
      html`<li><svg class="trend-key" viewBox="0 0 36 14" width="36" height="14" aria-hidden="true" focusable="false"><line x1="2" x2="34" y1="7" y2="7" stroke="${s.style.colour}" stroke-width="2"${
        s.style.dash ? html` stroke-dasharray="${s.style.dash}"` : ''
      }/>${marker(s.style.shape, 18, 7, s.style.colour, 9)}</svg><span data-shape="${s.style.shape}">${s.label}</span></li>`,
  );
  return html`<ul class="trend-legend">${items}</ul>`;
}

// ---------------------------------------------------------------------------------------------
// Words: the caption (and the SVG's <desc>) and the table.

function valueWithUnit(o: TrendChartOptions, value: string): string {
  return o.unit ? o.t('chart.value', { value, unit: o.unit }) : value;
}

function seriesSummary(o: TrendChartOptions, points: readonly Point[]): string {
  const n = (p: Point) => valueWithUnit(o, formatNumber(o.locale, p.value));
  const first = points[0];
  const latest = points[points.length - 1];
  if (!first || !latest) return o.t('chart.summary.none');
  if (points.length === 1) return o.t('chart.summary.one', { date: longDate(o.locale, latest), value: n(latest) });
  // Ties go to the most recent measurement.
  let lowest = first;
  let highest = first;
  for (const p of points) {
    if (p.value <= lowest.value) lowest = p;
    if (p.value >= highest.value) highest = p;
  }
  const from = longDate(o.locale, first);
  const to = longDate(o.locale, latest);
  const count = formatNumber(o.locale, points.length);
  const span = from === to ? o.t('chart.summary.manySameDay', { count, date: to, value: n(latest) }) : o.t('chart.summary.many', { count, from, to, value: n(latest), date: to });
  return `${span} ${o.t('chart.summary.range', { low: n(lowest), lowDate: longDate(o.locale, lowest), high: n(highest), highDate: longDate(o.locale, highest) })}`;
}

function referenceSentence(o: TrendChartOptions): string | undefined {
  const { low, high } = o.referenceRange ?? {};
  const hasLow = typeof low === 'number' && Number.isFinite(low);
  const hasHigh = typeof high === 'number' && Number.isFinite(high);
  const f = (v: number) => valueWithUnit(o, formatNumber(o.locale, v));
  if (hasLow && hasHigh) return o.t('chart.reference.between', { low: f(low), high: f(high) });
  if (hasLow) return o.t('chart.reference.low', { low: f(low) });
  if (hasHigh) return o.t('chart.reference.high', { high: f(high) });
  return undefined;
}

function summaryText(o: TrendChartOptions, drawn: readonly Drawn[]): string {
  const parts =
    drawn.length === 1
      ? [seriesSummary(o, drawn[0]!.points)]
      : drawn.map((s) =>
          s.points.length ? o.t('chart.summary.series', { label: s.label, summary: seriesSummary(o, s.points) }) : o.t('chart.summary.seriesNone', { label: s.label }),
        );
  const reference = referenceSentence(o);
  return [...parts, ...(reference ? [reference] : [])].join(' ');
}

/** Rows newest first; points of different series at the same time share a row. */
function tableRows(drawn: readonly Drawn[]): { point: Point; cells: (Point | undefined)[] }[] {
  const byTime = new Map<number, (Point[] | undefined)[]>();
  drawn.forEach((s, index) => {
    for (const p of s.points) {
      const slot = byTime.get(p.at) ?? drawn.map(() => undefined);
      byTime.set(p.at, slot);
      const points = slot[index] ?? [];
      slot[index] = points;
      points.push(p);
    }
  });
  const rows: { point: Point; cells: (Point | undefined)[] }[] = [];
  for (const at of [...byTime.keys()].sort((a, b) => b - a)) {
    const slot = byTime.get(at)!;
    const depth = Math.max(...slot.map((ps) => ps?.length ?? 0));
    // Repeated readings at one time within a series: one row each, in input order reversed (newest first).
    for (let i = depth - 1; i >= 0; i--) {
      const cells = slot.map((ps) => ps?.[i]);
      rows.push({ point: cells.find((c) => c !== undefined)!, cells });
    }
  }
  return rows;
}

function dataTable(o: TrendChartOptions, drawn: readonly Drawn[]): SafeHtml {
  const rows = tableRows(drawn).map(
    (row) =>
      html`<tr><th scope="row">${tableDate(o.locale, row.point)}</th>${row.cells.map((c) =>
        c ? html`<td>${formatNumber(o.locale, c.value)}</td>` : html`<td><span aria-hidden="true">—</span><span class="visually-hidden">${o.t('chart.table.noValue')}</span></td>`,
      )}</tr>`,
  );
  const headers = drawn.map((s) => html`<th scope="col">${o.unit ? o.t('chart.table.valueHeader', { label: s.label, unit: o.unit }) : s.label}</th>`);
  return html`<details class="trend-data">
<summary>${o.t('chart.table.summary', { title: o.title })}</summary>
<table>
<caption>${o.t('chart.table.caption', { title: o.title })}</caption>
<thead><tr><th scope="col">${o.t('chart.table.date')}</th>${headers}</tr></thead>
<tbody>
${rows.map((r) => html`${r}\n`)}</tbody>
</table>
</details>`;
}

/** The figure: caption in words, legend (2+ series), chart, and the data table behind <details>. */
export function trendChart(options: TrendChartOptions): SafeHtml {
  const drawn: Drawn[] = options.series.map((s, index) => ({ index, label: s.label, points: usablePoints(s.points), style: styleOf(index) }));
  const title = html`<span class="trend-title">${options.title}</span>`;
  if (drawn.every((s) => s.points.length === 0)) {
    return html`<figure class="trend trend-empty">
<figcaption>${title} <span class="trend-summary">${options.t('chart.summary.none')}</span></figcaption>
</figure>`;
  }
  const summary = summaryText(options, drawn);
  return html`<figure class="trend">
<figcaption>${title} <span class="trend-summary">${summary}</span></figcaption>
${drawn.length > 1 ? legend(drawn) : ''}
${chartSvg(
  options,
  drawn.filter((s) => s.points.length > 0),
  summary,
)}
${dataTable(options, drawn)}
</figure>`;
}
