import { expect } from 'chai';
import { execFileSync } from 'node:child_process';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { inflateSync } from 'node:zlib';
import { displayName, medicalRecordNumber } from '../../../../src/core/fhir/names.ts';
import type { Locale } from '../../../../src/core/i18n/translate.ts';
import { renderSummaryPdf, type SummaryPdfOptions } from '../../../../src/export/pdf/summary-pdf.ts';
import { loadSummary } from '../../../../src/export/summary/load-summary.ts';
import type { ListSummarySection, ResultsSummarySection, SummaryModel, SummaryRange } from '../../../../src/export/summary/summary-model.ts';
import { sectionContext } from '../../record/fake-record.ts';
import { pdfFonts } from '../../../support/pdf-fonts.ts';
import { readSynthea, syntheaRecord } from '../summary/synthea-record.ts';

let directory: string;

/** Runs a poppler tool (Debian poppler-utils, installed by npm test) on the PDF. */
function poppler(tool: 'pdftotext' | 'pdfinfo', pdf: Buffer, name: string, ...flags: string[]): string {
  const file = join(directory, `${name}.pdf`);
  writeFileSync(file, pdf);
  return execFileSync(tool, tool === 'pdftotext' ? ['-layout', file, '-'] : [...flags, file], { encoding: 'utf8' });
}
/** The text with every run of whitespace (no-break spaces too) as one space, so wrapped lines read as one. */
const flat = (text: string) => text.replace(/[\s\u00a0\u202f]+/gu, ' ');
const textOf = (pdf: Buffer, name: string) => flat(poppler('pdftotext', pdf, name));
const fontsOf = (pdf: Buffer, name: string) => {
  const file = join(directory, `${name}.pdf`);
  writeFileSync(file, pdf);
  return pdfFonts(file);
};
const pagesOf = (pdf: Buffer, name: string) => Number(/^Pages: +(\d+)$/mu.exec(poppler('pdfinfo', pdf, name))![1]);

const practice = { name: 'Clínica Puente', phone: '+1 (312) 555-0100', address: ['100 W Randolph St, Suite 5', 'Chicago, IL 60601'] };
const producedAt = new Date('2026-03-01T15:04:05Z');

async function summaryOf(prefix: string, locale: Locale, range?: SummaryRange): Promise<{ model: SummaryModel; options: SummaryPdfOptions }> {
  const patient = readSynthea(prefix);
  const model = await loadSummary(sectionContext(syntheaRecord(patient), locale), range);
  const options = {
    locale,
    practice,
    patient: { name: displayName(patient.patient.name), birthDate: patient.patient.birthDate!, mrn: medicalRecordNumber(patient.patient)! },
    producedAt,
    timeZone: 'America/Chicago',
  };
  return { model, options };
}

const listTitles = (model: SummaryModel, id: string) => (model.sections.find((s) => s.id === id) as ListSummarySection).groups.flatMap((g) => g.items.map((i) => i.title));
const resultRows = (model: SummaryModel) => (model.sections.find((s) => s.id === 'results') as ResultsSummarySection).reports.flatMap((r) => r.rows);

/** The objects of the PDF file, by number, with content streams inflated (pdfkit compresses them with Flate). */
function objectsOf(pdf: Buffer): Map<number, string> {
  const objects = new Map<number, string>();
  const raw = pdf.toString('latin1');
  for (const match of raw.matchAll(/(\d+) 0 obj\n([\s\S]*?)\nendobj/g)) {
    let body = match[2]!;
    const stream = /^([\s\S]*?)stream\n([\s\S]*)\nendstream$/.exec(body);
    if (stream && stream[1]!.includes('/FlateDecode')) body = stream[1] + inflateSync(Buffer.from(stream[2]!, 'latin1')).toString('latin1');
    objects.set(Number(match[1]), body);
  }
  return objects;
}

