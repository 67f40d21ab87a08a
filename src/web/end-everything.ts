/**
 * "End everything" (issue 13): one button ends every family member's access, every connected app, every
 * other session and every share link, then emails the patient a receipt in plain words. Each part is its
 * capability's own service (proxies, accounts, export); this module only puts them in order, here in web/
 * because capabilities never import each other (DESIGN.md "Source layout", .dependency-cruiser.cjs).
 *
 * Order: the grants of people and apps first (family, apps), then the sessions, then the links; the receipt
 * last, listing what actually ended. Each step writes the store before anything else, so what it ends acts
 * on the next request on every replica (the access epoch).
 */
import type { AccountsDeps } from '../accounts/deps.ts';
import { listConnectedApps } from '../accounts/connected-apps.ts';
import { disconnectApp } from '../accounts/disconnect-app.ts';
import { endOtherSessions } from '../accounts/end-other-sessions.ts';
import { webClientId } from '../auth/provider.ts';
import { revokeAllShareLinks } from '../export/transmit/share-links/revoke-share-link.ts';
import { endAllFamilyAccess, sendEverythingReceipt, type EverythingEnded } from '../proxies/end-all-family.ts';

export interface EndEverythingInput {
  readonly accountId: string;
  /** Patient/<id>: the patient's own record. */
  readonly patient: string;
  /** For the family members' emails; undefined when the FHIR server did not answer (everything ends anyway). */
  readonly patientName: string | undefined;
  readonly email: string;
  readonly locale: 'es' | 'en';
  /** The browser session asking (it stays signed in). */
  readonly keepSession: Buffer;
  readonly clientAddress: string;
}

export async function endEverything(deps: AccountsDeps, input: EndEverythingInput): Promise<EverythingEnded> {
  const members = await endAllFamilyAccess(deps, { patient: input.patient, patientName: input.patientName, accountId: input.accountId, clientAddress: input.clientAddress });
  let apps = 0;
  for (const app of await listConnectedApps(deps, input.accountId, webClientId)) {
    if (await disconnectApp(deps, { accountId: input.accountId, grantId: app.grantId, clientAddress: input.clientAddress })) apps += 1;
  }
  const sessions = await endOtherSessions(deps, input.accountId, input.keepSession);
  const links = await revokeAllShareLinks(deps.db, {
    patient: input.patient,
    actor: input.patient,
    clientAddress: input.clientAddress,
    portalName: deps.practice.name,
    now: deps.now(),
  });
  const ended = { members, apps, sessions, links };
  await sendEverythingReceipt(deps, { to: input.email, locale: input.locale, patient: input.patient, accountId: input.accountId, clientAddress: input.clientAddress, ended });
  return ended;
}
