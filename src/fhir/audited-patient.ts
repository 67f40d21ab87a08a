/**
 * Which patients a facade request's AuditEvents name (BALP: the patient is an entity, one AuditEvent
 * per patient). A patient-context token's patient; for practice-wide reach (system/ scopes, a staff
 * member's user/ scopes) every patient whose compartment holds a released resource (Patient
 * CompartmentDefinition membership), a Binary's authorizing resources' patients, and any
 * patient the request named — never the launch patient for another patient's data.
 */
import type { Bundle, Resource } from '@medplum/fhirtypes';
import { compartmentPatientIds } from '../access/compartment-membership.ts';
import { binaryType } from './binary-access.ts';
import type { Exchange } from './pipeline.ts';

export function auditedPatients(exchange: Exchange, localBases: readonly string[]): readonly string[] {
  if (!exchange.practiceWide) return exchange.principal?.patient ? [exchange.principal.patient] : [];
  const model = exchange.model;
  const patients = new Set<string>();
  if (model?.interaction === 'search') for (const named of model.namedPatients) patients.add(named);
  if (model?.interaction === 'read' && model.type === 'Patient') patients.add(model.id);
  const response = exchange.response;
  const released: readonly Resource[] =
    model?.interaction === 'read' && model.type === binaryType
      ? response
        ? (exchange.binaryAuthorizers ?? [])
        : []
      : response?.resourceType === 'Bundle'
        ? ((response as Bundle).entry ?? []).flatMap((entry) => (entry.resource ? [entry.resource] : []))
        : response
          ? [response]
          : [];
  for (const resource of released) for (const id of compartmentPatientIds(resource, { localBases })) patients.add(id);
  if (model?.interaction === 'read' && model.type === binaryType && response && patients.size === 0 && exchange.principal?.patient) patients.add(exchange.principal.patient);
  return [...patients];
}
