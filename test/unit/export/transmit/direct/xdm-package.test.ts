import { expect } from 'chai';
import { execFileSync } from 'node:child_process';
import { createHash } from 'node:crypto';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { strFromU8, unzipSync } from 'fflate';
import { buildXdmPackage, ccdaFormatCode, mimeTypeSufficientFormatCode, type XdmInput } from '../../../../../src/export/transmit/direct/xdm-package.ts';

const ccd = '<?xml version="1.0" encoding="UTF-8"?>\n<ClinicalDocument xmlns="urn:hl7-org:v3"><title>Resumen</title></ClinicalDocument>\n';
const pdf = Buffer.concat([Buffer.from('%PDF-1.7\n'), Buffer.from([0, 1, 2, 255, 254]), Buffer.from('\n%%EOF\n')]);

const input: XdmInput = {
  documents: [
    { filename: 'CCD.XML', contentType: 'text/xml', body: ccd, title: 'Resumen de salud (C-CDA)', languageCode: 'es-US' },
    { filename: 'SUMMARY.PDF', contentType: 'application/pdf', body: pdf, title: 'Health summary & <PDF>', languageCode: 'en-US' },
  ],
  patient: { id: 'MRN-00042', assigningAuthorityOid: '2.16.840.1.113883.3.9999.1' },
  practice: { name: 'Clínica Puente & Hijos', oid: '2.16.840.1.113883.3.9999' },
  submission: {
    uniqueId: '2.25.123456789',
    sourceId: '2.16.840.1.113883.3.9999.2',
    createdAt: new Date('2026-03-04T05:06:07.890Z'),
    intendedRecipient: 'dra.rivera@direct.demo-hisp.example',
  },
};

/** The values of every rim:Slot named `name`, in document order. */
function slotValues(xml: string, name: string): string[] {
  return [...xml.matchAll(new RegExp(`<rim:Slot name="${name}">\\s*<rim:ValueList>\\s*<rim:Value>([^<]*)</rim:Value>`, 'g'))].map((m) => m[1]!);
}

