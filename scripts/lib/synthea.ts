/**
 * Synthea bundles POST every resource, so loading one twice duplicates the patient. Each resource
 * already carries an id equal to its urn:uuid fullUrl; rewriting the request to PUT Type/id makes
 * a load idempotent (FHIR R4 update-as-create, http.html#upsert) while HAPI still resolves the
 * urn:uuid references inside the transaction.
 */
import { readFileSync } from 'node:fs';
import type { Bundle, BundleEntry, Patient } from '@medplum/fhirtypes';

export function readBundle(path: string): Bundle {
  return JSON.parse(readFileSync(path, 'utf8')) as Bundle;
}

export function toIdempotentTransaction(bundle: Bundle): Bundle {
  return {
    ...bundle,
    type: 'transaction',
    entry: (bundle.entry ?? []).map((entry): BundleEntry => {
      const resource = entry.resource;
      if (!resource?.id) throw new Error('every Synthea entry must carry an id');
      return { ...entry, request: { method: 'PUT', url: `${resource.resourceType}/${resource.id}` } };
    }),
  };
}

export function patientOf(bundle: Bundle): Patient {
  const patient = bundle.entry?.find((e) => e.resource?.resourceType === 'Patient')?.resource;
  if (!patient) throw new Error('bundle has no Patient');
  return patient as Patient;
}
