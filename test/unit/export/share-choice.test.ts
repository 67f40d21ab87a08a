import { expect } from 'chai';
import { parseShareChoice } from '../../../src/export/share-choice.ts';

describe('the share form: what to download (parseShareChoice)', () => {
  it('is the whole record in the page language when nothing is asked', () => {
    expect(parseShareChoice({}, 'es')).to.deep.equal({ ok: true, choice: { what: 'all', from: '', to: '', visit: '', language: 'es' }, range: undefined });
    expect(parseShareChoice({ lang: 'en' }, 'es')).to.deep.include({ ok: true, range: undefined });
    expect(parseShareChoice({ lang: 'fr' }, 'en').choice.language).to.equal('en');
  });

  it('ignores the dates when the whole record is chosen, and takes dates alone as a range', () => {
    expect(parseShareChoice({ what: 'all', from: 'nonsense' }, 'en')).to.deep.include({ ok: true, range: undefined });
    expect(parseShareChoice({ from: '2020-01-01', to: '2020-12-31' }, 'en')).to.deep.include({ ok: true, range: { from: '2020-01-01', to: '2020-12-31' } });
    expect(parseShareChoice({ what: 'range', to: '2020-12-31' }, 'en')).to.deep.include({ ok: true, range: { to: '2020-12-31' } });
    // A date after today is fine: nothing in the record lies there, and nothing is refused for it.
    expect(parseShareChoice({ from: '2020-01-01', to: '2999-12-31' }, 'en').ok).to.equal(true);
  });

  it('names the field of each mistake: malformed or unreal dates, no date for a range, from after to', () => {
    expect(parseShareChoice({ what: 'range', from: '2020-02-30' }, 'en')).to.deep.include({ ok: false, errors: { from: 'share.error.date' } });
    expect(parseShareChoice({ from: '2020-01-01', to: '31/12/2020' }, 'en')).to.deep.include({ ok: false, errors: { to: 'share.error.date' } });
    expect(parseShareChoice({ from: '2020', to: '2021-01-01' }, 'en')).to.deep.include({ ok: false, errors: { from: 'share.error.date' } });
    expect(parseShareChoice({ from: ['2020-01-01', '2020-02-01'] }, 'en')).to.deep.include({ ok: false, errors: { from: 'share.error.date' } });
    expect(parseShareChoice({ from: 'x'.repeat(500), to: '2020-01-01' }, 'en')).to.deep.include({ ok: false, errors: { from: 'share.error.date' } });
    expect(parseShareChoice({ what: 'range' }, 'en')).to.deep.include({ ok: false, errors: { from: 'share.error.rangeEmpty' } });
    expect(parseShareChoice({ from: '2020-05-01', to: '2020-01-01' }, 'es')).to.deep.include({ ok: false, errors: { to: 'share.error.order' } });
    expect(parseShareChoice({ what: 'visit' }, 'es')).to.deep.include({ ok: false, errors: { visit: 'share.error.visit' } });
    expect(parseShareChoice({ what: 'visit', visit: '../Patient/x' }, 'es')).to.deep.include({ ok: false, errors: { visit: 'share.error.visit' } });
  });

  it('takes one visit by its Encounter id', () => {
    expect(parseShareChoice({ what: 'visit', visit: 'enc-1', from: 'ignored' }, 'en')).to.deep.include({ ok: true, range: undefined, visit: 'enc-1' });
  });
});
