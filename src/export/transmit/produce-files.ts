/**
 * The files a transmission carries, made by the same producers as the downloads (record-download.ts), so
 * what a doctor receives is exactly what the patient could download: built only from what the facade
 * releases to the person sending. Made one after another to keep one record read's memory at a time.
 */
import type { RecordClient } from '../../record/record-client.ts';
import { produceCcd, produceFhirBundle, produceSummaryPdf, type DownloadDeps, type DownloadRequest, type ProducedFile, type Producer } from '../record-download.ts';
import type { SendFormat } from './send-request.ts';

const producers: Record<SendFormat, Producer> = { pdf: produceSummaryPdf, ccd: produceCcd, fhir: produceFhirBundle };

/** The PDF first (what a viewer shows), then the CCD, then the FHIR data: the order files are listed in. */
const order: readonly SendFormat[] = ['pdf', 'ccd', 'fhir'];

export async function produceFiles(deps: DownloadDeps, record: RecordClient, request: DownloadRequest, formats: readonly SendFormat[]): Promise<ProducedFile[]> {
  const files: ProducedFile[] = [];
  for (const format of order) if (formats.includes(format)) files.push(await producers[format](deps, record, request));
  return files;
}
