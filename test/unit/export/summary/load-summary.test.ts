import { expect } from 'chai';
import type { AllergyIntolerance, Condition, Encounter, Immunization, MedicationRequest, Observation, Resource } from '@medplum/fhirtypes';
import { AppError } from '../../../../src/core/errors.ts';
import { checkRange, overlaps } from '../../../../src/export/summary/date-range.ts';
import { loadSummary } from '../../../../src/export/summary/load-summary.ts';
import type { ListSummarySection, ResultsSummarySection, SummaryModel, SummarySectionId, VitalsSummarySection } from '../../../../src/export/summary/summary-model.ts';
import { loadAllergies } from '../../../../src/record/allergies.ts';
import type { RecordClient } from '../../../../src/record/record-client.ts';
import { loadMedications } from '../../../../src/record/medications.ts';
import { loadProblems } from '../../../../src/record/problems.ts';
import { sectionContext } from '../../record/fake-record.ts';
import { patientRecord, readSynthea, syntheaRecord, type SyntheaPatient } from './synthea-record.ts';

const list = (model: SummaryModel, id: SummarySectionId) => model.sections.find((s) => s.id === id) as ListSummarySection;
const results = (model: SummaryModel) => model.sections.find((s) => s.id === 'results') as ResultsSummarySection;
const vitals = (model: SummaryModel) => model.sections.find((s) => s.id === 'vitals') as VitalsSummarySection;
const titles = (section: ListSummarySection) => section.groups.flatMap((g) => g.items.map((i) => i.title));
const ofType = <T extends Resource>(patient: SyntheaPatient, type: T['resourceType']) => patient.resources.filter((r): r is T => r.resourceType === type);
const day = (value: string | undefined) => (value ?? '').slice(0, 10);
const isLab = (o: Observation) => o.category?.some((c) => c.coding?.some((coding) => coding.code === 'laboratory')) ?? false;

/** A record client whose searches for paths starting with `prefix` come back with more pages than followed. */
const cutShort = (record: RecordClient, prefix: string): RecordClient => ({
  ...record,
  search: async <T extends Resource>(path: string, options?: { maxPages?: number }) => {
    const result = await record.search<T>(path, options);
    return path.startsWith(prefix) ? { ...result, complete: false } : result;
  },
});

