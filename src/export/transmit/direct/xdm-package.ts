/**
 * The IHE XDM zip a Direct message carries (IHE ITI TF-1 §16, TF-3 §4.2 and §4.4; the Direct
 * Applicability Statement's "XDR and XDM for Direct Messaging"): receivers' HISPs unpack it into
 * their EHR's document list, so the metadata, not the file names, says what each document is.
 *
 *   INDEX.HTM                    links to every document, for a person opening the zip by hand
 *   README.TXT                   who sent it, with which software
 *   IHE_XDM/SUBSET01/METADATA.XML  ebRS 3.0 SubmitObjectsRequest: one submission set, one document entry per file
 *   IHE_XDM/SUBSET01/<files>     the documents themselves
 *
 * Known receiver complaints (shared notes): a missing SUBSET01 folder, and a missing authorInstitution,
 * which some receivers require; both are always written here.
 */
import { createHash } from 'node:crypto';
import { zipSync } from 'fflate';
import { el, serializeXml, type XmlElement } from '../../ccda/xml.ts';

export interface XdmDocument {
  /** The file name inside IHE_XDM/SUBSET01/ (letters, digits, '.', '-', '_'). */
  readonly filename: string;
  readonly contentType: string;
  readonly body: string | Uint8Array;
  readonly title: string;
  /** BCP 47, e.g. 'es-US' or 'en-US'. */
  readonly languageCode: string;
  /** XDS formatCode; by default the C-CDA R2.1 structured body for XML and "mime type sufficient" for the rest. */
  readonly formatCode?: string;
  /** XDS uniqueId (an OID); by default the submission set's uniqueId with the document's position appended. */
  readonly uniqueId?: string;
}

export interface XdmInput {
  readonly documents: readonly XdmDocument[];
  /** The patient's identifier and its assigning authority (an OID); the portal's own id when the record has no MRN. */
  readonly patient: { readonly id: string; readonly assigningAuthorityOid?: string };
  readonly practice: { readonly name: string; readonly oid?: string };
  readonly submission: {
    /** An OID, unique to this submission. */
    readonly uniqueId: string;
    /** The sending system's OID. */
    readonly sourceId: string;
    readonly createdAt: Date;
    /** The recipient's Direct address. */
    readonly intendedRecipient: string;
  };
  /** The sending software's name and version, for README.TXT. */
  readonly software?: string;
}

export const xdmSubsetFolder = 'IHE_XDM/SUBSET01';
export const ccdaFormatCode = 'urn:hl7-org:sdwg:ccda-structuredBody:2.1';
export const mimeTypeSufficientFormatCode = 'urn:ihe:iti:xds:2017:mimeTypeSufficient';

// ebRIM/XDS identifiers fixed by IHE ITI TF-3 §4.2.5 (Table 4.2.5-1): every receiver looks for exactly these.
const scheme = {
  author: 'urn:uuid:93606bcf-9494-43ec-9b4e-a7748d1a838d',
  classCode: 'urn:uuid:41a5887f-8865-4c09-adf7-e362475b143a',
  confidentialityCode: 'urn:uuid:f4f85eac-e6cb-4883-b524-f2705394840f',
  formatCode: 'urn:uuid:a09d5840-386c-46f2-b5ad-9c3699a4309d',
  typeCode: 'urn:uuid:f0306f51-975f-434e-a61c-c59651d33983',
  documentPatientId: 'urn:uuid:58a6f841-87b3-4a3e-92fd-a8ffeff98427',
  documentUniqueId: 'urn:uuid:2e82c1f6-a085-4c72-9da3-8640a32e42ab',
  submissionAuthor: 'urn:uuid:a7058bb9-b4e4-4307-ba5b-e3f0ab85e12d',
  contentTypeCode: 'urn:uuid:aa543740-bdda-424e-8c96-df4873be8500',
  submissionUniqueId: 'urn:uuid:96fdda7c-d067-4183-912e-bf5ee74998a8',
  submissionSourceId: 'urn:uuid:554ac39e-e3fe-47fe-b233-965d2a147832',
  submissionPatientId: 'urn:uuid:6b5aea1a-874d-4603-a4bc-96a0a7b38446',
} as const;
const stableDocumentEntry = 'urn:uuid:7edca82f-054d-47f2-a032-9b2a5b5186c1';
const submissionSetNode = 'urn:uuid:a54d6aa5-d40d-43f9-88c5-b4633d873bdd';
const loinc = '2.16.840.1.113883.6.1';
const formatCodeSystem = '1.3.6.1.4.1.19376.1.2.3';
const confidentialitySystem = '2.16.840.1.113883.5.25';
// LOINC 34133-9 "Summary of episode note": the CCD's own code, and what the PDF summarises too.
const summaryCode = { code: '34133-9', display: 'Summary of episode note', system: loinc };

