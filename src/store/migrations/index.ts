import * as initial from './0001-initial.ts';
import * as signIn from './0002-sign-in.ts';
import * as apps from './0003-apps.ts';
import * as launchContext from './0004-launch-context.ts';
import * as liveAccessToken from './0005-live-access-token.ts';
import * as accessEpoch from './0006-access-epoch.ts';
import * as accountReach from './0007-account-reach.ts';
import * as sending from './0008-sending.ts';
import * as familyConsent from './0009-family-consent.ts';
import * as messages from './0010-messages.ts';
import * as familyExistingAccounts from './0011-family-existing-accounts.ts';
import * as jobLeases from './0012-job-leases.ts';
import * as messageNoticeChoices from './0013-message-notice-choices.ts';
import * as hiddenThreads from './0014-hidden-threads.ts';

/** Every migration in the order it runs. Append only: an applied migration is never edited. */
export const migrations: readonly { readonly id: string; readonly sql: string }[] = [
  initial,
  signIn,
  apps,
  launchContext,
  liveAccessToken,
  accessEpoch,
  accountReach,
  sending,
  familyConsent,
  messages,
  familyExistingAccounts,
  jobLeases,
  messageNoticeChoices,
  hiddenThreads,
];