describe('health summary (export/summary)', () => {
  it('holds every section in the record menu’s order, in the context’s language, for the whole record', async () => {
    const model = await loadSummary(sectionContext(syntheaRecord(readSynthea('Carla')), 'es'), undefined);
    expect(model.sections.map((s) => [s.id, s.title])).to.deep.equal([
      ['problems', 'Problemas de salud'],
      ['medications', 'Medicamentos'],
      ['allergies', 'Alergias'],
      ['results', 'Resultados de pruebas'],
      ['vitals', 'Signos vitales'],
      ['immunizations', 'Vacunas'],
      ['procedures', 'Procedimientos'],
      ['visits', 'Visitas'],
      ['care-team', 'Equipo de atención'],
      ['care-plan', 'Plan de tratamiento y progreso'],
    ]);
    expect(model.locale).to.equal('es');
    expect(model.range).to.equal(undefined);
    expect(model.covers).to.equal('Toda la historia clínica');
    expect(model.rangeRule).to.equal(undefined);
    expect(model.complete).to.equal(true);
    expect(model.sections.map((s) => s.incomplete)).to.deep.equal(Array(10).fill(undefined));
  });

  it('says each list section exactly as its record page does (the loaders’ own groups)', async () => {
    const carla = readSynthea('Carla');
    const ctx = sectionContext(syntheaRecord(carla), 'en');
    const model = await loadSummary(ctx, undefined);
    expect(list(model, 'problems').groups).to.deep.equal(await loadProblems(ctx));
    expect(list(model, 'medications').groups).to.deep.equal(await loadMedications(ctx));
    expect(list(model, 'allergies').groups).to.deep.equal(await loadAllergies(ctx));
    expect(titles(list(model, 'problems'))).to.have.members(ofType<Condition>(carla, 'Condition').map((c) => c.code!.text!));
    expect(titles(list(model, 'medications'))).to.have.members(ofType<MedicationRequest>(carla, 'MedicationRequest').map((m) => m.medicationCodeableConcept!.text!));
    expect(titles(list(model, 'visits'))).to.have.length(ofType<Encounter>(carla, 'Encounter').length);
    expect(list(model, 'medications').groups[0]!.items.find((i) => i.title === 'Loratadine 5 MG Chewable Tablet')!.facts).to.deep.equal([
      { label: 'How to take it', value: 'As needed' },
      { label: 'Prescribed', value: 'May 23, 2010' },
      { label: 'Status', value: 'Active' },
    ]);
  });

  it('reads every lab result page by page, each with its unit, range word and date', async () => {
    const josue = readSynthea('Josue');
    const record = syntheaRecord(josue);
    const model = await loadSummary(sectionContext(record, 'en'), undefined);
    const section = results(model);
    const rows = section.reports.flatMap((r) => r.rows);
    // 60 reports at 12 a page: the results page's loader is asked for six pages, each before the last one's first day.
    expect(record.asked.filter((path) => path.startsWith('DiagnosticReport?'))).to.have.length(6);
    expect(rows).to.have.length(ofType<Observation>(josue, 'Observation').filter(isLab).length);
    // One table per report, and one per day for the results no report holds (as the results page groups them).
    expect(section.reports.filter((r) => r.title !== 'Other results')).to.have.length(ofType(josue, 'DiagnosticReport').length);
    expect(section.incomplete).to.equal(undefined);
    // The record has 80.09083821514852 mg/dL: said with the results page's precision.
    const glucose = section.reports.find((r) => r.date === 'April 9, 2011')!.rows.find((row) => row.test === 'Glucose');
    expect(glucose).to.deep.equal({ test: 'Glucose', value: '80.1 mg/dL', range: 'Not given', flag: 'No flag', outOfRange: false, date: 'April 9, 2011' });
  });

  it('puts vital signs in tables: the latest of each measurement, then every reading newest first', async () => {
    const model = await loadSummary(sectionContext(syntheaRecord(readSynthea('Carla')), 'es'), undefined);
    const section = vitals(model);
    expect(section.latest.rows.slice(0, 4)).to.deep.equal([
      { measurement: 'Peso', value: '53,3 kg', date: '9 de junio de 2020' },
      { measurement: 'Estatura', value: '161 cm', date: '9 de junio de 2020' },
      { measurement: 'Índice de masa corporal (IMC)', value: '20,5 kg/m²', date: '9 de junio de 2020' },
      { measurement: 'Presión arterial', value: '132/84,8 mmHg', date: '9 de junio de 2020' },
    ]);
    expect(section.latest.rows.map((r) => r.measurement)).to.include('Oral temperature');
    // Weight, height, BMI and blood pressure at each of Carla's ten yearly check-ups.
    expect(section.readings.rows).to.have.length(40);
    expect(section.readings.rows.at(-1)).to.deep.equal({ measurement: 'Presión arterial', value: '105/72,8 mmHg', date: '19 de abril de 2011' });
  });

  it('applies a date range to each entry’s clinical dates and says what it covers', async () => {
    const josue = readSynthea('Josue');
    const range = { from: '2019-06-01', to: '2020-12-31' };
    const record = syntheaRecord(josue);
    const model = await loadSummary(sectionContext(record, 'en'), range);
    expect(model.range).to.deep.equal(range);
    expect(model.covers).to.equal('From June 1, 2019 to December 31, 2020');
    expect(model.rangeRule).to.match(/^Shown: entries dated within these dates/);

    const problems = titles(list(model, 'problems'));
    expect(problems).to.include('Hypertension'); // active since 1974
    expect(problems).to.include('Viral sinusitis (disorder)'); // 2019-05-28 to 2019-06-18: ends in the range
    expect(problems).not.to.include('Hyperlipidemia'); // began 2021-03-13, after the range
    expect(problems).not.to.include('Acute viral pharyngitis (disorder)'); // 2011 and 2016, over before it
    const medications = titles(list(model, 'medications'));
    expect(medications).to.include('Hydrochlorothiazide 25 MG'); // active since 1974
    expect(medications).not.to.include('Clopidogrel 75 MG Oral Tablet'); // stopped, prescribed 2019-01-26

    const encounters = ofType<Encounter>(josue, 'Encounter');
    const inRange = encounters.filter((e) => day(e.period?.start) <= range.to && day(e.period?.end ?? e.period?.start) >= range.from);
    expect(inRange.length).to.be.within(1, encounters.length - 1);
    expect(list(model, 'visits').groups[0]!.items.map((i) => i.period)).to.have.deep.members(inRange.map((e) => ({ start: e.period?.start, end: e.period?.end })));

    const labsInRange = ofType<Observation>(josue, 'Observation').filter((o) => isLab(o) && day(o.effectiveDateTime) >= range.from && day(o.effectiveDateTime) <= range.to);
    expect(results(model).reports.flatMap((r) => r.rows)).to.have.length(labsInRange.length);
    // Reading starts the day after the range and stops once a page reaches back before it.
    const reportSearches = record.asked.filter((path) => path.startsWith('DiagnosticReport?'));
    expect(reportSearches[0]).to.include('&date=lt2021-01-01');
    expect(reportSearches.length).to.be.below(6);

    const readings = vitals(model).readings.rows;
    expect(readings.length).to.be.above(0);
    expect(readings.map((r) => r.date)).to.satisfy((dates: string[]) => dates.every((d) => /2019|2020/.test(d)));
  });

  it('keeps entries with no date, and says so when nothing else is in the range', async () => {
    const undatedAllergy: AllergyIntolerance = { resourceType: 'AllergyIntolerance', id: 'a1', patient: { reference: 'Patient/p1' }, code: { text: 'Latex allergy' } };
    const vaccine: Immunization = {
      resourceType: 'Immunization',
      id: 'i1',
      status: 'completed',
      patient: { reference: 'Patient/p1' },
      vaccineCode: { text: 'Flu' },
      occurrenceString: 'as a child',
    };
    const oldVisit: Encounter = { resourceType: 'Encounter', id: 'e1', status: 'finished', class: { code: 'AMB' }, period: { start: '2001-01-01' }, type: [{ text: 'Checkup' }] };
    const record = syntheaRecord(patientRecord([undatedAllergy, vaccine, oldVisit]));
    const model = await loadSummary(sectionContext(record, 'en'), { from: '2020-01-01' });
    expect(model.covers).to.equal('From January 1, 2020 on');
    expect(titles(list(model, 'allergies'))).to.deep.equal(['Latex allergy']);
    expect(titles(list(model, 'immunizations'))).to.deep.equal(['Flu']);
    expect(list(model, 'visits').groups).to.deep.equal([{ heading: 'Visits', items: [], empty: 'Nothing on record in these dates.' }]);
    expect(results(model).empty).to.equal('Nothing on record in these dates.');
    expect(vitals(model).readings.empty).to.equal('Nothing on record in these dates.');
  });

  it('says in words which sections were cut short, never silently', async () => {
    const josue = readSynthea('Josue');
    const model = await loadSummary(
      sectionContext(cutShort(cutShort(syntheaRecord(josue), 'Condition?'), `Observation?patient=${josue.patient.id}&category=vital-signs&code=`), 'en'),
      undefined,
    );
    const conditions = ofType(josue, 'Condition').length;
    expect(list(model, 'problems').incomplete).to.equal(`Your record is long: this section was made from its newest ${conditions} entries only; older ones are not here.`);
    expect(vitals(model).incomplete).to.match(/^Your record is long: this section was made from its newest \d+ entries only/);
    expect(model.sections.filter((s) => s.incomplete).map((s) => s.id)).to.deep.equal(['problems', 'vitals']);
    expect(model.complete).to.equal(false);
    const labs = await loadSummary(sectionContext(cutShort(syntheaRecord(josue), `Observation?patient=${josue.patient.id}&category=laboratory`), 'es'), undefined);
    expect(results(labs).incomplete).to.match(/^Su historia clínica es extensa: esta sección se hizo solo con sus \d+ entradas más recientes/);
  });

  it('refuses a range that is not two real days in order, before reading anything', async () => {
    const record = syntheaRecord(patientRecord([]));
    for (const range of [{ from: '2020-02-30' }, { to: '2020-1-1' }, { from: '2021-01-01', to: '2020-12-31' }, { from: '2020-01-01T00:00:00Z' }]) {
      const outcome = await loadSummary(sectionContext(record), range).then(
        () => undefined,
        (error: unknown) => error,
      );
      expect(outcome).to.be.instanceOf(AppError).and.to.include({ code: 'bad_request', status: 400 });
    }
    expect(record.asked).to.deep.equal([]);
    expect(checkRange({ from: '', to: '' })).to.equal(undefined);
    expect(checkRange({ from: '2020-01-01', to: '2020-01-01' })).to.deep.equal({ from: '2020-01-01', to: '2020-01-01' });
  });

  it('overlaps: inclusive days, ongoing entries from their start on, partly known dates by their whole span', () => {
    const range = { from: '2020-01-01', to: '2020-12-31' };
    expect(overlaps({ start: '2020-12-31T23:59:00-06:00' }, range)).to.equal(true);
    expect(overlaps({ start: '2021-01-01T00:30:00+01:00' }, range)).to.equal(false);
    expect(overlaps({ start: '2019-12-31' }, range)).to.equal(false);
    expect(overlaps({ start: '2010-05-01', ongoing: true }, range)).to.equal(true);
    expect(overlaps({ start: '2021-02-01', ongoing: true }, range)).to.equal(false);
    expect(overlaps({ start: '2019-12-20', end: '2020-01-02' }, range)).to.equal(true);
    expect(overlaps({ start: '2019-12' }, range)).to.equal(false);
    expect(overlaps({ start: '2019' }, { from: '2019-12-31' })).to.equal(true);
    expect(overlaps(undefined, range)).to.equal(true);
    expect(overlaps({ start: 'in the spring' }, range)).to.equal(true);
  });
});
