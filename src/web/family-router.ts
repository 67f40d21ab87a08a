/**
 * Family and caregivers (issue 13) at /account/family: the patient invites (password again), sees and
 * changes who can see the record, ends access, and can end everything at once; a family member sees whose
 * record it is and can leave. Who may do what is decided by the services from the store's reach, for the
 * patient this session acts for (a `patient` in the form is never read). Someone who already held an account
 * accepts an invitation at /account/family/accept, signed in (proxies/accept-signed-in.ts).
 */
import { Router, type Request, type Response } from 'express';
import type { AccountsDeps } from '../accounts/deps.ts';
import { SignInRequired } from '../core/errors.ts';
import { clientAddress } from '../http/client-address.ts';
import { formBody } from '../http/form-body.ts';
import type { SessionManager } from '../http/session.ts';
import { pageContext } from '../ui/page-context.ts';
import { FamilyError, type FamilyErrorCode } from '../proxies/deps.ts';
import { familyRole } from '../proxies/family-role.ts';
import { patientNameIfReachable } from '../proxies/patient-name.ts';
import { inviteFamilyMember } from '../proxies/invite-family-member.ts';
import { acceptSignedIn, inspectSignedInInvitation } from '../proxies/accept-signed-in.ts';
import { changeFamilyAccess, endFamilyAccess, listFamily } from '../proxies/manage-family.ts';
import { cancelPendingInvitation, resendPendingInvitation } from '../proxies/pending-invitations.ts';
import { endEverything } from './end-everything.ts';
import { familyMemberPage, familyPage, type FamilyPageOptions } from './views/family-page.ts';
import { acceptedPage, acceptOfferPage, acceptSignInPage, notForYouPage } from './views/family-accept-page.ts';
import { linkStatePage, messagePage } from './views/patient-pages.ts';
import type { TokenSet } from './web-client.ts';

const idPattern = '[A-Za-z0-9\\-.]{1,64}';
const inviteForm = formBody({
  name: { maxLength: 200 },
  relationship: { maxLength: 20 },
  email: { maxLength: 254 },
  access: { oneOf: ['everything', 'limited'] },
  parts: { list: true, maxLength: 40 },
  endDate: { maxLength: 10 },
  signature: { maxLength: 200 },
  password: { trim: false, maxLength: 256 },
});
const memberForm = formBody({ member: { pattern: idPattern } });
const invitationForm = formBody({ invitation: { pattern: '[0-9a-f-]{36}' } });
// The link token is taken as typed (the store checks its form before hashing it).
const acceptLink = formBody({ t: { trim: false } });
const accessForm = formBody({ member: { pattern: idPattern }, access: { oneOf: ['everything', 'limited'] }, parts: { list: true, maxLength: 40 } });

/** The invitation form's field each refusal is about (the message is shown there). */
const errorField: Partial<Record<FamilyErrorCode, string>> = {
  wrong_password: 'password',
  missing_name: 'name',
  missing_signature: 'signature',
  relationship_unknown: 'relationship',
  email_invalid: 'email',
  inviting_self: 'email',
  already_invited: 'email',
  already_family: 'email',
  end_date_invalid: 'endDate',
  end_date_past: 'endDate',
  parts_empty: 'parts',
};

