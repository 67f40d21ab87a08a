import { expect } from 'chai';
import { collator, dateTimeFormat, numberFormat } from '../../../src/core/i18n/intl-formats.ts';
import { dateFormatter } from '../../../src/core/fhir/dates.ts';

describe('Intl formatters kept per locale and options', () => {
  it('hands out the same formatter for the same locale and options, and a different one otherwise', () => {
    expect(numberFormat('es', { maximumFractionDigits: 1 })).to.equal(numberFormat('es', { maximumFractionDigits: 1 }));
    expect(numberFormat('es', { maximumFractionDigits: 1 })).not.to.equal(numberFormat('es', { maximumFractionDigits: 2 }));
    expect(numberFormat('es', { maximumFractionDigits: 1 })).not.to.equal(numberFormat('en', { maximumFractionDigits: 1 }));
    expect(dateTimeFormat('en', { year: 'numeric', timeZone: 'UTC' })).to.equal(dateTimeFormat('en', { year: 'numeric', timeZone: 'UTC' }));
    expect(collator('es')).to.equal(collator('es'));
  });

  it('formats as a newly made formatter would', () => {
    expect(numberFormat('es', { maximumFractionDigits: 1 }).format(80.25)).to.equal(new Intl.NumberFormat('es', { maximumFractionDigits: 1 }).format(80.25));
    expect(['zorro', 'oso', 'ñu', 'Ángel', 'nube'].sort(collator('es').compare)).to.deep.equal(['Ángel', 'nube', 'ñu', 'oso', 'zorro']);
  });

  it('makes no formatter per date formatted: a page asks for its date formatter on every request', () => {
    const made = countIntlConstructions(() => {
      for (let i = 0; i < 50; i++) {
        const dates = dateFormatter('es', 'America/Chicago');
        dates.day('2005-05-03');
        dates.instant('2026-12-02T17:30:00Z');
      }
    });
    // The first call may make its four formatters (if no earlier test did); fifty calls make no more than that.
    expect(made).to.be.at.most(4);
  });
});

/** How many Intl.DateTimeFormat objects `work` constructed. */
function countIntlConstructions(work: () => void): number {
  const original = Intl.DateTimeFormat;
  let made = 0;
  const counting = new Proxy(original, {
    construct(target, args: ConstructorParameters<typeof Intl.DateTimeFormat>) {
      made += 1;
      return new target(...args);
    },
  });
  Intl.DateTimeFormat = counting;
  try {
    work();
  } finally {
    Intl.DateTimeFormat = original;
  }
  return made;
}
