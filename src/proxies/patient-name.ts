/**
 * The patient's display name for a family email or page, read from the FHIR server — or undefined when that
 * server does not answer (down, timing out, failing). Ending access must never wait for HAPI (the store ends it,
 * the FHIR side follows through the outbox), so the callers that end access take the name when they can and say
 * it without the name when they cannot. Any other answer (a missing Patient) is still an error.
 */
import type { Patient } from '@medplum/fhirtypes';
import { displayName } from '../core/fhir/names.ts';
import { FhirError } from '../store/fhir-client.ts';
import type { ProxiesDeps } from './deps.ts';

const unreachable = new Set(['fhir_unavailable', 'fhir_timeout', 'fhir_error']);

/** `patientId`: the bare id (not Patient/<id>). */
export async function patientNameIfReachable(deps: Pick<ProxiesDeps, 'fhir'>, patientId: string): Promise<string | undefined> {
  try {
    return displayName((await deps.fhir.read<Patient>('Patient', patientId)).name);
  } catch (error) {
    if (error instanceof FhirError && unreachable.has(error.code)) return undefined;
    throw error;
  }
}
