/**
 * Staff console reads are audited like every other access to a patient's data (DESIGN.md security
 * model 10; IHE BALP RESTful activity): the staff member's Practitioner is the agent, each patient
 * whose data the page shows is an entity, and the event is durable before the page is rendered. If
 * it cannot be written, the read fails (fail closed) and nothing is shown.
 */
import { fhirAccessAuditEvent } from '../core/fhir/audit-event.ts';
import { recordAuditEvents } from '../store/audit-trail.ts';
import type { AccountsDeps } from './deps.ts';
import type { StaffMember } from './record-authorization.ts';

export interface StaffRead {
  readonly staff: StaffMember;
  readonly interaction: 'read' | 'search-type';
  /** What was asked, as the console asked it (path and query). */
  readonly request: string;
  readonly clientAddress: string;
}

/** Records one AuditEvent per patient shown (one without a patient when none was). */
export async function auditStaffRead(deps: Pick<AccountsDeps, 'db' | 'practice'>, read: StaffRead, patients: readonly string[]): Promise<void> {
  const shown = patients.length > 0 ? patients : [undefined];
  await recordAuditEvents(
    deps.db,
    shown.map((patient) =>
      fhirAccessAuditEvent({
        interaction: read.interaction,
        outcome: '0',
        actor: read.staff.practitioner,
        accountId: read.staff.accountId,
        ...(patient ? { patient } : {}),
        request: read.request,
        clientAddress: read.clientAddress,
        portalName: deps.practice.name,
      }),
    ),
  );
}
