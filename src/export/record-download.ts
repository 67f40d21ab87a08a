/**
 * The two downloads of the record (ONC (e)(1) "download"): a C-CDA R2.1 CCD for the doctor's computer
 * system and the FHIR data as a Bundle. Both are made from one read through the facade with the caller's
 * token (record-snapshot.ts) and audited durably before they are handed back (download-audit.ts).
 */
import { randomUUID } from 'node:crypto';
import type { Encounter, Patient } from '@medplum/fhirtypes';
import { readFileSync } from 'node:fs';
import type { Practice, PracticeAddress } from '../config/config.ts';
import { AppError } from '../core/errors.ts';
import { dateFormatter } from '../core/fhir/dates.ts';
import { displayName, medicalRecordNumber } from '../core/fhir/names.ts';
import { translate, type Locale, type MessageKey } from '../core/i18n/translate.ts';
import type { RecordClient } from '../record/record-client.ts';
import type { Queryable } from '../store/db.ts';
import { buildCcd } from './ccda/build-ccd.ts';
import { localDay } from './ccda/hl7-time.ts';
import { isCcdResource, type CcdRange } from './ccda/model.ts';
import { auditDownload } from './download-audit.ts';
import { renderSummaryPdf } from './pdf/summary-pdf.ts';
import { recordBundle } from './record-bundle.ts';
import { loadSummary } from './summary/load-summary.ts';
import { readRecordSnapshot, type RecordSnapshot } from './record-snapshot.ts';

/** The software version the CCD names as its author: package.json's, read once (src/export and dist/export sit two levels below it). */
const version = (() => {
  try {
    return (JSON.parse(readFileSync(new URL('../../package.json', import.meta.url), 'utf8')) as { version?: string }).version ?? '0.0.0';
  } catch {
    return '0.0.0';
  }
})();

export interface DownloadDeps {
  readonly db: Queryable;
  readonly practice: Practice;
  /** The facade's public base (each JSON entry's fullUrl). */
  readonly fhirBase: string;
  readonly now?: () => Date;
  /** Pages of 100 read per search before a download is refused as too large (RecordTooLarge); default record-snapshot.ts `maxPages`. */
  readonly maxPages?: number;
}

export interface DownloadRequest {
  readonly range: CcdRange | undefined;
  /** One visit (an Encounter id): the document covers that visit's days, and the visit must be in the record. */
  readonly visit?: string | undefined;
  readonly language: Locale;
  readonly clientAddress: string;
  /** Who is audited as the requesting agent when not the record client's patient or proxy: a staff member's Practitioner/… (release of information). */
  readonly actor?: string | undefined;
}

export interface Download {
  readonly body: string | Buffer;
  readonly contentType: string;
  readonly filename: string;
}

/** The visit asked for is not in what the facade released: refused like a bad choice (422), never an empty document. */
export class VisitNotFound extends Error {
  constructor() {
    super('visit_not_found');
    this.name = 'VisitNotFound';
  }
}

/** The snapshot and the range the download covers: the request's, or the visit's own practice-local days. */
async function readFor(deps: DownloadDeps, record: RecordClient, request: DownloadRequest): Promise<{ snapshot: RecordSnapshot; request: DownloadRequest }> {
  const snapshot = await readRecordSnapshot(record, deps.maxPages);
  if (!request.visit) return { snapshot, request };
  const visit = snapshot.resources.find((r): r is Encounter => r.resourceType === 'Encounter' && r.id === request.visit);
  const from = localDay(visit?.period?.start, deps.practice.timeZone);
  if (!visit || !from) throw new VisitNotFound();
  const to = localDay(visit.period?.end, deps.practice.timeZone) ?? from;
  return { snapshot, request: { ...request, range: { from, to } } };
}

const rangeSuffix = (range: CcdRange | undefined) => (range ? `-${range.from ?? ''}_${range.to ?? ''}` : '');

/**
 * A file made from the record for the request, not yet audited: downloads audit it as a download (below),
 * sending (export/transmit) as a transmission to its addressee.
 */
export interface ProducedFile extends Download {
  /** The request as the file covers it: a visit turned into its own days. */
  readonly request: DownloadRequest;
  /** What was produced, in the audit's words (e.g. "C-CDA R2.1 Continuity of Care Document"). */
  readonly format: string;
}

export type Producer = (deps: DownloadDeps, record: RecordClient, request: DownloadRequest) => Promise<ProducedFile>;

export const produceCcd: Producer = async (deps, record, asked) => {
  const { snapshot, request } = await readFor(deps, record, asked);
  const createdAt = deps.now?.() ?? new Date();
  const body = buildCcd({
    patient: snapshot.patient,
    resources: snapshot.resources.filter(isCcdResource),
    practice: { name: deps.practice.name, phone: deps.practice.phone, ...(deps.practice.address ? { address: deps.practice.address } : {}) },
    software: { name: 'Puente', version },
    documentId: randomUUID(),
    createdAt,
    timeZone: deps.practice.timeZone,
    language: request.language,
    ...(request.range ? { range: request.range } : {}),
  });
  const today = localDay(createdAt.toISOString(), deps.practice.timeZone);
  return {
    body,
    contentType: 'application/xml; charset=utf-8',
    filename: `health-record${rangeSuffix(request.range)}-ccd-${today}.xml`,
    request,
    format: 'C-CDA R2.1 Continuity of Care Document',
  };
};

