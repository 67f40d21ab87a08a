/**
 * The exported CCD against the rules HL7 publishes: CDA_SDTC.xsd (xmllint) and the C-CDA R2.1 schematron's errors
 * phase (xsltproc), both local programs run as child processes on the project's copies in data/ccda-validation.
 * The schematron is compiled once per content hash into a cache under the OS tmp dir.
 */
import { readFileSync } from 'node:fs';
import { expect } from 'chai';
import { fromRoot } from '../../../../scripts/lib/paths.ts';
import { type CcdaValidation, compileSchematron, describeValidation, validateCcda, validateSchematron } from '../../../../scripts/lib/ccda-validator.ts';
import { buildCcd } from '../../../../src/export/ccda/build-ccd.ts';
import type { CcdLanguage, CcdRange } from '../../../../src/export/ccda/model.ts';
import { edgePatient, edgeResources } from './edge-record.ts';
import { ccdInput, loadSynthea, syntheaFiles } from './synthea.ts';

const RANGE: CcdRange = { from: '2019-06-01', to: '2020-12-31' };
const example = (name: string) => readFileSync(fromRoot('data/ccda-validation/ccda-examples', name), 'utf8');

function expectValid(validation: CcdaValidation): void {
  expect(validation.xsdValid && validation.failedAsserts.length === 0, describeValidation(validation)).to.equal(true);
}

describe('C-CDA CCD export: valid against CDA_SDTC.xsd and the HL7 C-CDA R2.1 schematron (errors phase)', function () {
  this.timeout(60_000);

  before(async function () {
    this.timeout(180_000);
    await compileSchematron('ccda-r2.1', 'errors');
  });

  for (const file of syntheaFiles) {
    const name = file.split('_').slice(0, 2).join(' ');
    for (const language of ['es', 'en'] as CcdLanguage[]) {
      for (const range of [undefined, RANGE]) {
        it(`${name}, ${language}, ${range ? `${range.from} – ${range.to}` : 'whole record'}`, async () => {
          expectValid(await validateCcda(buildCcd(ccdInput(loadSynthea(file), language, range))));
        });
      }
    }
  }

  for (const language of ['es', 'en'] as CcdLanguage[]) {
    it(`the hand-made record with everything Synthea lacks, ${language}`, async () => {
      expectValid(await validateCcda(buildCcd(ccdInput({ patient: edgePatient, resources: edgeResources }, language))));
    });
  }

  it('a range with nothing in it (six empty required sections)', async () => {
    expectValid(await validateCcda(buildCcd(ccdInput(loadSynthea(syntheaFiles.find((f) => f.startsWith('Luigi'))!), 'es', { from: '2001-01-01', to: '2001-12-31' }))));
  });
});

describe('C-CDA validator: the check can fail', function () {
  this.timeout(60_000);

  it('passes HL7’s own valid sample CCD', async () => {
    expectValid(await validateCcda(example('HL7-C-CDA-Examples_CCD2.xml')));
  });

  it('reports the seven known errors of HL7’s negative sample, with ids and locations', async () => {
    const validation = await validateCcda(example('CCD_Parent_Document_Replace_C-CDAR2.1.xml'));
    expect(validation.xsdValid).to.equal(true);
    expect(validation.failedAsserts.map((a) => a.id).sort()).to.deep.equal([
      'a-1098-31536',
      'a-1098-31538',
      'pattern:hasCompatibleR1.1TemplateId',
      'pattern:hasCompatibleR1.1TemplateId',
      'pattern:hasCompatibleR1.1TemplateId',
      'pattern:hasCompatibleR1.1TemplateId',
      'pattern:hasCompatibleR1.1TemplateId',
    ]);
    expect(validation.failedAsserts.find((a) => a.id === 'a-1098-31536')!.location).to.equal(
      '/ClinicalDocument/component/structuredBody/component[1]/section/entry/act/entryRelationship/observation',
    );
  });

  it('reports a CCD whose Allergies section lost its templateId, and one the schema rejects', async () => {
    const xml = buildCcd(ccdInput(loadSynthea(syntheaFiles.find((f) => f.startsWith('Luigi'))!), 'en'));
    const withoutAllergies = xml.replace('<templateId root="2.16.840.1.113883.10.20.22.2.6.1" extension="2015-08-01"/>', '');
    expect(withoutAllergies).to.not.equal(xml);
    const failed = (await validateCcda(withoutAllergies)).failedAsserts.map((a) => a.id);
    // CONF:1198-30661: a CCD SHALL contain an Allergies and Intolerances Section (entries required).
    expect(failed).to.include('a-1198-30661');

    const notSchemaValid = xml.replace('<realmCode code="US"/>', '<realmCode code="US"/><unexpected/>');
    const validation = await validateCcda(notSchemaValid);
    expect(validation.xsdValid).to.equal(false);
    expect(validation.xsdErrors.join('\n')).to.include('unexpected');
  });

  it('gives the same verdicts with and without its speed-ups (templateId guards, no empty pattern walks)', async function () {
    this.timeout(180_000);
    const xml = buildCcd(ccdInput({ patient: edgePatient, resources: edgeResources }, 'en'));
    const broken = xml.replaceAll('<statusCode code="completed"/>', '<statusCode code="done"/>').replace(/<templateId root="2.16.840.1.113883.10.20.22.4.4"\/>/, '');
    for (const document of [broken, example('CCD_Parent_Document_Replace_C-CDAR2.1.xml')]) {
      const key = (a: { id: string; location: string }) => `${a.id} ${a.location}`;
      const fast = (await validateSchematron(document)).map(key).sort();
      const exhaustive = (await validateSchematron(document, { exhaustive: true })).map(key).sort();
      expect(fast.length).to.be.greaterThan(0);
      expect(fast).to.deep.equal(exhaustive);
    }
  });
});
