import { expect } from 'chai';
import { codeSystemOf } from '../../../../src/export/ccda/code-systems.ts';
import { hl7Instant, hl7Time, localDay } from '../../../../src/export/ccda/hl7-time.ts';
import { nameUuid } from '../../../../src/export/ccda/uuid.ts';
import { el, escapeAttribute, escapeText, serializeXml } from '../../../../src/export/ccda/xml.ts';

describe('C-CDA building blocks', () => {
  it('writes FHIR dates with their own precision and instants in the practice zone with its offset (DST included)', () => {
    const chicago = (value: string) => hl7Time(value, 'America/Chicago');
    expect(['1970', '1970-04', '1970-04-09'].map(chicago)).to.deep.equal(['1970', '197004', '19700409']);
    expect(chicago('2023-01-15T18:30:00Z')).to.equal('20230115123000-0600');
    expect(chicago('2023-07-15T18:30:00Z')).to.equal('20230715133000-0500');
    expect(chicago('2023-07-15T18:30:00.987+02:00')).to.equal('20230715113000-0500');
    expect(chicago('2023-07-15T18:30+00:00')).to.equal('202307151330-0500');
    // No offset (not valid FHIR, seen in the wild): read as the practice's wall clock.
    expect(chicago('2023-07-15T08:00:00')).to.equal('20230715080000-0500');
    expect(hl7Time('2023-07-15T18:30:00Z', 'Asia/Kolkata')).to.equal('20230716000000+0530');
    expect(hl7Time('2023-07-15T18:30:00Z', 'UTC')).to.equal('20230715183000+0000');
    expect([chicago(''), chicago(undefined as unknown as string), chicago('yesterday'), chicago('2023-13-45T99:00:00Z'), chicago('2023-02-30')]).to.deep.equal([
      undefined,
      undefined,
      undefined,
      undefined,
      undefined,
    ]);
    expect(hl7Instant(new Date('2026-03-08T08:30:00Z'), 'America/Chicago')).to.equal('20260308033000-0500');
    // The practice-local day decides what a date range holds: 02:00Z on the 1st is still the 31st in Chicago.
    expect(localDay('2023-01-01T02:00:00Z', 'America/Chicago')).to.equal('2022-12-31');
    expect(localDay('2023-04', 'America/Chicago')).to.equal('2023-04');
  });

  it('escapes text and attributes, drops characters XML 1.0 forbids and never writes an empty attribute', () => {
    expect(escapeText('a < b & c > "d" \'e\'')).to.equal('a &lt; b &amp; c &gt; "d" \'e\'');
    expect(escapeAttribute('x="1" & <y>\n')).to.equal('x=&quot;1&quot; &amp; &lt;y&gt;&#10;');
    expect(escapeText('bad\u0000\u0007char\uFFFE ok \uD83D\uDE00 lone \uD800')).to.equal('badchar ok \uD83D\uDE00 lone ');
    const xml = serializeXml(el('root', { empty: '', absent: undefined, zero: 0, flag: false }, el('child', {}, 'Núñez <&>'), undefined, false, ['', el('leaf')]));
    expect(xml).to.equal('<?xml version="1.0" encoding="UTF-8"?>\n<root zero="0" flag="false">\n  <child>Núñez &lt;&amp;&gt;</child>\n  <leaf/>\n</root>\n');
  });

  it('maps FHIR code system URIs to the OIDs C-CDA writes', () => {
    const oid = (system: string) => codeSystemOf(system)?.oid;
    expect(oid('http://loinc.org')).to.equal('2.16.840.1.113883.6.1');
    expect(oid('http://snomed.info/sct')).to.equal('2.16.840.1.113883.6.96');
    expect(oid('http://www.nlm.nih.gov/research/umls/rxnorm')).to.equal('2.16.840.1.113883.6.88');
    expect(oid('http://hl7.org/fhir/sid/cvx')).to.equal('2.16.840.1.113883.12.292');
    expect(oid('http://hl7.org/fhir/sid/icd-10-cm')).to.equal('2.16.840.1.113883.6.90');
    expect(oid('http://unitsofmeasure.org')).to.equal('2.16.840.1.113883.6.8');
    expect(oid('urn:oid:2.16.840.1.113883.6.238')).to.equal('2.16.840.1.113883.6.238');
    expect(oid('urn:oid:1.2.3.4')).to.equal('1.2.3.4');
    expect([oid('urn:oid:1.2.x'), oid('https://example.org/codes'), oid('')]).to.deep.equal([undefined, undefined, undefined]);
  });

  it('derives stable upper-case UUIDs (version 5) for entry ids', () => {
    const id = nameUuid('Condition/abc#problem');
    expect(id).to.match(/^[0-9A-F]{8}-[0-9A-F]{4}-5[0-9A-F]{3}-[89AB][0-9A-F]{3}-[0-9A-F]{12}$/);
    expect(nameUuid('Condition/abc#problem')).to.equal(id);
    expect(nameUuid('Condition/abc#concern')).to.not.equal(id);
  });
});
