/**
 * Addresses, phone numbers and names in the shapes C-CDA's US Realm templates ask for: US Realm Address
 * (AD.US.FIELDED, 2.16.840.1.113883.10.20.22.5.2: 1–4 street lines, a city, state and postal code when the
 * country is the US), TEL URLs (`tel:`, `mailto:`), US Realm Patient Name (PTN.US.FIELDED: given and family)
 * and US Realm Person Name (PN.US.FIELDED: fielded given and family, or one plain string). A part the record
 * lacks is written with a nullFlavor, so a reader can tell "not known" from "empty".
 */
import type { Address, ContactPoint, HumanName, Practitioner } from '@medplum/fhirtypes';
import { OID } from './code-systems.ts';
import type { CcdAddress } from './model.ts';
import { nameUuid } from './uuid.ts';
import { el, type XmlElement } from './xml.ts';

const addressUses: Readonly<Record<string, string>> = { home: 'HP', work: 'WP', temp: 'TMP', old: 'BAD' };

/** AD.US.FIELDED from a FHIR Address or the practice's configured address; nullFlavor NI when there is none. */
export function usAddress(address: Address | CcdAddress | undefined, defaultUse?: string): XmlElement {
  if (!address) return el('addr', { nullFlavor: 'NI' });
  const lines = ('lines' in address ? address.lines : address.line) ?? [];
  const use = 'use' in address && address.use ? addressUses[address.use] : defaultUse;
  const country = address.country;
  const isUs = !country || /^(US|USA|United States)$/i.test(country);
  const keptLines = lines.filter((line) => line.trim() !== '').slice(0, 4);
  return el(
    'addr',
    { use },
    keptLines.length > 0 ? keptLines.map((line) => el('streetAddressLine', {}, line)) : el('streetAddressLine', { nullFlavor: 'NI' }),
    address.city ? el('city', {}, address.city) : el('city', { nullFlavor: 'NI' }),
    address.state ? el('state', {}, address.state) : isUs ? el('state', { nullFlavor: 'NI' }) : undefined,
    address.postalCode ? el('postalCode', {}, address.postalCode) : isUs ? el('postalCode', { nullFlavor: 'NI' }) : undefined,
    country ? el('country', {}, country) : undefined,
  );
}

const telecomUses: Readonly<Record<string, string>> = { home: 'HP', work: 'WP', mobile: 'MC', temp: 'TMP', old: 'BAD' };

/** A phone number or email as a TEL URL (RFC 3966 tel:, RFC 6068 mailto:). */
export function telecomUrl(system: ContactPoint['system'] | undefined, value: string): string | undefined {
  const trimmed = value.trim();
  if (!trimmed) return undefined;
  if (system === 'email') return `mailto:${trimmed.replace(/\s+/g, '')}`;
  if (system === 'url') return trimmed.replace(/\s+/g, '');
  if (system === 'phone' || system === 'fax' || system === 'sms' || system === 'pager' || system === undefined) {
    const phone = trimmed.replace(/[^0-9+()\-.#*a-zA-Z;=]/g, '');
    return phone ? `${system === 'fax' ? 'fax' : 'tel'}:${phone}` : undefined;
  }
  return undefined;
}

/** TEL elements from FHIR ContactPoints; at least one (nullFlavor NI when there are none). */
export function telecoms(points: readonly ContactPoint[] | undefined): XmlElement[] {
  const elements: XmlElement[] = [];
  for (const point of points ?? []) {
    const value = point.value ? telecomUrl(point.system, point.value) : undefined;
    if (value) elements.push(el('telecom', { value, use: point.use ? telecomUses[point.use] : undefined }));
  }
  return elements.length > 0 ? elements : [el('telecom', { nullFlavor: 'NI' })];
}

/** The name the record calls official, else its first. */
export const mainName = (names: readonly HumanName[] | undefined): HumanName | undefined =>
  names?.find((n) => n.use === 'official') ?? names?.find((n) => n.use !== 'old') ?? names?.[0];

const nameParts = (name: HumanName) => ({
  prefix: (name.prefix ?? []).filter((p) => p.trim() !== ''),
  given: (name.given ?? []).filter((g) => g.trim() !== ''),
  family: name.family?.trim() ? name.family : undefined,
  suffix: (name.suffix ?? []).filter((s) => s.trim() !== ''),
});

/** PTN.US.FIELDED: given names and exactly one family name, a missing one nullFlavored. */
export function patientName(names: readonly HumanName[] | undefined): XmlElement {
  const name = mainName(names);
  if (!name) return el('name', { nullFlavor: 'UNK' });
  const parts = nameParts(name);
  const given = parts.given.length > 0 ? parts.given : name.text && !parts.family ? [name.text] : [];
  return el(
    'name',
    { use: 'L' },
    parts.prefix.map((p) => el('prefix', {}, p)),
    given.length > 0 ? given.map((g) => el('given', {}, g)) : el('given', { nullFlavor: 'UNK' }),
    parts.family ? el('family', {}, parts.family) : el('family', { nullFlavor: 'UNK' }),
    parts.suffix.map((s) => el('suffix', {}, s)),
  );
}

/** PN.US.FIELDED: fielded when both given and family are known, else the name as one string. */
export function personNameElement(names: readonly HumanName[] | undefined): XmlElement {
  const name = mainName(names);
  if (!name) return el('name', { nullFlavor: 'UNK' });
  const parts = nameParts(name);
  if (parts.given.length > 0 && parts.family) {
    return el(
      'name',
      {},
      parts.prefix.map((p) => el('prefix', {}, p)),
      parts.given.map((g) => el('given', {}, g)),
      el('family', {}, parts.family),
      parts.suffix.map((s) => el('suffix', {}, s)),
    );
  }
  const text = name.text ?? [...parts.prefix, ...parts.given, parts.family, ...parts.suffix].filter(Boolean).join(' ');
  return text ? el('name', {}, text) : el('name', { nullFlavor: 'UNK' });
}

const NPI_SYSTEM = 'http://hl7.org/fhir/sid/us-npi';

/** A practitioner's id: the NPI (root 2.16.840.1.113883.4.6) when known, else a stable UUID from the resource. */
export function practitionerId(practitioner: Practitioner): XmlElement {
  const npi = practitioner.identifier?.find((i) => i.system === NPI_SYSTEM && i.value?.trim())?.value;
  if (npi) return el('id', { root: OID.npi, extension: npi.trim() });
  return el('id', { root: nameUuid(`Practitioner/${practitioner.id ?? personNameText(practitioner.name)}`) });
}

const personNameText = (names: readonly HumanName[] | undefined) => {
  const name = mainName(names);
  return name ? (name.text ?? [...(name.given ?? []), name.family].filter(Boolean).join(' ')) : '';
};

/** `assignedEntity` for a practitioner: id, address, telecom and name (performers of the header and of encounters). */
export function practitionerEntity(practitioner: Practitioner): XmlElement {
  return el(
    'assignedEntity',
    {},
    practitionerId(practitioner),
    practitioner.address?.[0] ? usAddress(practitioner.address[0], 'WP') : undefined,
    practitioner.telecom?.length ? telecoms(practitioner.telecom) : undefined,
    el('assignedPerson', {}, personNameElement(practitioner.name)),
  );
}