const hand = (overrides: Partial<SummaryModel> = {}): SummaryModel => ({
  locale: 'en',
  range: undefined,
  covers: 'The whole record',
  rangeRule: undefined,
  complete: false,
  sections: [
    {
      id: 'problems',
      kind: 'list',
      title: 'Health problems',
      incomplete: 'Your record is long: this section was made from its newest 1000 entries only; older ones are not here.',
      groups: [
        { heading: 'Current problems', items: [{ title: 'Asthma', facts: [{ label: 'Since', value: 'May 9, 2010' }], flag: 'High risk' }], empty: '' },
        { heading: 'Past problems', items: [], empty: 'You have no past health problems on record.' },
      ],
    },
    {
      id: 'results',
      kind: 'results',
      title: 'Test results',
      incomplete: undefined,
      reports: [
        { title: 'Kidney function', date: 'May 1, 2024', rows: [{ test: 'eGFR', value: '52 mL/min', range: '≥ 60 mL/min', flag: 'Low', outOfRange: true, date: 'May 1, 2024' }] },
      ],
      empty: '',
    },
  ],
  ...overrides,
});
const handOptions: SummaryPdfOptions = {
  locale: 'en',
  practice: { name: 'Clínica Puente', phone: '+1 (312) 555-0100' },
  patient: { name: 'Carla Echevarría', birthDate: '2005-05-03', mrn: 'MRN-004217' },
  producedAt,
  timeZone: 'America/Chicago',
};

