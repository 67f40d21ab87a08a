/**
 * Which patient a facade request's AuditEvent names (BALP: the patient is an entity). A patient-context
 * token's patient; for practice-wide reach (system/ scopes, a staff member's user/ scopes) the patient the
 * request named or, for a read, the patient the released resource belongs to — never the launch patient
 * for another patient's data.
 */
import type { Resource } from '@medplum/fhirtypes';
import type { Exchange } from './pipeline.ts';

const patientOf = (resource: Resource | undefined): string | undefined => {
  if (!resource) return undefined;
  if (resource.resourceType === 'Patient') return resource.id;
  const ref = (resource as { subject?: { reference?: string }; patient?: { reference?: string } }).subject?.reference ?? (resource as { patient?: { reference?: string } }).patient?.reference;
  return ref?.startsWith('Patient/') ? ref.slice('Patient/'.length) : undefined;
};

export function auditedPatient(exchange: Exchange): string | undefined {
  if (!exchange.practiceWide) return exchange.principal?.patient;
  const model = exchange.model;
  if (model?.interaction === 'search') return model.namedPatients[0];
  if (model?.interaction === 'read') return model.type === 'Patient' ? model.id : patientOf(exchange.response);
  return undefined;
}
