/**
 * IHE BALP "PatientCreate" AuditEvent for a facade write (DESIGN.md "The facade's write path"): type rest,
 * subtype create, action C; the person (a proxy as RelatedPerson) and the app as agents; the patient and,
 * when it was made, the new resource as entities. Refusals are audited too (outcome 4 or 8, no new resource).
 * The request's path is recorded, never its body (a message's text is PHI and does not belong in the trail).
 */
import { randomUUID } from 'node:crypto';
import type { AuditEvent, AuditEventEntity } from '@medplum/fhirtypes';
import { restAgents } from './audit-event.ts';

export interface FhirCreateAuditInput {
  readonly outcome: '0' | '4' | '8';
  readonly actor?: string;
  readonly accountId?: string;
  readonly clientId?: string;
  readonly patient?: string;
  /** `Type/id/_history/vid` of what was created. */
  readonly created?: string;
  /**
   * A message the patient side can see (never a header, a note or an attachment): the activity log shows it
   * as sent (by the patient or a family member) or received (from staff). Marked by an entity detail `message`.
   */
  readonly message?: boolean;
  /** The method and path as the client sent them (no body). */
  readonly request: string;
  readonly clientAddress: string;
  readonly portalName: string;
}

export function fhirCreateAuditEvent(input: FhirCreateAuditInput): AuditEvent & { id: string } {
  const agent = restAgents(input);
  const entityType = 'http://terminology.hl7.org/CodeSystem/audit-entity-type';
  const entity: AuditEventEntity[] = [
    ...(input.patient ? [{ what: { reference: input.patient }, type: { system: entityType, code: '1', display: 'Person' } }] : []),
    ...(input.created
      ? [
          {
            what: { reference: input.created },
            type: { system: entityType, code: '2', display: 'System Object' },
            ...(input.message ? { detail: [{ type: 'message', valueString: 'message' }] } : {}),
          },
        ]
      : []),
    { type: { system: entityType, code: '2', display: 'System Object' }, query: Buffer.from(input.request).toString('base64') },
  ];
  return {
    resourceType: 'AuditEvent',
    id: randomUUID(),
    type: { system: 'http://terminology.hl7.org/CodeSystem/audit-event-type', code: 'rest', display: 'Restful Operation' },
    subtype: [{ system: 'http://hl7.org/fhir/restful-interaction', code: 'create' }],
    action: 'C',
    recorded: new Date().toISOString(),
    outcome: input.outcome,
    agent,
    source: { observer: { display: input.portalName }, type: [{ system: 'http://terminology.hl7.org/CodeSystem/security-source-type', code: '4', display: 'Application Server' }] },
    entity,
  };
}
