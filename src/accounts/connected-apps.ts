/** The apps connected to an account (the SMART management endpoint's list), with their names. */
import { clientName, listAppGrants, type AppGrant } from '../store/oauth-clients.ts';
import type { AccountsDeps } from './deps.ts';

export interface ConnectedApp extends AppGrant {
  readonly name: string;
}

/** Every third-party app's grant of the account (the portal's own web app, `firstPartyClientId`, is not one). */
export async function listConnectedApps(deps: Pick<AccountsDeps, 'db'>, accountId: string, firstPartyClientId: string): Promise<ConnectedApp[]> {
  const grants = await listAppGrants(deps.db, accountId, firstPartyClientId);
  return Promise.all(grants.map(async (grant) => ({ ...grant, name: await clientName(deps.db, grant.clientId) })));
}

/** An app's registered name. */
export const appName = (deps: Pick<AccountsDeps, 'db'>, clientId: string): Promise<string> => clientName(deps.db, clientId);
