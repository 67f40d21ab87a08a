import { expect } from 'chai';
import type { Condition, DiagnosticReport, MedicationRequest, Observation, Appointment, Medication } from '@medplum/fhirtypes';
import { loadProblems } from '../../../src/record/problems.ts';
import { loadMedications } from '../../../src/record/medications.ts';
import { loadAppointments } from '../../../src/record/appointments.ts';
import { loadResults } from '../../../src/record/results.ts';
import { loadVitals } from '../../../src/record/vitals.ts';
import { fakeRecord, sectionContext } from './fake-record.ts';

const lab = (id: string, text: string, value: number, date: string, code = text): Observation => ({
  resourceType: 'Observation',
  id,
  status: 'final',
  category: [{ coding: [{ system: 'http://terminology.hl7.org/CodeSystem/observation-category', code: 'laboratory' }] }],
  code: { coding: [{ system: 'http://loinc.org', code }], text },
  effectiveDateTime: date,
  valueQuantity: { value, unit: 'mg/dL' },
});

describe('record loaders (FHIR → what each page shows)', () => {
  it('splits problems into current and past, newest first, hiding entries in error', async () => {
    const condition = (id: string, status: string, onset: string, extra: Partial<Condition> = {}): Condition => ({
      resourceType: 'Condition',
      id,
      subject: { reference: 'Patient/p1' },
      code: { text: id },
      clinicalStatus: { coding: [{ code: status }] },
      onsetDateTime: onset,
      ...extra,
    });
    const record = fakeRecord([
      condition('asthma', 'active', '2010-01-01'),
      condition('flu', 'resolved', '2015-01-01', { abatementDateTime: '2015-01-10' }),
      condition('diabetes', 'recurrence', '2020-01-01'),
      condition('mistake', 'active', '2021-01-01', { verificationStatus: { coding: [{ code: 'entered-in-error' }] } }),
    ]);
    const [current, past] = await loadProblems(sectionContext(record, 'es'));
    expect(current!.items.map((i) => i.title)).to.deep.equal(['diabetes', 'asthma']);
    expect(past!.items.map((i) => i.title)).to.deep.equal(['flu']);
    expect(past!.items[0]!.facts).to.deep.equal([
      { label: 'Desde', value: '1 de enero de 2015' },
      { label: 'Resuelto', value: '10 de enero de 2015' },
      { label: 'Estado', value: 'Resuelto' },
    ]);
    expect(record.asked).to.deep.equal(['Condition?patient=p1&_count=100']);
  });

  it('names medications from the included Medication when the request only references it', async () => {
    const medication: Medication = { resourceType: 'Medication', id: 'm1', code: { text: 'Metformin 500 MG' } };
    const request: MedicationRequest = {
      resourceType: 'MedicationRequest',
      id: 'r1',
      status: 'active',
      intent: 'order',
      subject: { reference: 'Patient/p1' },
      medicationReference: { reference: 'Medication/m1' },
    };
    const stopped: MedicationRequest = { ...request, id: 'r2', status: 'stopped', medicationCodeableConcept: { text: 'Ibuprofen' }, medicationReference: undefined };
    const [current, past] = await loadMedications(sectionContext(fakeRecord([request, stopped, medication])));
    expect(current!.items.map((i) => i.title)).to.deep.equal(['Metformin 500 MG']);
    expect(past!.items.map((i) => i.title)).to.deep.equal(['Ibuprofen']);
  });

  it('puts appointments from now on under upcoming, soonest first, and cancelled ones under past', async () => {
    const appointment = (id: string, start: string, status: Appointment['status'] = 'booked'): Appointment => ({
      resourceType: 'Appointment',
      id,
      status,
      start,
      description: id,
      participant: [],
    });
    const [upcoming, past] = await loadAppointments(
      sectionContext(
        fakeRecord([
          appointment('later', '2027-01-05T10:00:00Z'),
          appointment('soon', '2026-12-03T10:00:00Z'),
          appointment('cancelled', '2026-12-10T10:00:00Z', 'cancelled'),
          appointment('before', '2026-11-01T10:00:00Z', 'fulfilled'),
        ]),
      ),
    );
    expect(upcoming!.items.map((i) => i.title)).to.deep.equal(['soon', 'later']);
    expect(past!.items.map((i) => i.title)).to.deep.equal(['cancelled', 'before']);
    expect(past!.items[0]!.flag).to.equal('Cancelled');
  });

  it('groups results by report, keeps results no report holds, and links numeric tests to their trend', async () => {
    const report: DiagnosticReport = {
      resourceType: 'DiagnosticReport',
      id: 'd1',
      status: 'final',
      code: { text: 'Basic panel' },
      effectiveDateTime: '2024-05-01',
      result: [{ reference: 'Observation/o1' }, { reference: 'Observation/o2' }],
    };
    const observations = [lab('o1', 'Glucose', 150, '2024-05-01', '2339-0'), lab('o2', 'Sodium', 140, '2024-05-01', '2947-0'), lab('o3', 'Glucose', 90, '2023-02-01', '2339-0')];
    observations[0]!.referenceRange = [{ low: { value: 70 }, high: { value: 99 } }];
    const record = fakeRecord([report, ...observations]);
    const model = await loadResults(sectionContext(record));
    expect(model.reports.map((r) => [r.title, r.date, r.rows.map((row) => [row.name, row.value, row.flag])])).to.deep.equal([
      [
        'Basic panel',
        'May 1, 2024',
        [
          ['Glucose', '150 mg/dL', 'high'],
          ['Sodium', '140 mg/dL', undefined],
        ],
      ],
      ['Other results', 'February 1, 2023', [['Glucose', '90 mg/dL', undefined]]],
    ]);
    expect(model.trends.map((t) => [t.name, t.href])).to.deep.equal([
      ['Glucose', '/record/results/trend?code=http%3A%2F%2Floinc.org%7C2339-0'],
      ['Sodium', '/record/results/trend?code=http%3A%2F%2Floinc.org%7C2947-0'],
    ]);
    expect(model.olderBefore).to.equal(undefined);
  });

  it('pages results by day: the oldest day of a full page moves whole to the next page, and only valid days are accepted', async () => {
    const reports = ['2024-05-03', '2024-05-02', '2024-05-01'].map(
      (date, i): DiagnosticReport => ({ resourceType: 'DiagnosticReport', id: `d${i}`, status: 'final', code: { text: date }, effectiveDateTime: date }),
    );
    const record = fakeRecord(reports, { complete: (path) => !path.startsWith('DiagnosticReport') });
    const model = await loadResults(sectionContext(record), 'not-a-day');
    expect(model.reports.map((r) => r.title)).to.deep.equal(['2024-05-03', '2024-05-02']);
    expect(model.olderBefore).to.equal('2024-05-02');
    expect(model.before).to.equal(undefined);
    expect(record.asked[1]).to.include('&date=ge2024-05-02');
    const older = fakeRecord(reports);
    await loadResults(sectionContext(older), '2024-05-02');
    expect(older.asked[0]).to.include('&date=lt2024-05-02');
  });

  it('charts blood pressure as two series from the panel’s components', async () => {
    const pressure = (id: string, date: string, systolic: number, diastolic: number): Observation => ({
      resourceType: 'Observation',
      id,
      status: 'final',
      category: [{ coding: [{ code: 'vital-signs' }] }],
      code: { coding: [{ system: 'http://loinc.org', code: '85354-9' }], text: 'Blood pressure' },
      effectiveDateTime: date,
      component: [
        { code: { coding: [{ system: 'http://loinc.org', code: '8480-6' }] }, valueQuantity: { value: systolic, unit: 'mm[Hg]' } },
        { code: { coding: [{ system: 'http://loinc.org', code: '8462-4' }] }, valueQuantity: { value: diastolic, unit: 'mm[Hg]' } },
      ],
    });
    const record = fakeRecord([pressure('b1', '2024-01-01', 120, 80), pressure('b2', '2024-06-01', 130, 85)]);
    // The fake answers every search with everything: restrict to what each chart's code asks for.
    const filtered = { ...record, search: async (path: string) => (path.includes('85354-9') ? record.search(path) : { matches: [], included: [], complete: true }) };
    const model = await loadVitals(sectionContext(filtered as typeof record, 'es'));
    const chart = model.charts.find((c) => c.id === 'blood-pressure')!;
    expect(chart.unit).to.equal('mmHg');
    expect(chart.series.map((s) => [s.label, s.points.map((p) => p.value)])).to.deep.equal([
      ['Sistólica', [120, 130]],
      ['Diastólica', [80, 85]],
    ]);
  });

  it('asks the facade twice for the vitals page (the charts’ codes in one search, split by code here), not once per chart', async () => {
    const reading = (id: string, code: string, value: number, date: string): Observation => ({
      resourceType: 'Observation',
      id,
      status: 'final',
      category: [{ coding: [{ code: 'vital-signs' }] }],
      code: { coding: [{ system: 'http://loinc.org', code }] },
      effectiveDateTime: date,
      valueQuantity: { value, unit: 'kg' },
    });
    const record = fakeRecord([reading('w2', '29463-7', 71, '2024-06-01'), reading('h1', '8302-2', 170, '2024-05-01'), reading('w1', '29463-7', 70, '2024-01-01')]);
    const model = await loadVitals(sectionContext(record, 'en'));
    expect(record.asked).to.have.length(2);
    expect(record.asked.filter((path) => path.includes('&code='))).to.have.length(1);
    const points = (id: string) => model.charts.find((c) => c.id === id)!.series[0]!.points.map((p) => p.value);
    expect(points('weight')).to.have.members([71, 70]);
    expect(points('height')).to.deep.equal([170]);
    expect(points('heart-rate')).to.deep.equal([]);
  });
});
