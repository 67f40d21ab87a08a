import { expect } from 'chai';
import { formBody } from '../../../src/http/form-body.ts';

describe('form bodies parsed by schema', () => {
  const form = formBody({
    email: {},
    password: { trim: false },
    kind: { oneOf: ['public', 'confidential-secret'] },
    physician: { pattern: '^[A-Za-z0-9\\-.]{1,64}$' },
    note: { maxLength: 5 },
    scope: { list: true },
  });

  it('gives each declared field as a string, trimmed except secrets, and ignores undeclared ones', () => {
    const values = form.parse({ email: '  ana@example.org ', password: ' pass phrase ', kind: 'public', physician: 'p-1', note: 'hi', scope: 'patient/*.rs', other: 'x' });
    expect(values).to.deep.equal({ email: 'ana@example.org', password: ' pass phrase ', kind: 'public', physician: 'p-1', note: 'hi', scope: ['patient/*.rs'] });
  });

  it('turns a missing, repeated, out-of-pattern, unlisted or too long value into the empty string', () => {
    const values = form.parse({ email: ['a@b.c', 'd@e.f'], kind: 'backend', physician: '../Patient', note: 'too long', scope: ['a', 'b'] });
    expect(values).to.deep.equal({ email: '', password: '', kind: '', physician: '', note: '', scope: ['a', 'b'] });
  });

  it('answers an empty form for a body that is not an object, and never reads inherited properties', () => {
    const empty = { email: '', password: '', kind: '', physician: '', note: '', scope: [] };
    expect(form.parse(undefined)).to.deep.equal(empty);
    expect(form.parse('email=x')).to.deep.equal(empty);
    expect(formBody({ toString: {}, constructor: {} }).parse(Object.create({ toString: 'inherited' }))).to.deep.equal({ toString: '', constructor: '' });
  });

  it('check says which sent fields were refused, so a list emptied by one bad value can be refused whole', () => {
    const people = formBody({ notSharedWith: { list: true, pattern: '^[A-Za-z0-9\\-.]{1,64}$' } });
    expect(people.check({ notSharedWith: ['rp-1', 'rp-2'] })).to.deep.equal({ values: { notSharedWith: ['rp-1', 'rp-2'] }, rejected: new Set() });
    expect(people.check({})).to.deep.equal({ values: { notSharedWith: [] }, rejected: new Set() });
    const bad = people.check({ notSharedWith: ['rp-1', '../RelatedPerson/x'] });
    expect(bad.values).to.deep.equal({ notSharedWith: [] });
    expect([...bad.rejected]).to.deep.equal(['notSharedWith']);
    expect([...people.check({ notSharedWith: { a: 1 } }).rejected]).to.deep.equal(['notSharedWith']);
  });
});
