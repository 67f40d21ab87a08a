/**
 * The CDA header of a C-CDA R2.1 CCD: US Realm Header (V3) 2.16.840.1.113883.10.20.22.1.1:2015-08-01 and
 * Continuity of Care Document (V3) 2.16.840.1.113883.10.20.22.1.2:2015-08-01, each with its R1.1 root-only
 * templateId. The record target is the patient (MRN, address, telecom, name, sex, birth, race and ethnicity
 * from the US Core extensions, languages); the author is the portal as an authoring device on behalf of the
 * practice; the custodian is the practice; documentationOf/serviceEvent says what time the document covers
 * and who cares for the patient.
 */
import type { Coding, Extension, Patient } from '@medplum/fhirtypes';
import { languageTag } from '../../core/i18n/intl-formats.ts';
import { codeSystemOf, isOid, OID } from './code-systems.ts';
import type { BuildContext } from './context.ts';
import { cd, templateIds } from './data-types.ts';
import { hl7Instant } from './hl7-time.ts';
import type { CcdInput, CcdPractice } from './model.ts';
import { patientName, practitionerEntity, telecoms, telecomUrl, usAddress } from './contact.ts';
import type { CcdSelection } from './select.ts';
import { isUuid, nameUuid } from './uuid.ts';
import { el, type XmlChild, type XmlElement } from './xml.ts';

const MRN_TYPE = 'MR';

/** The patient's medical record number as an II; the assigning system's OID, or a stable UUID for a URL system. */
function patientIds(patient: Patient): XmlElement[] {
  const ids: XmlElement[] = [];
  for (const identifier of patient.identifier ?? []) {
    if (!identifier.value?.trim() || !identifier.type?.coding?.some((c) => c.code === MRN_TYPE)) continue;
    const system = identifier.system ?? '';
    const root = system.startsWith('urn:oid:') && isOid(system.slice(8)) ? system.slice(8) : nameUuid(`identifier-system|${system}`);
    ids.push(el('id', { root, extension: identifier.value.trim(), assigningAuthorityName: system || undefined }));
  }
  return ids.length > 0 ? ids : [el('id', { nullFlavor: 'NI' })];
}

const genders: Readonly<Record<string, { code?: string; nullFlavor?: string; display?: string }>> = {
  male: { code: 'M', display: 'Male' },
  female: { code: 'F', display: 'Female' },
  other: { nullFlavor: 'OTH' },
  unknown: { nullFlavor: 'UNK' },
};

function genderCode(patient: Patient): XmlElement {
  const gender = patient.gender ? genders[patient.gender] : undefined;
  if (!gender?.code) return el('administrativeGenderCode', { nullFlavor: gender?.nullFlavor ?? 'UNK' });
  return el('administrativeGenderCode', { code: gender.code, codeSystem: OID.administrativeGender, codeSystemName: 'AdministrativeGender', displayName: gender.display });
}

const RACE = 'http://hl7.org/fhir/us/core/StructureDefinition/us-core-race';
const ETHNICITY = 'http://hl7.org/fhir/us/core/StructureDefinition/us-core-ethnicity';
const NULL_FLAVOR_SYSTEM = 'http://terminology.hl7.org/CodeSystem/v3-NullFlavor';

/** The ombCategory and detailed codings of a US Core race/ethnicity extension. */
function omb(patient: Patient, url: string): { categories: Coding[]; detailed: Coding[] } {
  const extension = patient.extension?.find((e) => e.url === url);
  const codings = (name: string) => (extension?.extension ?? []).filter((e: Extension) => e.url === name && e.valueCoding).map((e) => e.valueCoding!);
  return { categories: codings('ombCategory'), detailed: codings('detailed') };
}

/** raceCode/ethnicGroupCode from the first OMB category (a v3-NullFlavor "code" such as UNK or ASKU becomes nullFlavor), the rest as sdtc: extensions. */
function raceOrEthnicity(patient: Patient, url: string, tag: 'raceCode' | 'ethnicGroupCode'): XmlElement[] {
  const { categories, detailed } = omb(patient, url);
  const coded = categories.filter((c) => codeSystemOf(c.system)?.oid === OID.cdcRace && c.code);
  const nullFlavor = categories.find((c) => c.system === NULL_FLAVOR_SYSTEM && c.code)?.code;
  const element = (name: string, coding: Coding) => el(name, { code: coding.code, codeSystem: OID.cdcRace, codeSystemName: 'Race & Ethnicity - CDC', displayName: coding.display });
  const [first, ...rest] = coded;
  const extra = [...rest, ...detailed.filter((c) => codeSystemOf(c.system)?.oid === OID.cdcRace && c.code)];
  if (!first) return [el(tag, { nullFlavor: nullFlavor ?? 'UNK' })];
  return [element(tag, first), ...extra.map((coding) => element(`sdtc:${tag}`, coding))];
}

function languages(patient: Patient): XmlElement[] {
  return (patient.communication ?? []).flatMap((communication) => {
    const code = communication.language?.coding?.find((c) => c.system === 'urn:ietf:bcp:47' && c.code && /^[A-Za-z]{2,3}(-[A-Za-z0-9]{1,8})*$/.test(c.code))?.code;
    if (!code) return [];
    return [
      el(
        'languageCommunication',
        {},
        el('languageCode', { code }),
        communication.preferred !== undefined ? el('preferenceInd', { value: String(communication.preferred) }) : undefined,
      ),
    ];
  });
}