const fileNamePattern = /^[A-Za-z0-9][A-Za-z0-9._-]{0,63}$/;
const oidPattern = /^[0-2](\.(0|[1-9][0-9]*))+$/;

/** Builds the XDM zip; throws when a file name is unsafe or repeated, or an id is not an OID. */
export function buildXdmPackage(input: XdmInput): Uint8Array {
  if (input.documents.length === 0) throw new Error('an XDM package needs at least one document');
  for (const [name, value] of [
    ['submission.uniqueId', input.submission.uniqueId],
    ['submission.sourceId', input.submission.sourceId],
  ] as const) {
    if (!oidPattern.test(value)) throw new Error(`${name} must be an OID`);
  }
  const names = new Set<string>();
  for (const document of input.documents) {
    // The name becomes a zip path and the URI slot: no folders, no dot segments, no look-alikes.
    if (!fileNamePattern.test(document.filename) || ['METADATA.XML', 'INDEX.HTM', 'README.TXT'].includes(document.filename.toUpperCase())) {
      throw new Error('unsafe XDM document file name');
    }
    if (names.has(document.filename.toLowerCase())) throw new Error('repeated XDM document file name');
    names.add(document.filename.toLowerCase());
  }

  const files = input.documents.map((document, index) => {
    const bytes = typeof document.body === 'string' ? new TextEncoder().encode(document.body) : document.body;
    return { document, bytes, entryId: `Document${String(index + 1).padStart(2, '0')}`, uniqueId: document.uniqueId ?? `${input.submission.uniqueId}.${index + 1}` };
  });

  const metadata = serializeXml(submitObjectsRequest(input, files));
  const mtime = input.submission.createdAt;
  const entries: Record<string, [Uint8Array, { mtime: Date }]> = {
    'INDEX.HTM': [new TextEncoder().encode(indexHtml(input)), { mtime }],
    'README.TXT': [new TextEncoder().encode(readmeText(input)), { mtime }],
    [`${xdmSubsetFolder}/METADATA.XML`]: [new TextEncoder().encode(metadata), { mtime }],
  };
  for (const file of files) entries[`${xdmSubsetFolder}/${file.document.filename}`] = [file.bytes, { mtime }];
  return zipSync(entries, { level: 6 });
}

interface PackedFile {
  readonly document: XdmDocument;
  readonly bytes: Uint8Array;
  readonly entryId: string;
  readonly uniqueId: string;
}