describe('health summary PDF (export/pdf)', () => {
  before(() => {
    directory = mkdtempSync(join(tmpdir(), 'puente-summary-'));
    try {
      execFileSync('pdftotext', ['-v'], { stdio: 'ignore' });
    } catch {
      throw new Error('pdftotext is missing: install poppler-utils (npm test installs it)');
    }
  });

  after(() => rmSync(directory, { recursive: true, force: true }));

  const labels = {
    es: {
      words: ['Resumen de salud', 'Teléfono: +1 (312) 555-0100', 'Fecha de nacimiento:', 'Número de historia clínica:', 'Fechas que abarca: Toda la historia clínica'],
      sections: [
        'Problemas de salud',
        'Medicamentos',
        'Alergias',
        'Resultados de pruebas',
        'Signos vitales',
        'Vacunas',
        'Procedimientos',
        'Visitas',
        'Equipo de atención',
        'Plan de tratamiento y progreso',
      ],
      produced: 'Generado: 1 mar 2026, 9:04 a.m. CST',
      page: (n: number, of: number) => `Página ${n} de ${of}`,
      other: 'Date of birth',
    },
    en: {
      words: ['Health summary', 'Phone: +1 (312) 555-0100', 'Date of birth:', 'Medical record number:', 'Dates covered: The whole record'],
      sections: ['Health problems', 'Medications', 'Allergies', 'Test results', 'Vital signs', 'Immunizations', 'Procedures', 'Visits', 'Care team', 'Treatment plan and progress'],
      produced: 'Produced: Mar 1, 2026, 9:04 AM CST',
      page: (n: number, of: number) => `Page ${n} of ${of}`,
      other: 'Fecha de nacimiento',
    },
  } as const;
  const birthDates = { Carla: { es: '3 de mayo de 2005', en: 'May 3, 2005' }, Reyna: { es: '28 de febrero de 1974', en: 'February 28, 1974' } } as const;

  for (const prefix of ['Carla', 'Reyna'] as const) {
    for (const locale of ['es', 'en'] as const) {
      it(`prints ${prefix}’s whole record in ${locale}: every problem, medication, allergy and lab value, with labels and page numbers`, async () => {
        const { model, options } = await summaryOf(prefix, locale);
        const pdf = await renderSummaryPdf(model, options);
        const name = `${prefix}-${locale}`;
        const text = textOf(pdf, name);
        const words = labels[locale];
        for (const expected of [
          practice.name,
          ...practice.address,
          options.patient.name,
          options.patient.mrn,
          birthDates[prefix][locale],
          words.produced,
          ...words.words,
          ...words.sections,
        ]) {
          expect(text).to.include(flat(expected));
        }
        expect(text).not.to.include(words.other);
        const names = ['problems', 'medications', 'allergies'].flatMap((id) => listTitles(model, id));
        expect(names.length).to.be.above(10);
        for (const title of names) expect(text).to.include(flat(title));
        const rows = resultRows(model);
        expect(rows.length).to.be.above(20);
        for (const row of rows) expect(text).to.include(flat(row.value));
        // Every result is a row of a table: one TR per row and one per header.
        const struct = poppler('pdfinfo', pdf, name, '-struct');
        const vitalRows = model.sections.flatMap((s) => (s.kind === 'vitals' ? [s.latest.rows.length, s.readings.rows.length] : []));
        const tables = (struct.match(/^ *Table \(block\)$/gmu) ?? []).length;
        expect((struct.match(/^ *TR$/gmu) ?? []).length).to.equal(rows.length + vitalRows.reduce((a, b) => a + b, 0) + tables);
        const pages = pagesOf(pdf, name);
        expect(pages).to.be.above(1);
        for (let page = 1; page <= pages; page += 1) expect(text).to.include(words.page(page, pages));
      });
    }
  }

  it('leaves out what a date range does not cover: an encounter and a lab value outside it', async () => {
    const whole = await summaryOf('Carla', 'en');
    const ranged = await summaryOf('Carla', 'en', { from: '2016-01-01', to: '2016-12-31' });
    const wholeText = textOf(await renderSummaryPdf(whole.model, whole.options), 'whole');
    const rangedText = textOf(await renderSummaryPdf(ranged.model, ranged.options), 'ranged');
    expect(rangedText).to.include('Dates covered: From January 1, 2016 to December 31, 2016');
    expect(rangedText).to.include('Shown: entries dated within these dates;');
    // Carla's 2011 check-up: its visit and its blood count are in the whole record only.
    expect(wholeText).to.include('Date: April 19, 2011');
    expect(rangedText).not.to.include('Date: April 19, 2011');
    expect(rangedText).not.to.include('April 19, 2011');
    const outside = resultRows(whole.model).filter((row) => row.date === 'April 19, 2011');
    const inside = new Set(resultRows(ranged.model).map((row) => row.value));
    const onlyOutside = outside.find((row) => !inside.has(row.value) && !wholeText.replace(row.value, '').includes(row.value))!;
    expect(onlyOutside.value).to.equal('7.1 10*3/uL');
    expect(wholeText).to.include(onlyOutside.value);
    expect(rangedText).not.to.include(onlyOutside.value);
    expect(rangedText).to.include('8.89 10*3/uL'); // the May 17, 2016 blood count
    // Problems still active in 2016 stay; Carla's 2019 sore throat does not.
    expect(rangedText).to.include('Perennial allergic rhinitis with seasonal variation');
    expect(rangedText).not.to.include('October 29, 2019');
  });

  it('is a tagged PDF: marked, with a structure tree in reading order, a language, table headers and artifacts', async () => {
    const { model, options } = await summaryOf('Carla', 'es');
    const pdf = await renderSummaryPdf(model, options);
    const objects = objectsOf(pdf);
    const catalog = [...objects.values()].find((body) => body.includes('/Type /Catalog'))!;
    expect(catalog).to.include('/Lang (es)');
    expect(catalog).to.match(/\/StructTreeRoot \d+ 0 R/);
    const markInfo = Number(/\/MarkInfo (\d+) 0 R/.exec(catalog)![1]);
    expect(objects.get(markInfo)!.replace(/\s+/g, ' ')).to.equal('<< /Marked true >>');
    expect([...objects.values()].find((body) => body.includes('/DisplayDocTitle'))).to.include('/DisplayDocTitle true');
    const info = poppler('pdfinfo', pdf, 'tagged');
    expect(info).to.match(/^Tagged: +yes$/mu);
    expect(info).to.match(/^Title: +Resumen de salud · Carla Echevarría$/mu);
    expect(info).to.match(/^Author: +Clínica Puente$/mu);
    expect(info).to.match(/^PDF version: +1\.7$/mu);

    // Reading order: the practice, the H1, the patient, then one Sect per section, each opening with its H2.
    const struct = poppler('pdfinfo', pdf, 'tagged', '-struct-text');
    const top = struct.split('\n').filter((line) => /^ {2}\S/.test(line));
    expect(top.slice(0, 4)).to.deep.equal(['  P (block)', '  P (block)', '  P (block)', '  P (block)']);
    expect(top[4]).to.equal('  H1 (block)');
    expect(top.filter((line) => line === '  Sect')).to.have.length(10);
    const headings = [...struct.matchAll(/^ {4}H2 \(block\)\n +"([^"]*)"/gmu)].map((m) => m[1]);
    expect(headings).to.deep.equal(model.sections.map((s) => s.title));
    expect(struct).to.match(/^ {4}H3 \(block\)\n +"Problemas actuales"/mu);
    expect(struct).to.match(/^ {4}Table \(block\)\n {6}TR\n {8}TH:\n {11}\/Scope \/Column\n {10}"Prueba"/mu);
    expect(struct).to.include('"Paciente: Carla Echevarría"');
    // Page numbers and bands are artifacts: on the pages, not in the structure.
    expect(struct).not.to.include('Página 1 de');
    const content = [...objects.values()]
      .filter((body) => body.includes('BDC'))
      .join('\n')
      .replace(/\s+/g, ' ');
    expect(content).to.include('/Artifact << /Type /Pagination >> BDC');
    expect(content).to.include('/Artifact << /Type /Layout >> BDC');
    expect(content).to.include('/H1 << /MCID');
  });

  it('says which sections were cut short, omits an address that is not configured, and prints signs as the record writes them', async () => {
    const pdf = await renderSummaryPdf(hand(), handOptions);
    const text = textOf(pdf, 'hand');
    expect(text).to.include('Some sections show the newest entries only: Health problems.');
    expect(text).to.include('Health problems Your record is long: this section was made from its newest 1000 entries only; older ones are not here.');
    expect(text).to.include('Asthma (High risk) Since: May 9, 2010');
    expect(text).to.include('Past problems You have no past health problems on record.');
    expect(text).to.include('Kidney function — May 1, 2024');
    expect(text).to.include('eGFR 52 mL/min ≥ 60 mL/min Low May 1, 2024');
    expect(text).to.match(/^Clínica Puente Phone: \+1 \(312\) 555-0100 Health summary Patient: Carla Echevarría Date of birth: May 3, 2005 Medical record number: MRN-004217/);
    expect(text).to.include('Page 1 of 1');
  });

  it('embeds every font it uses (PDF/UA): pdffonts lists DejaVu Sans and Sans Bold, each with emb "yes"', async () => {
    const carla = await summaryOf('Carla', 'es');
    for (const [name, pdf] of [
      ['fonts-hand', await renderSummaryPdf(hand(), handOptions)],
      ['fonts-carla-es', await renderSummaryPdf(carla.model, carla.options)],
    ] as const) {
      const fonts = fontsOf(pdf, name);
      expect(fonts.map((font) => font.name.replace(/^[A-Z]{6}\+/u, '')).sort(), name).to.deep.equal(['DejaVuSans', 'DejaVuSans-Bold']);
      for (const font of fonts) expect(font, `${name}: ${font.name}`).to.include({ embedded: true });
    }
  });

  it('gives the same bytes for the same input, and refuses a language other than the model’s or a malformed date', async () => {
    expect((await renderSummaryPdf(hand(), handOptions)).equals(await renderSummaryPdf(hand(), handOptions))).to.equal(true);
    for (const options of [
      { ...handOptions, locale: 'es' as const },
      { ...handOptions, patient: { ...handOptions.patient, birthDate: '05/03/2005' } },
      { ...handOptions, producedAt: new Date('yesterday') },
      { ...handOptions, timeZone: 'Mars/Olympus' },
    ]) {
      const outcome = await renderSummaryPdf(hand(), options).then(
        () => undefined,
        (error: unknown) => error,
      );
      expect(outcome).to.be.instanceOf(RangeError);
    }
  });
});