function recordTarget(patient: Patient, ctx: BuildContext): XmlElement {
  const deceasedTime = ctx.time(patient.deceasedDateTime);
  const deceased = patient.deceasedBoolean ?? (patient.deceasedDateTime ? true : undefined);
  const birthTime = ctx.time(patient.birthDate);
  const addresses = (patient.address ?? []).filter((a) => a.use !== 'old').map((a) => usAddress(a, 'HP'));
  return el(
    'recordTarget',
    {},
    el(
      'patientRole',
      {},
      patientIds(patient),
      addresses.length > 0 ? addresses : usAddress(undefined),
      telecoms(patient.telecom),
      el(
        'patient',
        {},
        patientName(patient.name),
        genderCode(patient),
        birthTime ? el('birthTime', { value: birthTime }) : el('birthTime', { nullFlavor: 'UNK' }),
        deceased !== undefined ? el('sdtc:deceasedInd', { value: String(deceased) }) : undefined,
        deceasedTime ? el('sdtc:deceasedTime', { value: deceasedTime }) : undefined,
        patient.maritalStatus?.coding?.some((c) => codeSystemOf(c.system)?.oid === OID.maritalStatus)
          ? cd('maritalStatusCode', patient.maritalStatus, { prefer: [OID.maritalStatus] })
          : undefined,
        raceOrEthnicity(patient, RACE, 'raceCode'),
        raceOrEthnicity(patient, ETHNICITY, 'ethnicGroupCode'),
        languages(patient),
      ),
    ),
  );
}

/** The practice's id: as configured, else a stable UUID from its name. */
function practiceId(practice: CcdPractice): XmlElement {
  const configured = practice.identifier;
  if (configured && (isOid(configured.root) || isUuid(configured.root))) return el('id', { root: configured.root.toUpperCase(), extension: configured.extension });
  return el('id', { root: nameUuid(`practice|${practice.name}`) });
}

const practiceTelecom = (practice: CcdPractice) => {
  const value = practice.phone ? telecomUrl('phone', practice.phone) : undefined;
  return value ? el('telecom', { value, use: 'WP' }) : el('telecom', { nullFlavor: 'NI' });
};

const practiceAddress = (practice: CcdPractice) => usAddress(practice.address, 'WP');

function author(input: CcdInput): XmlElement {
  const { practice, software } = input;
  return el(
    'author',
    {},
    el('time', { value: hl7Instant(input.createdAt, input.timeZone) }),
    el(
      'assignedAuthor',
      {},
      el('id', { root: nameUuid(`software|${software.name}|${practice.name}`) }),
      practiceAddress(practice),
      practiceTelecom(practice),
      el('assignedAuthoringDevice', {}, el('manufacturerModelName', {}, software.name), el('softwareName', {}, `${software.name} ${software.version}`)),
      el('representedOrganization', {}, practiceId(practice), el('name', {}, practice.name), practiceTelecom(practice), practiceAddress(practice)),
    ),
  );
}

function custodian(practice: CcdPractice): XmlElement {
  return el(
    'custodian',
    {},
    el(
      'assignedCustodian',
      {},
      el('representedCustodianOrganization', {}, practiceId(practice), el('name', {}, practice.name), practiceTelecom(practice), practiceAddress(practice)),
    ),
  );
}

const compactDay = (day: string | undefined) => day?.replaceAll('-', '');

/** documentationOf/serviceEvent: the dates covered (the range asked for, else the record's own span) and the care team. */
function documentationOf(input: CcdInput, selection: CcdSelection): XmlElement {
  const low = compactDay(input.range?.from ?? selection.span.start);
  const high = compactDay(input.range?.to ?? selection.span.end);
  return el(
    'documentationOf',
    {},
    el(
      'serviceEvent',
      { classCode: 'PCPR' },
      el('effectiveTime', {}, low ? el('low', { value: low }) : el('low', { nullFlavor: 'NI' }), high ? el('high', { value: high }) : el('high', { nullFlavor: 'NI' })),
      selection.careTeam.map((member) =>
        el(
          'performer',
          { typeCode: 'PRF' },
          member.primaryCare
            ? el('functionCode', { code: 'PCP', codeSystem: OID.participationFunction, codeSystemName: 'ParticipationFunction', displayName: 'primary care physician' })
            : undefined,
          practitionerEntity(member.practitioner),
        ),
      ),
    ),
  );
}

/** The header elements, in CDA schema order, up to (not including) the structured body. */
export function header(input: CcdInput, selection: CcdSelection, ctx: BuildContext): XmlChild[] {
  const documentId = input.documentId.toUpperCase();
  return [
    el('realmCode', { code: 'US' }),
    el('typeId', { root: '2.16.840.1.113883.1.3', extension: 'POCD_HD000040' }),
    templateIds('2.16.840.1.113883.10.20.22.1.1', '2015-08-01', true),
    templateIds('2.16.840.1.113883.10.20.22.1.2', '2015-08-01', true),
    el('id', { root: documentId }),
    el('code', { code: '34133-9', codeSystem: OID.loinc, codeSystemName: 'LOINC', displayName: 'Summary of episode note' }),
    el('title', {}, ctx.label('document.title')),
    el('effectiveTime', { value: hl7Instant(input.createdAt, input.timeZone) }),
    el('confidentialityCode', { code: 'N', codeSystem: OID.confidentiality, codeSystemName: 'Confidentiality', displayName: 'normal' }),
    el('languageCode', { code: languageTag(input.language) }),
    el('setId', { root: documentId }),
    el('versionNumber', { value: '1' }),
    recordTarget(input.patient, ctx),
    author(input),
    custodian(input.practice),
    documentationOf(input, selection),
  ];
}