function submitObjectsRequest(input: XdmInput, files: readonly PackedFile[]): XmlElement {
  const patientId = patientCx(input);
  const created = dtm(input.submission.createdAt);
  const documents = files.map((file) => documentEntry(input, file, patientId, created));
  const submissionSet = el(
    'rim:RegistryPackage',
    { id: 'SubmissionSet01', objectType: 'urn:oasis:names:tc:ebxml-regrep:ObjectType:RegistryObject:RegistryPackage' },
    slot('submissionTime', created),
    // ITI TF-3 §4.2.3.3.13: XON|XCN|XTN; a Direct address is the telecom part (XTN ^^Internet^address).
    slot('intendedRecipient', `||^^Internet^${input.submission.intendedRecipient}`),
    el('rim:Name', {}, localized(`${input.practice.name}: health record`)),
    classification('submissionAuthor', 'SubmissionSet01', '', slot('authorInstitution', xon(input.practice))),
    classification('contentTypeCode', 'SubmissionSet01', summaryCode.code, slot('codingScheme', summaryCode.system), el('rim:Name', {}, localized(summaryCode.display))),
    externalIdentifier('submissionUniqueId', 'SubmissionSet01', input.submission.uniqueId, 'XDSSubmissionSet.uniqueId'),
    externalIdentifier('submissionSourceId', 'SubmissionSet01', input.submission.sourceId, 'XDSSubmissionSet.sourceId'),
    ...(patientId ? [externalIdentifier('submissionPatientId', 'SubmissionSet01', patientId, 'XDSSubmissionSet.patientId')] : []),
  );
  const associations = files.map((file) =>
    el(
      'rim:Association',
      {
        id: `Association${file.entryId.slice('Document'.length)}`,
        associationType: 'urn:oasis:names:tc:ebxml-regrep:AssociationType:HasMember',
        sourceObject: 'SubmissionSet01',
        targetObject: file.entryId,
      },
      slot('SubmissionSetStatus', 'Original'),
    ),
  );
  return el(
    'lcm:SubmitObjectsRequest',
    {
      'xmlns:lcm': 'urn:oasis:names:tc:ebxml-regrep:xsd:lcm:3.0',
      'xmlns:rim': 'urn:oasis:names:tc:ebxml-regrep:xsd:rim:3.0',
      'xmlns:rs': 'urn:oasis:names:tc:ebxml-regrep:xsd:rs:3.0',
    },
    el(
      'rim:RegistryObjectList',
      {},
      ...documents,
      submissionSet,
      el('rim:Classification', { id: 'SubmissionSetClassification01', classifiedObject: 'SubmissionSet01', classificationNode: submissionSetNode }),
      ...associations,
    ),
  );
}

function documentEntry(input: XdmInput, file: PackedFile, patientId: string | undefined, created: string): XmlElement {
  const { document, entryId } = file;
  const formatCode = document.formatCode ?? (isXml(document.contentType) ? ccdaFormatCode : mimeTypeSufficientFormatCode);
  return el(
    'rim:ExtrinsicObject',
    { id: entryId, mimeType: document.contentType, objectType: stableDocumentEntry, status: 'urn:oasis:names:tc:ebxml-regrep:StatusType:Approved' },
    slot('creationTime', created),
    // XDM (ITI TF-3 §4.2.3.2.14/.24): hash is the SHA-1 of the file's bytes in hex, size its length.
    slot('hash', createHash('sha1').update(file.bytes).digest('hex')),
    slot('languageCode', document.languageCode),
    slot('size', String(file.bytes.byteLength)),
    ...(patientId ? [slot('sourcePatientId', patientId), slot('sourcePatientInfo', `PID-3|${patientId}`)] : []),
    slot('URI', document.filename),
    el('rim:Name', {}, localized(document.title, document.languageCode)),
    classification('author', entryId, '', slot('authorInstitution', xon(input.practice))),
    coded('classCode', entryId, summaryCode.code, summaryCode.system, summaryCode.display),
    coded('confidentialityCode', entryId, 'N', confidentialitySystem, 'normal'),
    coded('formatCode', entryId, formatCode, formatCodeSystem, formatCode),
    coded('typeCode', entryId, summaryCode.code, summaryCode.system, summaryCode.display),
    ...(patientId ? [externalIdentifier('documentPatientId', entryId, patientId, 'XDSDocumentEntry.patientId')] : []),
    externalIdentifier('documentUniqueId', entryId, file.uniqueId, 'XDSDocumentEntry.uniqueId'),
  );
}

function slot(name: string, ...values: string[]): XmlElement {
  return el('rim:Slot', { name }, el('rim:ValueList', {}, ...values.map((value) => el('rim:Value', {}, value))));
}

