/** A medication's dosage instructions in words ("Take 1 twice a day, as needed"), per language. */
import type { Dosage } from '@medplum/fhirtypes';
import { isMessageKey } from '../core/i18n/translate.ts';
import { numberText, quantityText, type Formatter } from './format.ts';

function timingText(fmt: Formatter, dosage: Dosage): string {
  const repeat = dosage.timing?.repeat;
  if (!repeat?.frequency || !repeat.periodUnit) return conceptOnly(dosage);
  const period = repeat.period ?? 1;
  const unit = repeat.periodUnit;
  if (period === 1) {
    const perKey = `dose.per.${unit}`;
    if (!isMessageKey(perKey)) return '';
    const per = fmt.t(perKey);
    if (repeat.frequency === 1) return fmt.t('dose.once', { per });
    if (repeat.frequency === 2) return fmt.t('dose.twice', { per });
    return fmt.t('dose.times', { n: repeat.frequency, per });
  }
  const unitKey = `dose.units.${unit}`;
  if (!isMessageKey(unitKey)) return '';
  const every = fmt.t('dose.every', { n: numberText(fmt, period), unit: fmt.t(unitKey) });
  return repeat.frequency === 1 ? every : fmt.t('dose.timesEvery', { n: repeat.frequency, every });
}

const conceptOnly = (dosage: Dosage) => dosage.timing?.code?.text ?? '';

/** Written instructions win; otherwise the structured dose, timing and "as needed" are put into a sentence. */
export function dosageText(fmt: Formatter, dosages: readonly Dosage[] | undefined): string {
  const parts = (dosages ?? []).map((dosage) => {
    if (dosage.text) return dosage.text;
    const dose = dosage.doseAndRate?.[0]?.doseQuantity;
    const pieces = [
      dose ? fmt.t('dose.take', { dose: quantityText(fmt, dose) }) : '',
      timingText(fmt, dosage),
      dosage.asNeededBoolean || dosage.asNeededCodeableConcept ? fmt.t('dose.asNeeded') : '',
    ].filter(Boolean);
    return pieces.join(', ');
  });
  const text = parts.filter(Boolean).join('; ');
  return text ? text.charAt(0).toUpperCase() + text.slice(1) : fmt.t('dose.unknown');
}
