import { expect } from 'chai';
import { portalCss } from '../../../src/ui/assets/portal-css.ts';
import { translate, type Locale } from '../../../src/core/i18n/translate.ts';
import { hasTrend, markerLimit, trendChart, type TrendChartOptions, type TrendSeries } from '../../../src/web/views/trend-chart.ts';

const weight: TrendSeries = {
  label: 'Weight',
  // Deliberately out of order: the chart sorts by date.
  points: [
    { date: '2015-06-01', value: 68 },
    { date: '2010-03-03', value: 70.5 },
    { date: '2020-05-05', value: 80.2 },
  ],
};

const chart = (locale: Locale, options: Partial<TrendChartOptions> = {}): string =>
  trendChart({
    id: 'weight',
    title: locale === 'es' ? 'Peso' : 'Weight',
    unit: 'kg',
    series: [weight],
    locale,
    t: (key, params) => translate(locale, key, params),
    ...options,
  }).value;

const all = (out: string, pattern: RegExp): string[] => [...out.matchAll(pattern)].map((m) => m[1] ?? m[0]);
const one = (out: string, pattern: RegExp): string => {
  const found = all(out, pattern);
  expect(found, String(pattern)).to.have.length(1);
  return found[0]!;
};
const summary = (out: string) => one(out, /<span class="trend-summary">(.*?)<\/span>/g);
const bodyRows = (out: string) => all(one(out, /<tbody>([\s\S]*?)<\/tbody>/g), /<tr>(.*?)<\/tr>/g);
const svg = (out: string) => one(out, /(<svg class="trend-svg"[\s\S]*?<\/svg>)/g);