function localized(value: string, lang?: string): XmlElement {
  return el('rim:LocalizedString', { value, 'xml:lang': lang, charset: 'UTF-8' });
}

// Symbolic ids (not UUIDs) are allowed in XDM and keep METADATA.XML the same for the same input:
// each one is the classified object's id plus what the classification or identifier is.
function classification(kind: keyof typeof scheme, classifiedObject: string, nodeRepresentation: string, ...children: XmlElement[]): XmlElement {
  // nodeRepresentation is required by ebRIM even when empty (the author classification), so it is written as is.
  const element = el('rim:Classification', { id: `${classifiedObject}.${kind}`, classificationScheme: scheme[kind], classifiedObject }, ...children);
  return { ...element, attributes: [...element.attributes, ['nodeRepresentation', nodeRepresentation]] };
}

function coded(kind: keyof typeof scheme, classifiedObject: string, code: string, system: string, display: string): XmlElement {
  return classification(kind, classifiedObject, code, slot('codingScheme', system), el('rim:Name', {}, localized(display)));
}

function externalIdentifier(kind: keyof typeof scheme, registryObject: string, value: string, name: string): XmlElement {
  return el('rim:ExternalIdentifier', { id: `${registryObject}.${kind}`, identificationScheme: scheme[kind], registryObject, value }, el('rim:Name', {}, localized(name)));
}

/** HL7 v2 CX: id^^^&authority-OID&ISO (ITI TF-3 §4.2.3.1.7). */
function patientCx(input: XdmInput): string | undefined {
  const authority = input.patient.assigningAuthorityOid ?? input.practice.oid;
  return authority ? `${v2(input.patient.id)}^^^&${authority}&ISO` : v2(input.patient.id);
}

/** HL7 v2 XON: the name, and the OID in component 10 when the practice has one (ITI TF-3 Table 4.2.3.1.7-2). */
function xon(practice: XdmInput['practice']): string {
  return practice.oid ? `${v2(practice.name)}^^^^^&${practice.oid}&ISO^^^^${practice.oid}` : v2(practice.name);
}

// HL7 v2 delimiters inside a value would shift every component after it.
const v2 = (text: string) => text.replace(/[|^&~\\]/g, ' ');

/** HL7 DTM in UTC to the second, as XDS requires (ITI TF-3 §4.2.3.1.6). */
function dtm(date: Date): string {
  return date.toISOString().replace(/[-:T]/g, '').slice(0, 14);
}

const isXml = (contentType: string) => /^(text|application)\/([a-z.+-]*\+)?xml\b/i.test(contentType);

const html = (text: string) => text.replace(/[&<>"']/g, (c) => `&#${c.charCodeAt(0)};`);

function indexHtml(input: XdmInput): string {
  const links = input.documents.map((d) => `<li><a href="${xdmSubsetFolder}/${html(d.filename)}">${html(d.title)}</a> (${html(d.contentType)})</li>`).join('\n');
  return [
    '<!DOCTYPE html>',
    '<html lang="en"><head><meta charset="utf-8"><title>Health record</title></head><body>',
    `<h1>${html(input.practice.name)}</h1>`,
    '<p>Documents in this package (IHE XDM):</p>',
    `<ul>\n${links}\n</ul>`,
    `<p><a href="${xdmSubsetFolder}/METADATA.XML">Metadata</a></p>`,
    '</body></html>',
    '',
  ].join('\n');
}

function readmeText(input: XdmInput): string {
  // CRLF: the file is meant to be read on any system, including plain Windows editors.
  return [
    `Sent by: ${input.practice.name}${input.practice.oid ? ` (OID ${input.practice.oid})` : ''}`,
    `Sending software: ${input.software ?? 'Puente patient portal'}`,
    `Sent: ${input.submission.createdAt.toISOString()}`,
    '',
    'This IHE XDM package holds the documents listed in INDEX.HTM, under IHE_XDM/SUBSET01/,',
    'described by IHE_XDM/SUBSET01/METADATA.XML.',
    '',
  ].join('\r\n');
}
