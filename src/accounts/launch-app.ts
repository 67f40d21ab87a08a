/**
 * SMART EHR launch from the staff console: a single-use launch value bound to this staff member, the app
 * and the patient (src/store/launch-context.ts), and the app's registered launch URL with `iss` and
 * `launch` (SMART App Launch 2.2 "EHR launch").
 */
import type { Patient } from '@medplum/fhirtypes';
import { AppError } from '../core/errors.ts';
import { isFhirId } from '../core/fhir/ids.ts';
import { createEhrLaunch } from '../store/launch-context.ts';
import { listLaunchableClients } from '../store/oauth-clients.ts';
import type { AccountsDeps } from './deps.ts';
import type { StaffMember } from './record-authorization.ts';

/** An EHR launch value lives five minutes: long enough for the app to start its authorization request. */
const launchTtlMs = 5 * 60_000;

/** The URL to send the browser to; 404 for an unknown patient or an app not registered for launching. */
export async function launchAppForPatient(deps: AccountsDeps, staff: StaffMember, patientId: string, clientId: string): Promise<URL> {
  if (!isFhirId(patientId)) throw new AppError('not_found', 404);
  const app = (await listLaunchableClients(deps.db)).find((c) => c.clientId === clientId);
  if (!app) throw new AppError('not_found', 404);
  const patient = await deps.fhir.read<Patient>('Patient', patientId);
  const launch = await createEhrLaunch(deps.db, { accountId: staff.accountId, clientId: app.clientId, patient: patient.id! }, { ttlMs: launchTtlMs, now: deps.now() });
  const target = new URL(app.launchUrl);
  target.searchParams.set('iss', new URL('/fhir', deps.publicUrl).toString());
  target.searchParams.set('launch', launch);
  return target;
}
