import { expect } from 'chai';
import { en } from '../../../src/core/i18n/catalog-en.ts';
import { es } from '../../../src/core/i18n/catalog-es.ts';
import { negotiateLocale } from '../../../src/core/i18n/translate.ts';

describe('i18n', () => {
  it('has the same keys in Spanish and English, none empty', () => {
    expect(Object.keys(es).sort()).to.deep.equal(Object.keys(en).sort());
    for (const value of [...Object.values(es), ...Object.values(en)]) expect(value.trim()).not.to.equal('');
  });

  it('negotiates the language from Accept-Language with q-values', () => {
    expect(negotiateLocale('es-MX,es;q=0.9,en;q=0.8')).to.equal('es');
    expect(negotiateLocale('fr-FR, en;q=0.5, es;q=0.7')).to.equal('es');
    expect(negotiateLocale('de')).to.equal('es');
    expect(negotiateLocale('de', 'en')).to.equal('en');
    expect(negotiateLocale(undefined, 'es')).to.equal('es');
    expect(negotiateLocale('es;q=0, en')).to.equal('en');
  });
});