describe('IHE XDM package for Direct (xdm-package.ts)', () => {
  const files = unzipSync(buildXdmPackage(input));
  const metadata = strFromU8(files['IHE_XDM/SUBSET01/METADATA.XML']!);

  it('has the XDM layout: INDEX.HTM and README.TXT at the root, metadata and documents in IHE_XDM/SUBSET01', () => {
    expect(Object.keys(files).sort()).to.deep.equal(['IHE_XDM/SUBSET01/CCD.XML', 'IHE_XDM/SUBSET01/METADATA.XML', 'IHE_XDM/SUBSET01/SUMMARY.PDF', 'INDEX.HTM', 'README.TXT']);
    expect(strFromU8(files['IHE_XDM/SUBSET01/CCD.XML']!)).to.equal(ccd);
    expect(Buffer.from(files['IHE_XDM/SUBSET01/SUMMARY.PDF']!).equals(pdf)).to.equal(true);
  });

  it('links every document from INDEX.HTM and names the practice and software in README.TXT', () => {
    const index = strFromU8(files['INDEX.HTM']!);
    expect(index).to.include('<a href="IHE_XDM/SUBSET01/CCD.XML">Resumen de salud (C-CDA)</a>');
    expect(index).to.include('<a href="IHE_XDM/SUBSET01/SUMMARY.PDF">Health summary &#38; &#60;PDF&#62;</a>');
    const readme = strFromU8(files['README.TXT']!);
    expect(readme).to.include('Sent by: Clínica Puente & Hijos (OID 2.16.840.1.113883.3.9999)\r\n');
    expect(readme).to.include('Sending software: Puente patient portal\r\n');
  });

  it('writes well-formed ebRS 3.0 metadata (xmllint)', () => {
    const dir = mkdtempSync(join(tmpdir(), 'puente-xdm-'));
    try {
      writeFileSync(join(dir, 'METADATA.XML'), metadata);
      execFileSync('xmllint', ['--noout', join(dir, 'METADATA.XML')], { stdio: 'pipe' });
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
    expect(metadata).to.match(/^<\?xml version="1.0" encoding="UTF-8"\?>\n<lcm:SubmitObjectsRequest xmlns:lcm="urn:oasis:names:tc:ebxml-regrep:xsd:lcm:3.0"/);
  });

  it('gives each document entry its SHA-1 hash, size, URI, language, creation time and patient', () => {
    expect(slotValues(metadata, 'hash')).to.deep.equal([createHash('sha1').update(ccd).digest('hex'), createHash('sha1').update(pdf).digest('hex')]);
    expect(slotValues(metadata, 'size')).to.deep.equal([String(Buffer.byteLength(ccd)), String(pdf.length)]);
    expect(slotValues(metadata, 'URI')).to.deep.equal(['CCD.XML', 'SUMMARY.PDF']);
    expect(slotValues(metadata, 'languageCode')).to.deep.equal(['es-US', 'en-US']);
    expect(slotValues(metadata, 'creationTime')).to.deep.equal(['20260304050607', '20260304050607']);
    // Slot values as written in the XML: '&' escaped.
    expect(slotValues(metadata, 'sourcePatientId')).to.deep.equal(Array(2).fill('MRN-00042^^^&amp;2.16.840.1.113883.3.9999.1&amp;ISO'));
    expect(slotValues(metadata, 'sourcePatientInfo')).to.deep.equal(Array(2).fill('PID-3|MRN-00042^^^&amp;2.16.840.1.113883.3.9999.1&amp;ISO'));
    expect(slotValues(metadata, 'submissionTime')).to.deep.equal(['20260304050607']);
    expect(slotValues(metadata, 'intendedRecipient')).to.deep.equal(['||^^Internet^dra.rivera@direct.demo-hisp.example']);
    expect(metadata).to.include('mimeType="text/xml" objectType="urn:uuid:7edca82f-054d-47f2-a032-9b2a5b5186c1"');
    expect(metadata).to.include('identificationScheme="urn:uuid:2e82c1f6-a085-4c72-9da3-8640a32e42ab" registryObject="Document01" value="2.25.123456789.1"');
    expect(metadata).to.include('identificationScheme="urn:uuid:2e82c1f6-a085-4c72-9da3-8640a32e42ab" registryObject="Document02" value="2.25.123456789.2"');
    expect(metadata).to.include('identificationScheme="urn:uuid:96fdda7c-d067-4183-912e-bf5ee74998a8" registryObject="SubmissionSet01" value="2.25.123456789"');
  });

  it('codes class, type, format and confidentiality, and names the author institution on every entry and the submission set', () => {
    expect(metadata.match(/classificationScheme="urn:uuid:41a5887f-8865-4c09-adf7-e362475b143a" classifiedObject="Document0\d" nodeRepresentation="34133-9"/g)).to.have.length(2);
    expect(metadata.match(/classificationScheme="urn:uuid:f0306f51-975f-434e-a61c-c59651d33983" classifiedObject="Document0\d" nodeRepresentation="34133-9"/g)).to.have.length(2);
    expect(metadata).to.include(`classificationScheme="urn:uuid:a09d5840-386c-46f2-b5ad-9c3699a4309d" classifiedObject="Document01" nodeRepresentation="${ccdaFormatCode}"`);
    expect(metadata).to.include(
      `classificationScheme="urn:uuid:a09d5840-386c-46f2-b5ad-9c3699a4309d" classifiedObject="Document02" nodeRepresentation="${mimeTypeSufficientFormatCode}"`,
    );
    expect(metadata.match(/classificationScheme="urn:uuid:f4f85eac-e6cb-4883-b524-f2705394840f" classifiedObject="Document0\d" nodeRepresentation="N"/g)).to.have.length(2);
    // XON with the OID in component 10; the '&' in the name would split a subcomponent, so it becomes a space.
    expect(slotValues(metadata, 'authorInstitution')).to.deep.equal(Array(3).fill('Clínica Puente   Hijos^^^^^&amp;2.16.840.1.113883.3.9999&amp;ISO^^^^2.16.840.1.113883.3.9999'));
    expect(
      metadata.match(/associationType="urn:oasis:names:tc:ebxml-regrep:AssociationType:HasMember" sourceObject="SubmissionSet01" targetObject="Document0(1|2)"/g),
    ).to.have.length(2);
    expect(metadata).to.include('classificationNode="urn:uuid:a54d6aa5-d40d-43f9-88c5-b4633d873bdd"');
  });

  it('refuses file names that are paths, reserved or repeated, and ids that are not OIDs', () => {
    const doc = input.documents[0]!;
    expect(() => buildXdmPackage({ ...input, documents: [{ ...doc, filename: '../CCD.XML' }] })).to.throw('unsafe XDM document file name');
    expect(() => buildXdmPackage({ ...input, documents: [{ ...doc, filename: 'metadata.xml' }] })).to.throw('unsafe XDM document file name');
    expect(() => buildXdmPackage({ ...input, documents: [doc, { ...doc, filename: 'ccd.xml' }] })).to.throw('repeated XDM document file name');
    expect(() => buildXdmPackage({ ...input, submission: { ...input.submission, uniqueId: 'abc' } })).to.throw('submission.uniqueId must be an OID');
    expect(() => buildXdmPackage({ ...input, documents: [] })).to.throw('at least one document');
  });
});
