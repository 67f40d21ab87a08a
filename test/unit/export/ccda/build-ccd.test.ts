import { expect } from 'chai';
import type { AllergyIntolerance, CarePlan, Condition, DiagnosticReport, Encounter, Goal, MedicationRequest, Observation, Resource } from '@medplum/fhirtypes';
import { buildCcd } from '../../../../src/export/ccda/build-ccd.ts';
import { type CcdRange, isCcdResource } from '../../../../src/export/ccda/model.ts';
import { edgePatient, edgeResources } from './edge-record.ts';
import { ccdInput, escaped, loadSynthea, sectionOf, sectionsOf, syntheaFiles } from './synthea.ts';

/** Section templateIds (root:extension) of the CCD. */
const SECTION = {
  allergies: '2.16.840.1.113883.10.20.22.2.6.1:2015-08-01',
  medications: '2.16.840.1.113883.10.20.22.2.1.1:2014-06-09',
  problems: '2.16.840.1.113883.10.20.22.2.5.1:2015-08-01',
  results: '2.16.840.1.113883.10.20.22.2.3.1:2015-08-01',
  socialHistory: '2.16.840.1.113883.10.20.22.2.17:2015-08-01',
  vitalSigns: '2.16.840.1.113883.10.20.22.2.4.1:2015-08-01',
  encounters: '2.16.840.1.113883.10.20.22.2.22.1:2015-08-01',
  immunizations: '2.16.840.1.113883.10.20.22.2.2.1:2015-08-01',
  procedures: '2.16.840.1.113883.10.20.22.2.7.1:2014-06-09',
  planOfTreatment: '2.16.840.1.113883.10.20.22.2.10:2014-06-09',
  goals: '2.16.840.1.113883.10.20.22.2.60',
  healthConcerns: '2.16.840.1.113883.10.20.22.2.58:2015-08-01',
} as const;
type SectionName = keyof typeof SECTION;

// ── The documented selection rules (src/export/ccda/select.ts), restated here to count what each section must hold ──

const code = (concept: { coding?: { code?: string }[] } | undefined) => concept?.coding?.[0]?.code;
const hasCategory = (resource: { category?: { coding?: { code?: string }[] }[] }, wanted: string) =>
  resource.category?.some((c) => c.coding?.some((x) => x.code === wanted)) ?? false;
const ofType = <T extends Resource>(resources: readonly Resource[], type: T['resourceType']) => resources.filter((r): r is T => r.resourceType === type);

/** The practice-local day (America/Chicago) of a FHIR date or dateTime, as the tests' own reading. */
function chicagoDay(value: string | undefined): string | undefined {
  if (!value) return undefined;
  if (!value.includes('T')) return value;
  return new Intl.DateTimeFormat('en-CA', { timeZone: 'America/Chicago', year: 'numeric', month: '2-digit', day: '2-digit' }).format(new Date(value));
}