export const produceFhirBundle: Producer = async (deps, record, asked) => {
  const { snapshot, request } = await readFor(deps, record, asked);
  const now = deps.now?.() ?? new Date();
  const bundle = recordBundle(snapshot, request.range, deps.practice.timeZone, now, deps.fhirBase);
  const today = localDay(now.toISOString(), deps.practice.timeZone);
  return {
    body: JSON.stringify(bundle, null, 2),
    contentType: 'application/fhir+json; charset=utf-8',
    filename: `health-record${rangeSuffix(request.range)}-fhir-${today}.json`,
    request,
    format: 'FHIR R4 Bundle (collection)',
  };
};

/** The days of one visit the caller may read (its practice-local start and end); VisitNotFound otherwise. */
async function visitRange(deps: DownloadDeps, record: RecordClient, visit: string): Promise<CcdRange> {
  const encounter = await record.read<Encounter>(`Encounter/${encodeURIComponent(visit)}`).catch((error: unknown) => {
    if (error instanceof AppError && error.code === 'fhir_not_found') throw new VisitNotFound();
    throw error;
  });
  const from = localDay(encounter.period?.start, deps.practice.timeZone);
  if (!from || ['entered-in-error', 'cancelled', 'planned'].includes(encounter.status)) throw new VisitNotFound();
  return { from, to: localDay(encounter.period?.end, deps.practice.timeZone) ?? from };
}

/**
 * The human-readable summary (ONC (e)(1) "a human-readable format"): the record pages' own loaders, the
 * chosen range, every label in the chosen language, as a tagged PDF. Sections the facade had more of than
 * the reader follows say so in the document (export/summary), never shortened silently.
 */
export const produceSummaryPdf: Producer = async (deps, record, asked) => {
  const request = asked.visit ? { ...asked, range: await visitRange(deps, record, asked.visit) } : asked;
  const locale = request.language;
  const now = deps.now?.() ?? new Date();
  const fmt = { locale, t: (key: MessageKey, params?: Record<string, string | number>) => translate(locale, key, params), dates: dateFormatter(locale, deps.practice.timeZone) };
  const [patient, model] = await Promise.all([
    record.read<Patient>(`Patient/${record.patient}`),
    loadSummary({ record, fmt, now, practicePhone: deps.practice.phone }, request.range),
  ]);
  const body = await renderSummaryPdf(model, {
    locale,
    practice: { name: deps.practice.name, phone: deps.practice.phone, ...(deps.practice.address ? { address: addressLines(deps.practice.address) } : {}) },
    patient: { name: displayName(patient.name), birthDate: patient.birthDate ?? '', mrn: medicalRecordNumber(patient) ?? '' },
    producedAt: now,
    timeZone: deps.practice.timeZone,
  });
  const today = localDay(now.toISOString(), deps.practice.timeZone);
  return { body, contentType: 'application/pdf', filename: `health-summary${rangeSuffix(request.range)}-${today}.pdf`, request, format: 'Health summary (PDF)' };
};

/** A producer whose file is audited as a download (DICOM Export) before it is handed back. */
const audited =
  (produce: Producer) =>
  async (deps: DownloadDeps, record: RecordClient, asked: DownloadRequest): Promise<Download> => {
    const file = await produce(deps, record, asked);
    await audit(deps, record, file.request, file.format, file.contentType.split(';')[0]!);
    return { body: file.body, contentType: file.contentType, filename: file.filename };
  };

export const downloadCcd = audited(produceCcd);
export const downloadFhirBundle = audited(produceFhirBundle);
export const downloadSummaryPdf = audited(produceSummaryPdf);

/** The address as printed: the street lines, then "City, ST ZIP". */
const addressLines = (address: PracticeAddress): string[] => [...address.lines, `${address.city}, ${address.state} ${address.postalCode}`];

function audit(deps: DownloadDeps, record: RecordClient, request: DownloadRequest, format: string, mimeType: string): Promise<void> {
  return auditDownload(deps.db, {
    actor: request.actor ?? record.proxy ?? `Patient/${record.patient}`,
    patient: `Patient/${record.patient}`,
    format,
    mimeType,
    ...(request.range ? { range: request.range } : {}),
    ...(request.visit ? { visit: `Encounter/${request.visit}` } : {}),
    language: request.language,
    clientAddress: request.clientAddress,
    portalName: deps.practice.name,
  });
}

export interface VisitChoice {
  readonly id: string;
  readonly start: string;
  readonly type: string | undefined;
}

/** The most recent visits, to offer one of them as a choice on the share page. */
export async function recentVisits(record: RecordClient, count = 20): Promise<VisitChoice[]> {
  const { matches } = await record.search<Encounter>(`Encounter?patient=${encodeURIComponent(record.patient)}&_sort=-date&_count=${count}`, { maxPages: 1 });
  return matches
    .filter((e) => e.id && e.period?.start && !['entered-in-error', 'cancelled', 'planned'].includes(e.status))
    .map((e) => ({ id: e.id!, start: e.period!.start!, type: e.type?.[0]?.text ?? e.type?.[0]?.coding?.find((c) => c.display)?.display }));
}
