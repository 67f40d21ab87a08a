/** The project's Synthea bundles (data/synthea) as CCD inputs, and a few readers of the CCD's XML for assertions. */
import { readdirSync, readFileSync } from 'node:fs';
import type { Bundle, Patient, Resource } from '@medplum/fhirtypes';
import { fromRoot } from '../../../../scripts/lib/paths.ts';
import { type CcdInput, type CcdLanguage, type CcdRange, isCcdResource } from '../../../../src/export/ccda/model.ts';

export const syntheaFiles = readdirSync(fromRoot('data/synthea'))
  .filter((file) => file.endsWith('.json'))
  .sort();

export interface SyntheaRecord {
  readonly file: string;
  readonly patient: Patient;
  readonly resources: readonly Resource[];
}

const cache = new Map<string, SyntheaRecord>();
export function loadSynthea(file: string): SyntheaRecord {
  let record = cache.get(file);
  if (!record) {
    const bundle = JSON.parse(readFileSync(fromRoot('data/synthea', file), 'utf8')) as Bundle;
    const resources = (bundle.entry ?? []).map((entry) => entry.resource!);
    record = { file, patient: resources.find((r): r is Patient => r.resourceType === 'Patient')!, resources };
    cache.set(file, record);
  }
  return record;
}

export const practice = {
  name: 'Clínica Puente',
  identifier: { root: '2.16.840.1.113883.4.6', extension: '1234567893' },
  phone: '+1 (312) 555-0100',
  address: { lines: ['100 W Randolph St', 'Suite 5'], city: 'Chicago', state: 'IL', postalCode: '60601' },
} as const;

export function ccdInput(record: Pick<SyntheaRecord, 'patient' | 'resources'>, language: CcdLanguage, range?: CcdRange): CcdInput {
  return {
    patient: record.patient,
    resources: record.resources.filter(isCcdResource),
    practice,
    software: { name: 'Puente', version: '0.1.0' },
    documentId: '0b6c3d1e-8f4a-4c2b-9e7d-5a1f2b3c4d5e',
    createdAt: new Date('2026-03-01T15:04:05Z'),
    timeZone: 'America/Chicago',
    language,
    range,
  };
}

export interface SectionXml {
  /** The templateId roots and root:extension pairs the section carries. */
  readonly templateIds: readonly string[];
  readonly title: string;
  readonly nullFlavor: string | undefined;
  /** The section's `<text>` as written (escaped XML). */
  readonly text: string;
  readonly entries: readonly string[];
  readonly xml: string;
}

/** The document's sections (the CCD never nests sections). */
export function sectionsOf(xml: string): SectionXml[] {
  return [...xml.matchAll(/<section\b([^>]*)>([\s\S]*?)<\/section>/g)].map((match) => {
    const body = match[2]!;
    const templateIds = [...body.matchAll(/^\s{10}<templateId root="([^"]+)"(?: extension="([^"]+)")?\/>/gm)].map((m) => (m[2] ? `${m[1]}:${m[2]}` : m[1]!));
    return {
      templateIds,
      title: /<title>([\s\S]*?)<\/title>/.exec(body)?.[1] ?? '',
      nullFlavor: /nullFlavor="([^"]+)"/.exec(match[1]!)?.[1],
      text: /<text>([\s\S]*?)<\/text>\s*(?:<entry|$)/.exec(body)?.[1] ?? '',
      entries: [...body.matchAll(/<entry typeCode="DRIV">([\s\S]*?)\n {10}<\/entry>/g)].map((m) => m[1]!),
      xml: body,
    };
  });
}

/** The section with this templateId (root:extension). */
export function sectionOf(xml: string, templateId: string): SectionXml | undefined {
  return sectionsOf(xml).find((section) => section.templateIds.includes(templateId));
}

/** Text as it appears in XML content once escaped (& < >). */
export const escaped = (text: string): string => text.replaceAll('&', '&amp;').replaceAll('<', '&lt;').replaceAll('>', '&gt;');
