/**
 * A family member of an onboarded patient, as issue 13 makes one: the patient invites them (everything, unless
 * told otherwise), they register from the emailed link with the patient's birth date and accept, and sign in to
 * the web app in their own browser.
 */
import { expect } from 'chai';
import { completeRegistration } from '../../src/accounts/registration.ts';
import { familyAcceptance } from '../../src/proxies/accept-family-invitation.ts';
import { inviteFamilyMember, type FamilyInvitationInput } from '../../src/proxies/invite-family-member.ts';
import { HttpClient, formAction } from './http-client.ts';
import { tokenOf, type Onboarded } from './onboard.ts';
import type { RunningPortal } from './portal.ts';

export interface FamilyMember {
  readonly email: string;
  readonly accountId: string;
  /** RelatedPerson/<id> */
  readonly relatedPerson: string;
  /** Consent/<id> */
  readonly consent: string;
  /** Signed in to the web app, acting for the patient. */
  readonly browser: HttpClient;
  /** The web app's access token of that sign-in, for the facade. */
  readonly token: string;
}

let counter = 0;

export async function addFamilyMember(
  portal: RunningPortal,
  patient: Onboarded,
  overrides: Partial<FamilyInvitationInput> = {},
  language: 'es' | 'en' = 'es',
): Promise<FamilyMember> {
  const invitation: FamilyInvitationInput = {
    accountId: patient.accountId,
    patientId: patient.patient.id,
    password: patient.password,
    name: 'Lucía Núñez',
    relationship: 'DAU',
    email: `family-${Date.now()}-${++counter}@example.org`,
    access: 'everything',
    parts: [],
    endDate: '',
    signature: 'María José Núñez',
    locale: 'es',
    clientAddress: '127.0.0.1',
    ...overrides,
  };
  const before = portal.smtp.messages.length;
  const { accountId } = await inviteFamilyMember(portal.ctx.accounts, invitation);
  await portal.ctx.outbox.runOnce();
  const mail = (await portal.smtp.waitForMessages(before + 1)).slice(before).find((m) => m.envelopeTo.includes(invitation.email))!;
  const password = 'un paseo largo por la orilla del mar';
  const outcome = await completeRegistration(
    portal.ctx.accounts,
    { token: tokenOf(mail, '/register'), birthDate: patient.patient.birthDate, password, clientAddress: '127.0.0.2' },
    { onAccept: familyAcceptance(portal.ctx.accounts, '127.0.0.2') },
  );
  expect(outcome.status).to.equal('registered');
  const link = (await portal.ctx.db.query<{ related_person: string; consent: string }>('SELECT related_person, consent FROM account_patients WHERE account_id = $1', [accountId]))
    .rows[0]!;
  const browser = new HttpClient(portal.url, language);
  const form = await browser.get('/auth/login');
  await browser.submit(formAction(form.body, /^\/interaction\//), { email: invitation.email, password, birthDate: patient.patient.birthDate });
  const token = (
    await portal.ctx.db.query<{ token: string }>("SELECT data->'tokens'->>'accessToken' AS token FROM web_sessions WHERE account_id = $1 ORDER BY created_at DESC LIMIT 1", [
      accountId,
    ])
  ).rows[0]!.token;
  return { email: invitation.email, accountId, relatedPerson: link.related_person, consent: link.consent, browser, token };
}
