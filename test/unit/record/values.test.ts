import { expect } from 'chai';
import type { Dosage, Observation } from '@medplum/fhirtypes';
import { translate, type Locale } from '../../../src/core/i18n/translate.ts';
import { dateFormatter } from '../../../src/core/fhir/dates.ts';
import { conceptText, numberText, quantityText, statusText, unitText, foldText } from '../../../src/record/format.ts';
import { dosageText } from '../../../src/record/dosage.ts';
import { outOfRange, rangeText, valueText } from '../../../src/record/observation-values.ts';

const fmt = (locale: Locale) => ({
  locale,
  t: (key: Parameters<typeof translate>[1], params?: Record<string, string | number>) => translate(locale, key, params),
  dates: dateFormatter(locale, 'UTC'),
});
const glucose = (value: number, extra: Partial<Observation> = {}): Observation => ({
  resourceType: 'Observation',
  status: 'final',
  code: { text: 'Glucose' },
  valueQuantity: { value, unit: 'mg/dL' },
  referenceRange: [{ low: { value: 70, unit: 'mg/dL' }, high: { value: 99, unit: 'mg/dL' } }],
  ...extra,
});

describe('record values in words', () => {
  it('says codes by their text, then display, then code, without Synthea’s zero-width spaces', () => {
    expect(conceptText({ text: 'Glucose [Mass/\u200bvolume]' })).to.equal('Glucose [Mass/volume]');
    expect(conceptText({ coding: [{ code: '123' }, { code: '456', display: 'Asthma' }] })).to.equal('Asthma');
    expect(conceptText({ coding: [{ code: '123' }] })).to.equal('123');
    expect(conceptText(undefined)).to.equal('');
  });

  it('formats numbers and units per language', () => {
    expect(numberText(fmt('en'), 80.2549)).to.equal('80.3');
    expect(numberText(fmt('es'), 80.2549)).to.equal('80,3');
    expect(numberText(fmt('en'), 1234.4)).to.equal('1,234');
    expect(numberText(fmt('es'), 5.437)).to.equal('5,44');
    expect(quantityText(fmt('en'), { value: 120, unit: 'mm[Hg]' })).to.equal('120 mmHg');
    expect(unitText(fmt('es'), '/min')).to.equal('por minuto');
    expect(unitText(fmt('en'), 'kg/m2')).to.equal('kg/m²');
    expect(unitText(fmt('en'), '{score}')).to.equal('');
  });

  it('names status codes from the catalogs and shows unknown ones as recorded', () => {
    expect(statusText(fmt('es'), 'resolved')).to.equal('Resuelto');
    expect(statusText(fmt('en'), 'noshow')).to.equal('Missed');
    expect(statusText(fmt('en'), 'some-new-code')).to.equal('some-new-code');
  });

  it('folds accents and case for the search box', () => {
    expect(foldText('Vacúna ÍNFLUENZA')).to.equal('vacuna influenza');
  });

  it('marks out-of-range results from the lab’s interpretation, else from the reference range', () => {
    expect(outOfRange(glucose(150))).to.equal('high');
    expect(outOfRange(glucose(60))).to.equal('low');
    expect(outOfRange(glucose(85))).to.equal(undefined);
    expect(outOfRange(glucose(85, { interpretation: [{ coding: [{ code: 'HH' }] }] }))).to.equal('critical-high');
    expect(outOfRange(glucose(85, { referenceRange: undefined, interpretation: [{ coding: [{ code: 'A' }] }] }))).to.equal('abnormal');
    expect(outOfRange(glucose(150, { referenceRange: undefined }))).to.equal(undefined);
  });

  it('says reference ranges and values per language', () => {
    expect(rangeText(fmt('en'), glucose(1).referenceRange![0])).to.equal('70–99 mg/dL');
    expect(rangeText(fmt('es'), { low: { value: 18.5, unit: 'kg/m2' } })).to.equal('≥ 18,5 kg/m²');
    expect(rangeText(fmt('en'), { text: 'negative' })).to.equal('negative');
    expect(valueText(fmt('es'), glucose(5.5))).to.equal('5,5 mg/dL');
    expect(valueText(fmt('en'), { resourceType: 'Observation', status: 'final', code: {}, valueCodeableConcept: { text: 'Never smoker' } })).to.equal('Never smoker');
    expect(
      valueText(fmt('en'), {
        resourceType: 'Observation',
        status: 'final',
        code: {},
        component: [
          { code: { text: 'Systolic' }, valueQuantity: { value: 120, unit: 'mm[Hg]' } },
          { code: { text: 'Diastolic' }, valueQuantity: { value: 80, unit: 'mm[Hg]' } },
        ],
      }),
    ).to.equal('Systolic: 120 mmHg, Diastolic: 80 mmHg');
  });

  it('puts dosage instructions into a sentence in each language', () => {
    const twiceDaily: Dosage = { timing: { repeat: { frequency: 2, period: 1, periodUnit: 'd' } }, doseAndRate: [{ doseQuantity: { value: 1, unit: 'tablet' } }] };
    expect(dosageText(fmt('en'), [twiceDaily])).to.equal('Take 1 tablet, twice a day');
    expect(dosageText(fmt('es'), [twiceDaily])).to.equal('Tomar 1 tablet, dos veces al día');
    expect(dosageText(fmt('en'), [{ timing: { repeat: { frequency: 1, period: 8, periodUnit: 'h' } }, asNeededBoolean: true }])).to.equal('Every 8 hours, as needed');
    expect(dosageText(fmt('es'), [{ timing: { repeat: { frequency: 3, period: 1, periodUnit: 'wk' } } }])).to.equal('3 veces a la semana');
    expect(dosageText(fmt('en'), [{ text: 'One puff when short of breath' }])).to.equal('One puff when short of breath');
    expect(dosageText(fmt('es'), [{ asNeededBoolean: true }])).to.equal('Cuando lo necesite');
    expect(dosageText(fmt('en'), [])).to.equal('Ask your care team how to take it.');
  });
});