function expectedCounts(resources: readonly Resource[], range?: CcdRange): Record<SectionName, number> {
  const from = range?.from ?? '0000-01-01';
  const to = range?.to ?? '9999-12-31';
  const at = (value: string | undefined) => {
    const day = chicagoDay(value);
    return day === undefined || (day >= from && day <= to);
  };
  const span = (start: string | undefined, end: string | undefined, ongoing: boolean) => {
    const first = chicagoDay(start);
    const last = ongoing ? '9999-12-31' : (chicagoDay(end) ?? first);
    return (first === undefined || first <= to) && (last === undefined || last >= from);
  };

  const reports = ofType<DiagnosticReport>(resources, 'DiagnosticReport').filter((r) => r.status !== 'entered-in-error' && r.status !== 'cancelled');
  const reported = new Set(reports.flatMap((r) => (r.result ?? []).map((ref) => ref.reference!.replace(/^urn:uuid:|^Observation\//, ''))));
  const observations = ofType<Observation>(resources, 'Observation').filter((o) => o.status !== 'entered-in-error' && o.status !== 'cancelled' && !reported.has(o.id!));
  const social = observations.filter((o) => code(o.code) === '72166-2' || hasCategory(o, 'social-history') || hasCategory(o, 'survey'));
  const vitals = observations.filter((o) => !social.includes(o) && hasCategory(o, 'vital-signs'));
  const standalone = observations.filter((o) => !social.includes(o) && !vitals.includes(o));
  const conditions = ofType<Condition>(resources, 'Condition').filter((c) => !['entered-in-error', 'refuted'].includes(code(c.verificationStatus) ?? ''));
  const encounters = ofType<Encounter>(resources, 'Encounter').filter(
    (e) => !['entered-in-error', 'cancelled', 'planned'].includes(e.status) && span(e.period?.start, e.period?.end, false),
  );

  return {
    allergies: ofType<AllergyIntolerance>(resources, 'AllergyIntolerance').filter(
      (a) => !['entered-in-error', 'refuted'].includes(code(a.verificationStatus) ?? '') && span(a.recordedDate, a.recordedDate, code(a.clinicalStatus) === 'active'),
    ).length,
    medications: ofType<MedicationRequest>(resources, 'MedicationRequest').filter((m) => m.status !== 'entered-in-error' && span(m.authoredOn, m.authoredOn, m.status === 'active'))
      .length,
    problems: conditions.filter((c) => span(c.onsetDateTime, c.abatementDateTime, !c.abatementDateTime && code(c.clinicalStatus) === 'active')).length,
    results: reports.filter((r) => at(r.effectiveDateTime)).length + standalone.filter((o) => at(o.effectiveDateTime)).length,
    socialHistory: social.filter((o) => at(o.effectiveDateTime)).length,
    vitalSigns: new Set(vitals.filter((o) => at(o.effectiveDateTime)).map((o) => `${o.encounter?.reference}|${o.effectiveDateTime}`)).size,
    encounters: encounters.length,
    immunizations: ofType(resources, 'Immunization').filter(
      (i) => (i as { occurrenceDateTime?: string }).occurrenceDateTime && at((i as { occurrenceDateTime?: string }).occurrenceDateTime),
    ).length,
    procedures: ofType(resources, 'Procedure').filter((p) => {
      const period = (p as { performedPeriod?: { start?: string; end?: string } }).performedPeriod;
      return span(period?.start, period?.end, false);
    }).length,
    planOfTreatment: ofType<CarePlan>(resources, 'CarePlan').filter(
      (c) => ['draft', 'active', 'on-hold'].includes(c.status) && span(c.period?.start, c.period?.end, !c.period?.end),
    ).length,
    goals: ofType<Goal>(resources, 'Goal').filter((g) => g.lifecycleStatus !== 'entered-in-error').length,
    healthConcerns: 0,
  };
}

const REQUIRED: readonly SectionName[] = ['allergies', 'medications', 'problems', 'results', 'socialHistory', 'vitalSigns'];
const RANGE: CcdRange = { from: '2019-06-01', to: '2020-12-31' };

describe('C-CDA CCD export: what the document holds (buildCcd)', () => {
  for (const file of syntheaFiles) {
    const record = loadSynthea(file);
    for (const range of [undefined, RANGE]) {
      it(`${file.split('_').slice(0, 2).join(' ')}${range ? ` (${range.from} – ${range.to})` : ''}: one entry per resource in each section, by the documented rules`, () => {
        const xml = buildCcd(ccdInput(record, 'en', range));
        const expected = expectedCounts(record.resources, range);
        for (const [name, templateId] of Object.entries(SECTION) as [SectionName, string][]) {
          const section = sectionOf(xml, templateId);
          const count = expected[name];
          if (count === 0 && !REQUIRED.includes(name)) {
            expect(section, `${name} is left out when there is nothing for it`).to.equal(undefined);
            continue;
          }
          expect(section, name).to.not.equal(undefined);
          expect(section!.entries.length, name).to.equal(count);
          // Required and empty: nullFlavor NI and a sentence, never a table.
          expect(section!.nullFlavor, name).to.equal(count === 0 ? 'NI' : undefined);
        }
      });
    }

    it(`${file.split('_').slice(0, 2).join(' ')}: the narrative names every problem, medication and allergy as the record writes it`, () => {
      const xml = buildCcd(ccdInput(record, 'es'));
      const texts = (type: string, pick: (r: Resource) => string | undefined) =>
        record.resources
          .filter((r) => r.resourceType === type)
          .map(pick)
          .filter((t): t is string => !!t);
      const checks: [string, string[]][] = [
        [SECTION.problems, texts('Condition', (r) => (r as Condition).code?.text)],
        [SECTION.medications, texts('MedicationRequest', (r) => (r as MedicationRequest).medicationCodeableConcept?.text)],
        [SECTION.allergies, texts('AllergyIntolerance', (r) => (r as AllergyIntolerance).code?.text)],
      ];
      for (const [templateId, expectedTexts] of checks) {
        const text = sectionOf(xml, templateId)!.text;
        for (const expectedText of expectedTexts) expect(text, expectedText).to.include(escaped(expectedText));
      }
    });
  }

  it('says the document, titles and table headers in the language asked for, the record’s own words untouched', () => {
    const record = loadSynthea(syntheaFiles.find((f) => f.startsWith('Reyna'))!);
    const es = buildCcd(ccdInput(record, 'es'));
    const en = buildCcd(ccdInput(record, 'en'));
    expect(es).to.include('<languageCode code="es-US"/>');
    expect(en).to.include('<languageCode code="en-US"/>');
    expect(es).to.include('<title>Documento de continuidad de la atención</title>');
    expect(en).to.include('<title>Continuity of Care Document</title>');
    expect(sectionsOf(es).map((s) => s.title)).to.deep.equal([
      'Alergias e intolerancias',
      'Medicamentos',
      'Problemas de salud',
      'Resultados',
      'Antecedentes sociales',
      'Signos vitales',
      'Consultas',
      'Vacunas',
      'Procedimientos',
      'Plan de tratamiento',
      'Objetivos',
    ]);
    expect(sectionsOf(en).map((s) => s.title)).to.deep.equal([
      'Allergies and Intolerances',
      'Medications',
      'Problems',
      'Results',
      'Social History',
      'Vital Signs',
      'Encounters',
      'Immunizations',
      'Procedures',
      'Plan of Treatment',
      'Goals',
    ]);
    const header = (xml: string, templateId: string) => [...sectionOf(xml, templateId)!.text.matchAll(/<th>([^<]*)<\/th>/g)].map((m) => m[1]);
    expect(header(es, SECTION.allergies)).to.deep.equal(['Sustancia', 'Tipo', 'Reacción', 'Criticidad', 'Estado', 'Inicio']);
    expect(header(en, SECTION.allergies)).to.deep.equal(['Substance', 'Type', 'Reaction', 'Criticality', 'Status', 'Onset']);
    expect(header(es, SECTION.vitalSigns)).to.deep.equal(['Fecha', 'Signo vital', 'Resultado']);
    expect(header(en, SECTION.vitalSigns)).to.deep.equal(['Date', 'Vital sign', 'Result']);
    // The record's text is the same in both (Synthea writes English).
    expect(sectionOf(es, SECTION.problems)!.text).to.include('Prediabetes');
    expect(sectionOf(en, SECTION.problems)!.text).to.include('Prediabetes');
  });

  it('a required section with nothing in the range says so with nullFlavor NI and no entries; optional ones are left out', () => {
    const record = loadSynthea(syntheaFiles.find((f) => f.startsWith('Luigi'))!);
    const es = buildCcd(ccdInput(record, 'es', { from: '2001-01-01', to: '2001-12-31' }));
    const sections = sectionsOf(es);
    expect(sections.map((s) => [s.title, s.nullFlavor, s.entries.length])).to.deep.equal([
      ['Alergias e intolerancias', 'NI', 0],
      ['Medicamentos', 'NI', 0],
      ['Problemas de salud', 'NI', 0],
      ['Resultados', 'NI', 0],
      ['Antecedentes sociales', 'NI', 0],
      ['Signos vitales', 'NI', 0],
    ]);
    expect(sections[0]!.text).to.equal('\n            <paragraph>Este documento no contiene información sobre alergias ni intolerancias.</paragraph>\n          ');
    expect(es).to.include('<effectiveTime>\n        <low value="20010101"/>\n        <high value="20011231"/>\n      </effectiveTime>');
  });

  it('escapes every character XML reserves, in text and attributes, and never writes an empty attribute', () => {
    for (const language of ['es', 'en'] as const) {
      const xml = buildCcd({ ...ccdInput({ patient: edgePatient, resources: edgeResources }, language), practice: { name: 'Clínica "Puente" <&> Salud' } });
      expect(xml).to.include('<given>María &lt;José&gt; &amp; "Pepa"</given>');
      expect(xml).to.include("<family>Núñez-O'Brien</family>");
      expect(xml).to.include('<name>Clínica "Puente" &lt;&amp;&gt; Salud</name>');
      expect(xml).to.include('<name>Dra. Ana &lt;Ruiz&gt; &amp; Cía</name>');
      expect(xml).to.include('<lotNumberText>LOT&lt;42&gt;&amp;</lotNumberText>');
      expect(xml).to.not.include('<José>');
      expect(xml).to.not.match(/\s[\w:]+=""/);
      // Unknown values are nullFlavored, not left empty.
      expect(xml).to.include('<id nullFlavor="NI"/>');
      expect(xml).to.include('<administrativeGenderCode nullFlavor="OTH"/>');
      expect(xml).to.include('<raceCode nullFlavor="UNK"/>');
    }
  });

  it('every entry points at its own row of the section narrative, and every reference resolves inside that section', () => {
    const record = loadSynthea(syntheaFiles.find((f) => f.startsWith('Alexis'))!);
    for (const xml of [buildCcd(ccdInput(record, 'en')), buildCcd(ccdInput({ patient: edgePatient, resources: edgeResources }, 'es'))]) {
      for (const section of sectionsOf(xml)) {
        const ids = new Set([...section.text.matchAll(/\sID="([^"]+)"/g)].map((m) => m[1]));
        for (const entry of section.entries) {
          const references = [...entry.matchAll(/<reference value="#([^"]+)"\/>/g)].map((m) => m[1]!);
          expect(references.length, `${section.title}: an entry without a narrative reference`).to.be.greaterThan(0);
          for (const reference of references) expect(ids.has(reference), `${section.title}: #${reference}`).to.equal(true);
        }
      }
      // IDs are XML IDs: unique in the whole document.
      const all = [...xml.matchAll(/\sID="([^"]+)"/g)].map((m) => m[1]);
      expect(new Set(all).size).to.equal(all.length);
    }
  });

  it('maps FHIR code systems to OIDs and keeps the record’s text as originalText in the narrative', () => {
    const xml = buildCcd(ccdInput({ patient: edgePatient, resources: edgeResources }, 'en'));
    const problems = sectionOf(xml, SECTION.problems)!;
    // ICD-10-CM code, text from the record pointed at in the narrative.
    expect(problems.xml).to.match(
      /<value xsi:type="CD" code="E11.9" codeSystem="2.16.840.1.113883.6.90" codeSystemName="ICD-10-CM" displayName="Type 2 diabetes mellitus without complications">\s*<originalText>\s*<reference value="#(problem-\d+-name)"\/>/,
    );
    const nameId = /code="E11.9"[\s\S]*?<reference value="#(problem-\d+-name)"/.exec(problems.xml)![1];
    expect(problems.text).to.include(`<td ID="${nameId}">Diabetes tipo 2</td>`);
    // Uncoded text: nullFlavor OTH with the text as originalText.
    expect(problems.xml).to.match(/<value xsi:type="CD" nullFlavor="OTH">\s*<originalText>/);
    // RxNorm through a contained Medication; CVX; LOINC with a UCUM unit; SNOMED CT.
    expect(xml).to.include('code="861007" codeSystem="2.16.840.1.113883.6.88" codeSystemName="RxNorm"');
    expect(xml).to.include('code="140" codeSystem="2.16.840.1.113883.12.292" codeSystemName="CVX"');
    expect(xml).to.include('<value xsi:type="PQ" value="120" unit="mm[Hg]"/>');
    expect(xml).to.include('code="8517006" codeSystem="2.16.840.1.113883.6.96" codeSystemName="SNOMED CT" displayName="Ex-smoker"');
    // "<0.5 mg/dL" is an interval, not a value.
    expect(xml).to.match(/<value xsi:type="IVL_PQ">\s*<high value="0.5" unit="mg\/dL" inclusive="false"\/>\s*<\/value>/);
  });

  it('writes dates with the record’s precision and instants with the practice zone’s offset', () => {
    const xml = buildCcd(ccdInput({ patient: edgePatient, resources: edgeResources }, 'en'));
    expect(xml).to.include('<birthTime value="1970"/>');
    // 2024-02-29T23:30Z is 17:30 in Chicago (CST, -0600).
    expect(xml).to.include('<sdtc:deceasedTime value="20240229173000-0600"/>');
    // 2023-06-01T09:00-05:00 stays 09:00 in Chicago (CDT, -0500); partial dates stay partial.
    expect(xml).to.include('<low value="20230601090000-0500"/>');
    expect(xml).to.include('<low value="201503"/>');
    // A dateTime without seconds keeps minute precision; the document's own time is to the second.
    expect(xml).to.include('<low value="201801010700-0600"/>');
    expect(xml).to.include('<effectiveTime value="20260301090405-0600"/>');
  });

  it('leaves out what the record marks as entered in error, refuted, cancelled or planned', () => {
    const xml = buildCcd(ccdInput({ patient: edgePatient, resources: edgeResources }, 'en'));
    for (const text of ['ENTERED IN ERROR', 'REFUTED', 'ERROR', 'CANCELLED']) expect(xml).to.not.include(`>${text}<`);
    expect(sectionOf(xml, SECTION.encounters)!.entries).to.have.length(2);
    expect(sectionOf(xml, SECTION.planOfTreatment)!.entries).to.have.length(1);
    // The encounter diagnosis goes with its encounter; the one whose encounter is not visible stays a problem.
    expect(sectionOf(xml, SECTION.encounters)!.xml).to.include('<templateId root="2.16.840.1.113883.10.20.22.4.80" extension="2015-08-01"/>');
    expect(sectionOf(xml, SECTION.problems)!.text).to.include('>Sinusitis<');
    expect(sectionOf(xml, SECTION.healthConcerns)!.entries).to.have.length(1);
  });

  it('is a pure function of its input: the same input gives the same document', () => {
    const record = loadSynthea(syntheaFiles[0]!);
    expect(buildCcd(ccdInput(record, 'es', RANGE))).to.equal(buildCcd(ccdInput(record, 'es', RANGE)));
    expect(record.resources.filter(isCcdResource).length).to.be.greaterThan(0);
  });
});
