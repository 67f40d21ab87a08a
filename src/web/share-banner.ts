/** The banner of the share and send pages: whose record it is, and the family member reading it, if any. */
import type { Patient, RelatedPerson } from '@medplum/fhirtypes';
import { displayName } from '../core/fhir/names.ts';
import type { RecordClient } from '../record/record-client.ts';
import type { BannerPatient } from './views/record/record-layout.ts';

export async function bannerOf(record: RecordClient): Promise<BannerPatient> {
  const [patient, proxy] = await Promise.all([
    record.read<Patient>(`Patient/${record.patient}`),
    record.proxy ? record.read<RelatedPerson>(record.proxy).catch(() => undefined) : undefined,
  ]);
  const proxyName = proxy ? displayName(proxy.name) : undefined;
  return { name: displayName(patient.name), birthDate: patient.birthDate, ...(proxyName ? { proxyName } : {}) };
}
