import { expect } from 'chai';
import { translate, type Locale } from '../../../src/core/i18n/translate.ts';
import { relationshipWords } from '../../../src/ui/relationship-words.ts';

/** The one rendering of a family member's relationship, for the patient's family pages and the staff console alike. */
describe('relationshipWords', () => {
  const ctxIn = (locale: Locale) => ({ t: (key: Parameters<typeof translate>[1]) => translate(locale, key) });

  it('says a relationship code in the reader’s language', () => {
    expect(relationshipWords(ctxIn('en'), 'MTH')).to.equal('Mother');
    expect(relationshipWords(ctxIn('es'), 'MTH')).to.equal('Madre');
  });

  it('shows a paper-form designee’s free text as staff typed it', () => {
    expect(relationshipWords(ctxIn('es'), 'vecina de confianza')).to.equal('vecina de confianza');
  });
});
