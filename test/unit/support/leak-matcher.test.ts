import { expect } from 'chai';
import { leakMatcher } from '../../support/leak-matcher.ts';

describe('leakMatcher (the adversarial suite’s check for another patient’s data)', () => {
  // B's ids are short on purpose: on a long-lived HAPI, A's ids contain them as substrings.
  const find = leakMatcher({ ids: ['12', 'b-7.x'], texts: ['BRAVO', 'MRN-0042', 'Díaz'] });

  it('finds B’s ids as resource ids, in references, URLs and query values', () => {
    const leaks: [string, string][] = [
      ['{"resourceType":"Patient","id":"12"}', '12'],
      ['{"resourceType":"Patient", "id" : "12", "active":true}', '12'],
      ['{"subject":{"reference":"Patient/12"}}', '12'],
      ['{"fullUrl":"http://127.0.0.1:3000/fhir/Observation/12"}', '12'],
      ['{"url":"http://hapi/fhir/Patient/12/_history/3"}', '12'],
      ['{"url":"Patient/12?x=1"}', '12'],
      ['{"url":"Observation?_id=5,12&_count=2"}', '12'],
      ['{"url":"Observation?patient=12"}', '12'],
      ['HAPI-2001: Resource Patient/12.', '12'],
      ['Resource Patient/12 is not known', '12'],
      ['{"subject":{"reference":"Patient/b-7.x"}}', 'b-7.x'],
    ];
    for (const [body, id] of leaks) expect(find(body), body).to.deep.equal([id]);
  });

  it('does not find B’s id inside longer ids, timestamps, versions or numbers', () => {
    const clean = [
      '{"resourceType":"Patient","id":"1234"}',
      '{"resourceType":"Patient","id":"312"}',
      '{"subject":{"reference":"Patient/1234"}}',
      '{"subject":{"reference":"Patient/4123"}}',
      '{"fullUrl":"http://127.0.0.1:3000/fhir/Observation/120"}',
      '{"meta":{"versionId":"12","lastUpdated":"2026-12-02T10:12:34.120+00:00"}}',
      '{"valueQuantity":{"value":12,"unit":"mg"},"other":98.12}',
      '{"valueString":"12.5 mmol/L"}',
      '{"subject":{"reference":"Patient/b-7.xy"}}',
      '{"id":"ab-7.x"}',
    ];
    for (const body of clean) expect(find(body), body).to.deep.equal([]);
  });

  it('finds names, MRN and markers anywhere, even inside other words', () => {
    expect(find('{"code":{"text":"xBRAVOx glucose"}}')).to.deep.equal(['BRAVO']);
    expect(find('{"identifier":[{"value":"MRN-00421"}]}')).to.deep.equal(['MRN-0042']);
    expect(find('<div>Rosa Díaz</div>')).to.deep.equal(['Díaz']);
    expect(find('{"id":"12","name":[{"family":"Díaz"}]}')).to.deep.equal(['12', 'Díaz']);
  });
});