export function createFamilyRouter(deps: { accounts: AccountsDeps; sessions: SessionManager }): Router {
  const router = Router();
  const signedIn = async (req: Request) => {
    const session = await deps.sessions.load(req);
    const tokens = session?.data['tokens'] as TokenSet | undefined;
    if (!session?.accountId || !tokens?.patient) throw new SignInRequired();
    const role = await familyRole(deps.accounts, session.accountId, tokens.patient);
    // Reach ended (or never was): the same as a dead session.
    if (!role) throw new SignInRequired();
    return { session, accountId: session.accountId, role };
  };
  // Only the pages and emails that name the patient ask for the name (best effort: undefined while HAPI does not answer).
  const patientNameOf = (patient: string) => patientNameIfReachable(deps.accounts, patient.slice('Patient/'.length));
  const send = (res: Response, body: string, status = 200) => res.status(status).set('Cache-Control', 'no-store').send(body);
  const renderList = async (req: Request, patient: string, options: Omit<FamilyPageOptions, 'members' | 'pending'> = {}) =>
    familyPage(pageContext(req, deps.accounts.practice), { ...(await listFamily(deps.accounts, patient)), ...options });

  router.get('/account/family', async (req, res) => {
    const { role } = await signedIn(req);
    if (role.role === 'member') return send(res, familyMemberPage(pageContext(req, deps.accounts.practice), { patientName: await patientNameOf(role.patient) }));
    send(res, await renderList(req, role.patient));
  });

  router.post('/account/family/invite', async (req, res) => {
    const { accountId, role } = await signedIn(req);
    const form = inviteForm.parse(req.body);
    const values = {
      name: form.name,
      relationship: form.relationship,
      email: form.email,
      access: form.access,
      parts: form.parts,
      endDate: form.endDate,
      signature: form.signature,
    };
    try {
      if (role.role !== 'patient') throw new FamilyError('not_your_record');
      await inviteFamilyMember(deps.accounts, {
        accountId,
        patientId: role.patient.split('/')[1]!,
        password: form.password,
        name: form.name,
        relationship: form.relationship,
        email: form.email,
        access: form.access === 'limited' ? 'limited' : 'everything',
        parts: form.parts,
        endDate: form.endDate,
        signature: form.signature,
        locale: req.locale,
        clientAddress: clientAddress(req),
      });
      send(res, await renderList(req, role.patient, { message: { text: req.t('family.invited', { email: form.email.toLowerCase() }), kind: 'info' } }));
    } catch (error) {
      if (!(error instanceof FamilyError)) throw error;
      const field = errorField[error.code];
      const message = { text: req.t(`family.error.${error.code}`), kind: 'error' as const };
      if (role.role !== 'patient') {
        return send(res, familyMemberPage(pageContext(req, deps.accounts.practice), { patientName: await patientNameOf(role.patient), message: message.text }), 403);
      }
      send(res, await renderList(req, role.patient, { message, ...(field ? { errorField: field } : {}), values }), 422);
    }
  });

  // An invitation to an existing account: opening the link changes nothing; the signed-in POST accepts.
  router.get('/account/family/accept', async (req, res) => {
    const token = acceptLink.parse(req.query).t;
    const ctx = pageContext(req, deps.accounts.practice);
    const session = await deps.sessions.load(req);
    const seen = await inspectSignedInInvitation(deps.accounts, token, session?.accountId ?? undefined);
    res.set('Cache-Control', 'no-store');
    switch (seen.status) {
      case 'link':
        return res.status(410).send(linkStatePage(ctx, seen.state));
      case 'sign_in':
        return res.send(acceptSignInPage(ctx, { next: `/account/family/accept?t=${encodeURIComponent(token)}` }));
      case 'not_for_you':
        return res.status(403).send(notForYouPage(ctx));
      case 'offer':
        return res.send(acceptOfferPage(ctx, { token, offer: seen.offer }));
    }
  });

  router.post('/account/family/accept', async (req, res) => {
    const token = acceptLink.parse(req.body).t;
    const ctx = pageContext(req, deps.accounts.practice);
    const session = await deps.sessions.load(req);
    res.set('Cache-Control', 'no-store');
    if (!session?.accountId) return res.status(401).send(acceptSignInPage(ctx, { next: `/account/family/accept?t=${encodeURIComponent(token)}` }));
    try {
      const outcome = await acceptSignedIn(deps.accounts, { token, accountId: session.accountId, clientAddress: clientAddress(req) });
      if (outcome.status === 'link') return res.status(410).send(linkStatePage(ctx, outcome.state));
      if (outcome.status === 'not_for_you') return res.status(403).send(notForYouPage(ctx));
      res.send(acceptedPage(ctx, { patientName: outcome.patientName }));
    } catch (error) {
      if (!(error instanceof FamilyError)) throw error;
      res.status(422).send(messagePage(ctx, ctx.t('family.accept.title'), ctx.t(`family.error.${error.code}`)));
    }
  });

  router.post('/account/family/end', async (req, res) => {
    const { accountId, role } = await signedIn(req);
    if (role.role !== 'patient') throw new SignInRequired();
    const { member } = memberForm.parse(req.body);
    const relatedPerson = `RelatedPerson/${member}`;
    const { members } = await listFamily(deps.accounts, role.patient);
    const found = members.find((m) => m.relatedPerson === relatedPerson && !m.ended);
    const ended =
      !!found &&
      (await endFamilyAccess(deps.accounts, {
        patient: role.patient,
        relatedPerson,
        by: 'patient',
        actor: role.patient,
        accountId,
        clientAddress: clientAddress(req),
        notify: true,
        patientName: await patientNameOf(role.patient),
      }));
    const message = ended ? { text: req.t('family.ended', { name: found.name }), kind: 'info' as const } : { text: req.t('family.error.not_found'), kind: 'error' as const };
    send(res, await renderList(req, role.patient, { message }), ended ? 200 : 404);
  });

  // An invitation not yet accepted: cancel it, or send a new link (the old one stops working).
  const invitationAction = (act: typeof cancelPendingInvitation, done: 'family.invitationCancelled' | 'family.invitationResent') => async (req: Request, res: Response) => {
    const { accountId, role } = await signedIn(req);
    if (role.role !== 'patient') throw new SignInRequired();
    const { invitation } = invitationForm.parse(req.body);
    try {
      const email = await act(deps.accounts, { patient: role.patient, invitationId: invitation, accountId, clientAddress: clientAddress(req) });
      send(res, await renderList(req, role.patient, { message: { text: req.t(done, { email }), kind: 'info' } }));
    } catch (error) {
      if (!(error instanceof FamilyError)) throw error;
      send(res, await renderList(req, role.patient, { message: { text: req.t(`family.error.${error.code}`), kind: 'error' } }), 404);
    }
  };
  router.post('/account/family/invitations/cancel', invitationAction(cancelPendingInvitation, 'family.invitationCancelled'));
  router.post('/account/family/invitations/resend', invitationAction(resendPendingInvitation, 'family.invitationResent'));

  router.post('/account/family/access', async (req, res) => {
    const { accountId, role } = await signedIn(req);
    if (role.role !== 'patient') throw new SignInRequired();
    const form = accessForm.parse(req.body);
    const relatedPerson = `RelatedPerson/${form.member}`;
    try {
      await changeFamilyAccess(deps.accounts, {
        patient: role.patient,
        relatedPerson,
        access: form.access === 'limited' ? 'limited' : 'everything',
        parts: form.parts,
        actor: role.patient,
        accountId,
        clientAddress: clientAddress(req),
      });
      const name = (await listFamily(deps.accounts, role.patient)).members.find((m) => m.relatedPerson === relatedPerson)?.name ?? '';
      send(res, await renderList(req, role.patient, { message: { text: req.t('family.changed', { name }), kind: 'info' } }));
    } catch (error) {
      if (!(error instanceof FamilyError)) throw error;
      send(res, await renderList(req, role.patient, { message: { text: req.t(`family.error.${error.code}`), kind: 'error' } }), 422);
    }
  });

  router.post('/account/family/leave', async (req, res) => {
    const { session, accountId, role } = await signedIn(req);
    if (role.role !== 'member') throw new SignInRequired();
    await endFamilyAccess(deps.accounts, {
      patient: role.patient,
      relatedPerson: role.relatedPerson,
      by: 'family',
      actor: role.relatedPerson,
      accountId,
      clientAddress: clientAddress(req),
      notify: false,
      // Nobody is told (they left themselves): no name needed.
      patientName: undefined,
    });
    // This session was for that record: it ends with the access.
    await deps.sessions.end(req, res, session);
    res.redirect(303, '/');
  });

  router.post('/account/end-everything', async (req, res) => {
    const { session, accountId, role } = await signedIn(req);
    if (role.role !== 'patient') throw new SignInRequired();
    await endEverything(deps.accounts, {
      accountId,
      patient: role.patient,
      patientName: await patientNameOf(role.patient),
      email: role.email,
      locale: role.locale,
      keepSession: session.idHash,
      clientAddress: clientAddress(req),
    });
    send(res, await renderList(req, role.patient, { message: { text: req.t('family.everythingDone'), kind: 'info' } }));
  });
  return router;
}