describe('trend chart', () => {
  it('says in words what the chart shows, in English and in Spanish', () => {
    expect(summary(chart('en'))).to.equal(
      '3 measurements from March 3, 2010 to May 5, 2020; the latest, 80.2 kg, on May 5, 2020. The lowest, 68 kg, on June 1, 2015; the highest, 80.2 kg, on May 5, 2020.',
    );
    expect(summary(chart('es'))).to.equal(
      '3 mediciones del 3 de marzo de 2010 al 5 de mayo de 2020; la última, 80,2 kg, el 5 de mayo de 2020. La más baja, 68 kg, el 1 de junio de 2015; la más alta, 80,2 kg, el 5 de mayo de 2020.',
    );
    expect(one(chart('es'), /<figcaption><span class="trend-title">(.*?)<\/span>/g)).to.equal('Peso');
  });

  it('formats numbers for the locale: 80.2 in English, 80,2 in Spanish, also on the axis', () => {
    expect(bodyRows(chart('en'))[0]).to.equal('<th scope="row">May 5, 2020</th><td>80.2</td>');
    expect(bodyRows(chart('es'))[0]).to.equal('<th scope="row">5 may 2020</th><td>80,2</td>');
    const fine: TrendSeries = {
      label: 'W',
      points: [
        { date: '2020-01-01', value: 80.1 },
        { date: '2020-01-02', value: 80.9 },
      ],
    };
    expect(all(chart('en', { series: [fine] }), /text-anchor="end">([^<]*)</g)).to.deep.equal(['80.0', '80.2', '80.4', '80.6', '80.8', '81.0']);
    expect(all(chart('es', { series: [fine] }), /text-anchor="end">([^<]*)</g)).to.deep.equal(['80,0', '80,2', '80,4', '80,6', '80,8', '81,0']);
  });

  it('escapes a malicious title, label and unit everywhere they appear', () => {
    const evil = '<script>alert(1)</script>';
    const label = '"><img src=x onerror=alert(1)>';
    const out = chart('en', {
      title: evil,
      unit: `k<g`,
      series: [
        { label, points: weight.points },
        { label: evil, points: weight.points },
      ],
    });
    expect(out).not.to.include('<script>');
    expect(out).not.to.include('<img');
    expect(out).not.to.include('k<g');
    expect(out).to.include('<title id="weight-title">&lt;script&gt;alert(1)&lt;/script&gt;, line chart</title>');
    expect(out).to.include('<span data-shape="circle">&quot;&gt;&lt;img src=x onerror=alert(1)&gt;</span>');
    expect(out).to.include('<th scope="col">&lt;script&gt;alert(1)&lt;/script&gt; (k&lt;g)</th>');
  });

  it('lists every measurement in the table, newest first, with scoped headers and a caption', () => {
    const out = chart('en');
    expect(bodyRows(out)).to.deep.equal([
      '<th scope="row">May 5, 2020</th><td>80.2</td>',
      '<th scope="row">Jun 1, 2015</th><td>68</td>',
      '<th scope="row">Mar 3, 2010</th><td>70.5</td>',
    ]);
    expect(one(out, /<thead>(.*?)<\/thead>/g)).to.equal('<tr><th scope="col">Date</th><th scope="col">Weight (kg)</th></tr>');
    expect(one(out, /<caption>(.*?)<\/caption>/g)).to.equal('Weight, newest first');
    expect(one(out, /<details class="trend-data">\s*<summary>(.*?)<\/summary>/g)).to.equal('Weight: see the measurements in a table');
    expect(one(chart('es'), /<caption>(.*?)<\/caption>/g)).to.equal('Peso, de la más reciente a la más antigua');
  });

  it('points aria-labelledby at a title and a desc inside the SVG, which scales by its viewBox', () => {
    const image = svg(chart('en'));
    expect(one(image, /aria-labelledby="([^"]*)"/g)).to.equal('weight-title weight-desc');
    expect(image).to.match(/^<svg class="trend-svg" viewBox="0 0 320 200" role="img"/);
    expect(image).not.to.match(/^<svg[^>]* (width|height)=/);
    expect(one(image, /<title id="weight-title">(.*?)<\/title>/g)).to.equal('Weight, line chart');
    expect(one(image, /<desc id="weight-desc">(.*?)<\/desc>/g)).to.equal(summary(chart('en')));
  });

  it('draws points in date order, keeping dates as written (no time-zone shift)', () => {
    const late: TrendSeries = {
      label: 'W',
      points: [
        { date: '2020-05-05T23:30:00-05:00', value: 81 },
        { date: '2020-05-04T00:15:00+09:00', value: 80 },
      ],
    };
    const out = chart('en', { series: [late] });
    expect(summary(out)).to.equal(
      '2 measurements from May 4, 2020 to May 5, 2020; the latest, 81 kg, on May 5, 2020. The lowest, 80 kg, on May 4, 2020; the highest, 81 kg, on May 5, 2020.',
    );
    expect(bodyRows(out).map((r) => one(r, /<th scope="row">(.*?)<\/th>/g))).to.deep.equal(['May 5, 2020, 11:30 PM', 'May 4, 2020, 12:15 AM']);
    const xs = all(svg(chart('en')), /<circle class="trend-marker" cx="([\d.]+)"/g).map(Number);
    expect(xs).to.have.length(3);
    expect([...xs].sort((a, b) => a - b)).to.deep.equal(xs);
    expect(all(svg(chart('en')), /<title>(Weight: [^<]*)<\/title>/g)).to.deep.equal(['Weight: Mar 3, 2010, 70.5 kg', 'Weight: Jun 1, 2015, 68 kg', 'Weight: May 5, 2020, 80.2 kg']);
  });

  it('draws a single point as a marker without a line', () => {
    const single: TrendSeries = { label: 'Weight', points: [{ date: '2020-05-05', value: 80.2 }] };
    const out = chart('es', { series: [single] });
    expect(summary(out)).to.equal('1 medición, el 5 de mayo de 2020: 80,2 kg.');
    expect(summary(chart('en', { series: [single] }))).to.equal('1 measurement, on May 5, 2020: 80.2 kg.');
    expect(all(svg(out), /<circle class="trend-marker"/g)).to.have.length(1);
    expect(svg(out)).not.to.include('<path');
    expect(one(svg(out), /<circle class="trend-marker" cx="([\d.]+)"/g)).to.equal('175'); // centred
    expect(all(svg(out), /text-anchor="middle">([^<]*)</g)).to.deep.equal(['5 may 2020']);
    expect(bodyRows(out)).to.have.length(1);
    expect(hasTrend([single])).to.equal(false);
  });

  it('renders an empty series as a caption only, and ignores unreadable points', () => {
    for (const series of [
      [],
      [{ label: 'W', points: [] }],
      [
        {
          label: 'W',
          points: [
            { date: 'yesterday', value: 80 },
            { date: '2020-02-30', value: 81 },
            { date: '2020-01-01', value: Number.NaN },
          ],
        },
      ],
    ]) {
      const out = chart('en', { series });
      expect(out).to.equal(
        '<figure class="trend trend-empty">\n<figcaption><span class="trend-title">Weight</span> <span class="trend-summary">No measurements yet.</span></figcaption>\n</figure>',
      );
      expect(hasTrend(series)).to.equal(false);
    }
    expect(summary(chart('es', { series: [] }))).to.equal('Todavía no hay mediciones.');
    const mixed: TrendSeries = {
      label: 'W',
      points: [
        { date: 'soon', value: 1 },
        { date: '2020-01-01', value: 80 },
      ],
    };
    expect(bodyRows(chart('en', { series: [mixed] }))).to.have.length(1);
  });

  it('tells whether there is a trend to draw: some series with 2 points or more', () => {
    expect(hasTrend([weight])).to.equal(true);
    expect(hasTrend([{ label: 'a', points: [{ date: '2020-01-01', value: 1 }] }, weight])).to.equal(true);
    expect(
      hasTrend([
        { label: 'a', points: [{ date: '2020-01-01', value: 1 }] },
        { label: 'b', points: [{ date: '2020-01-02', value: 2 }] },
      ]),
    ).to.equal(false);
    expect(hasTrend([])).to.equal(false);
  });

  describe('two series (blood pressure)', () => {
    const systolic: TrendSeries = {
      label: 'Systolic',
      points: [
        { date: '2021-01-10', value: 120 },
        { date: '2021-03-10', value: 131 },
        { date: '2021-02-10', value: 118 },
      ],
    };
    const diastolic: TrendSeries = {
      label: 'Diastolic',
      points: [
        { date: '2021-01-10', value: 80 },
        { date: '2021-02-10', value: 78 },
      ],
    };
    const bp = (locale: Locale) => chart(locale, { id: 'bp', title: locale === 'es' ? 'Presión arterial' : 'Blood pressure', unit: 'mm[Hg]', series: [systolic, diastolic] });

    it('has a legend whose keys differ by marker shape and dash pattern, not only colour', () => {
      const out = bp('en');
      const legend = one(out, /<ul class="trend-legend">(.*?)<\/ul>/g);
      expect(all(legend, /<span data-shape="(\w+)">/g)).to.deep.equal(['circle', 'square']);
      expect(all(legend, /<span data-shape="\w+">(.*?)<\/span>/g)).to.deep.equal(['Systolic', 'Diastolic']);
      expect(all(legend, /aria-hidden="true" focusable="false"/g)).to.have.length(2);
      const image = svg(out);
      const groups = all(image, /(<g class="trend-series[\s\S]*?<\/g>)/g);
      expect(groups).to.have.length(2);
      expect(all(groups[0]!, /<(circle|rect) class="trend-marker"/g)).to.deep.equal(['circle', 'circle', 'circle']);
      expect(all(groups[1]!, /<(circle|rect) class="trend-marker"/g)).to.deep.equal(['rect', 'rect']);
      expect(groups[0]).not.to.include('stroke-dasharray');
      expect(one(groups[1]!, /stroke-dasharray="([^"]*)"/g)).to.equal('7 4');
      expect(one(groups[0]!, /<path[^>]* stroke="([^"]*)"/g)).to.not.equal(one(groups[1]!, /<path[^>]* stroke="([^"]*)"/g));
      expect(chart('en')).not.to.include('trend-legend');
    });

    it('describes each series in the caption and shares table rows by date', () => {
      expect(summary(bp('en'))).to.equal(
        'Systolic: 3 measurements from January 10, 2021 to March 10, 2021; the latest, 131 mm[Hg], on March 10, 2021. The lowest, 118 mm[Hg], on February 10, 2021; the highest, 131 mm[Hg], on March 10, 2021. ' +
          'Diastolic: 2 measurements from January 10, 2021 to February 10, 2021; the latest, 78 mm[Hg], on February 10, 2021. The lowest, 78 mm[Hg], on February 10, 2021; the highest, 80 mm[Hg], on January 10, 2021.',
      );
      expect(summary(bp('es'))).to.match(/^Systolic: 3 mediciones del 10 de enero de 2021 al 10 de marzo de 2021; la última, 131 mm\[Hg\], el 10 de marzo de 2021\. /);
      const out = bp('en');
      expect(one(out, /<thead>(.*?)<\/thead>/g)).to.equal('<tr><th scope="col">Date</th><th scope="col">Systolic (mm[Hg])</th><th scope="col">Diastolic (mm[Hg])</th></tr>');
      expect(bodyRows(out)).to.deep.equal([
        '<th scope="row">Mar 10, 2021</th><td>131</td><td><span aria-hidden="true">—</span><span class="visually-hidden">No value</span></td>',
        '<th scope="row">Feb 10, 2021</th><td>118</td><td>78</td>',
        '<th scope="row">Jan 10, 2021</th><td>120</td><td>80</td>',
      ]);
    });

    it('keeps the series order and style when one series has no measurements', () => {
      const out = chart('es', {
        series: [
          { label: 'Sistólica', points: [] },
          { label: 'Diastólica', points: diastolic.points },
        ],
      });
      expect(summary(out)).to.match(/^Sistólica: todavía no hay mediciones\. Diastólica: 2 mediciones del 10 de enero de 2021 al 10 de febrero de 2021;/);
      expect(all(svg(out), /<g class="trend-series (trend-series-\d)"/g)).to.deep.equal(['trend-series-2']);
      expect(all(svg(out), /<(circle|rect) class="trend-marker"/g)).to.deep.equal(['rect', 'rect']);
    });
  });

  it('shades the reference range and says so in words', () => {
    const out = chart('en', { referenceRange: { low: 60, high: 80 } });
    expect(all(svg(out), /<g class="trend-band"><rect/g)).to.have.length(1);
    // 60–90 on the axis: the band runs from 60 (the baseline, y = 168) up to 80, across the plot.
    expect(one(svg(out), /<g class="trend-band"><rect ([^>]*)\/>/g)).to.equal('x="44" y="74.7" width="262" height="93.3" fill="#e6f4ea"');
    expect(summary(out)).to.match(/ The shaded band is the reference range, 60 kg to 80 kg\.$/);
    expect(summary(chart('es', { referenceRange: { low: 60, high: 80 } }))).to.match(/ La franja sombreada es el rango de referencia, de 60 kg a 80 kg\.$/);
    expect(summary(chart('en', { referenceRange: { high: 25 } }))).to.match(/ The shaded band is the reference range, 25 kg or less\.$/);
    expect(summary(chart('es', { referenceRange: { low: 18.5 } }))).to.match(/ La franja sombreada es el rango de referencia: 18,5 kg o más\.$/);
    expect(chart('en')).not.to.include('trend-band');
    expect(chart('en', { referenceRange: {} })).not.to.include('trend-band');
  });

  it('stays readable with hundreds of points: thin lines, only the latest point marked', () => {
    const start = Date.UTC(2000, 0, 1);
    const points = Array.from({ length: 300 }, (_, i) => ({ date: new Date(start + i * 7 * 86_400_000).toISOString().slice(0, 10), value: 70 + (i % 10) / 2 }));
    expect(points.length).to.be.greaterThan(markerLimit);
    const out = chart('en', { series: [{ label: 'Weight', points }] });
    const image = svg(out);
    expect(all(image, /class="trend-marker"/g)).to.have.length(1);
    expect(one(image, /<path[^>]* stroke-width="([\d.]+)"/g)).to.equal('1.25');
    expect(all(one(image, /<path[^>]* d="([^"]*)"/g), /[ML]/g)).to.have.length(300);
    expect(all(image, /text-anchor="middle">([^<]*)</g)).to.deep.equal(['2000', '2002', '2004']);
    expect(bodyRows(out)).to.have.length(300);
    expect(summary(out)).to.match(/^300 measurements from January 1, 2000 to September 24, 2005;/);
    expect(all(svg(chart('en')), /class="trend-marker"/g)).to.have.length(3);
  });

  it('picks calendar ticks that fit: months for a season, days for a week', () => {
    const season: TrendSeries = {
      label: 'W',
      points: [
        { date: '2024-01-15', value: 1 },
        { date: '2024-04-20', value: 2 },
      ],
    };
    expect(all(chart('en', { series: [season] }), /text-anchor="middle">([^<]*)</g)).to.deep.equal(['Feb 2024', 'Mar 2024', 'Apr 2024']);
    expect(all(chart('es', { series: [season] }), /text-anchor="middle">([^<]*)</g)).to.deep.equal(['feb 2024', 'mar 2024', 'abr 2024']);
    const week: TrendSeries = {
      label: 'W',
      points: [
        { date: '2024-03-01', value: 1 },
        { date: '2024-03-06', value: 2 },
      ],
    };
    expect(all(chart('en', { series: [week] }), /text-anchor="middle">([^<]*)</g)).to.deep.equal(['Mar 1', 'Mar 3', 'Mar 5']);
  });

  it('ships print and layout rules for the chart in the stylesheet', () => {
    expect(portalCss).to.include('.trend-svg{display:block;width:100%;height:auto;max-width:32rem}');
    expect(portalCss).to.match(/@media print\{[^\n]*\.trend-data::details-content\{content-visibility:visible;display:block\}/);
  });
});
