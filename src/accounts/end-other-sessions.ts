/** Ends every other browser session of the account (the one asking stays signed in); how many ended. */
import { deleteOtherAccountWebSessions } from '../store/web-sessions.ts';
import type { AccountsDeps } from './deps.ts';

export const endOtherSessions = (deps: Pick<AccountsDeps, 'db'>, accountId: string, keepIdHash: Buffer): Promise<number> =>
  deleteOtherAccountWebSessions(deps.db, accountId, keepIdHash);
