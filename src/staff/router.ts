/**
 * The staff console (/staff): sign-in with TOTP, patient search, the patient's portal account,
 * the authorization form, invitations, email change and deactivation. Handlers parse, call a
 * service, render.
 */
import { Router, type NextFunction, type Request, type Response } from 'express';
import type { Bundle, Consent, Patient, Practitioner } from '@medplum/fhirtypes';
import { AppError } from '../core/errors.ts';
import { displayName } from '../core/fhir/names.ts';
import { isLocale } from '../core/i18n/translate.ts';
import type { AccountsDeps } from '../accounts/deps.ts';
import { staffSignIn } from '../accounts/staff-sign-in.ts';
import { AuthorizationFormError, recordAuthorization, type StaffMember } from '../accounts/record-authorization.ts';
import { resendInvitation } from '../accounts/resend-invitation.ts';
import { changeAccountEmail } from '../accounts/change-account-email.ts';
import { deactivateAccount } from '../accounts/deactivate-account.ts';
import { findAccount, findAccountsForPatient } from '../store/accounts.ts';
import { listInvitations } from '../store/invitations.ts';
import { clientAddress } from '../http/client-address.ts';
import type { SessionManager } from '../http/session.ts';
import { pageContext } from '../ui/page-context.ts';
import { pause } from '../core/pause.ts';
import { invitationState } from './invitation-state.ts';
import { patientPage, searchPage } from './views.ts';
import { staffSignInPage } from '../ui/staff-sign-in-page.ts';
import { staffAdminPage } from './admin-views.ts';
import { createStaffMember, listStaff, setStaffEnabled } from '../accounts/manage-staff.ts';
import { listLaunchableClients } from '../store/oauth-clients.ts';
import { createEhrLaunch } from '../store/launch-context.ts';
import { allowFormActionTo } from '../http/security-headers.ts';
import { isFhirId } from '../core/fhir/ids.ts';

/** An EHR launch value lives five minutes: long enough for the app to start its authorization request. */
const launchTtlMs = 5 * 60_000;

declare module 'express-serve-static-core' {
  interface Request {
    staff?: StaffMember & { admin: boolean };
  }
}

const text = (value: unknown) => (typeof value === 'string' ? value.trim() : '');

const messages = {
  recorded: ['staff.auth.recorded', 'info'],
  resent: ['staff.invitations.resent', 'info'],
  emailChanged: ['staff.email.changed', 'info'],
  deactivated: ['staff.deactivated', 'info'],
  missing: ['staff.auth.missing', 'error'],
  emailInUse: ['staff.auth.emailInUse', 'error'],
} as const;

export function createStaffRouter(deps: { accounts: AccountsDeps; sessions: SessionManager }): Router {
  const router = Router();
  const { fhir } = deps.accounts;

  router.get('/staff/login', (req, res) => {
    res.set('Cache-Control', 'no-store').send(staffSignInPage(pageContext(req, deps.accounts.practice), {}));
  });

  router.post('/staff/login', async (req, res) => {
    const email = text(req.body.email);
    const result = await staffSignIn(deps.accounts, { email, password: typeof req.body.password === 'string' ? req.body.password : '', code: text(req.body.code), clientAddress: clientAddress(req) });
    if (!result.ok) {
      await pause(result.delayMs);
      return res.set('Cache-Control', 'no-store').send(staffSignInPage(pageContext(req, deps.accounts.practice), { email, failed: true }));
    }
    const [practitioner, account] = await Promise.all([fhir.read<Practitioner>('Practitioner', result.practitioner.split('/')[1]!), findAccount(deps.accounts.db, result.accountId)]);
    await deps.sessions.start(res, result.accountId, { practitioner: result.practitioner, name: displayName(practitioner.name), admin: account?.roles.includes('admin') ?? false });
    res.redirect(303, '/staff');
  });

  // Everything below needs a live staff session.
  router.use('/staff', async (req: Request, res: Response, next: NextFunction) => {
    const session = await deps.sessions.load(req);
    if (!session?.accountId) return res.redirect(303, '/staff/login');
    req.staff = { accountId: session.accountId, practitioner: String(session.data['practitioner']), name: String(session.data['name']), admin: session.data['admin'] === true };
    res.set('Cache-Control', 'no-store');
    next();
  });

  // Staff administration: admins only.
  router.use('/staff/admin', (req: Request, _res: Response, next: NextFunction) => next(req.staff?.admin ? undefined : new AppError('forbidden', 403)));
  router.get('/staff/admin', async (req, res) => {
    res.send(staffAdminPage(pageContext(req, deps.accounts.practice), { staff: await listStaff(deps.accounts.db), self: req.staff!.accountId }));
  });
  router.post('/staff/admin', async (req, res) => {
    const ctx = pageContext(req, deps.accounts.practice);
    try {
      const created = await createStaffMember(deps.accounts, { email: text(req.body.email), givenName: text(req.body.givenName), familyName: text(req.body.familyName), admin: req.body.admin === 'yes' });
      res.send(staffAdminPage(ctx, { staff: await listStaff(deps.accounts.db), self: req.staff!.accountId, created }));
    } catch (error) {
      if (!(error instanceof AppError) || error.code !== 'bad_request') throw error;
      res.status(422).send(staffAdminPage(ctx, { staff: await listStaff(deps.accounts.db), self: req.staff!.accountId, invalid: true }));
    }
  });
  router.post('/staff/admin/:accountId/:action', async (req, res) => {
    const action = String(req.params['action']);
    if (action !== 'disable' && action !== 'enable') throw new AppError('not_found', 404);
    await setStaffEnabled(deps.accounts.db, req.staff!.accountId, String(req.params['accountId']), action === 'enable');
    res.redirect(303, '/staff/admin');
  });

  router.post('/staff/logout', async (req, res) => {
    await deps.sessions.end(req, res);
    res.redirect(303, '/staff/login');
  });

  router.get('/staff', async (req, res) => {
    const query = { name: text(req.query['name']), birthDate: text(req.query['birthDate']), mrn: text(req.query['mrn']) };
    const params: Record<string, string> = { _count: '50' };
    if (query.name) params['name'] = query.name;
    if (/^\d{4}-\d{2}-\d{2}$/.test(query.birthDate)) params['birthdate'] = query.birthDate;
    if (query.mrn) params['identifier'] = query.mrn;
    const searched = Object.keys(params).length > 1;
    const results = searched ? ((await fhir.search<Patient>('Patient', params)) as Bundle<Patient>).entry?.map((e) => e.resource!) ?? [] : undefined;
    res.send(searchPage(pageContext(req, deps.accounts.practice), { query, admin: req.staff!.admin, ...(results ? { results } : {}) }));
  });

  router.get('/staff/patients/:id', async (req, res) => {
    const id = String(req.params['id']);
    if (!isFhirId(id)) throw new AppError('not_found', 404);
    const [patient, physicians, accounts, launchable] = await Promise.all([
      fhir.read<Patient>('Patient', id),
      // Most recently updated first: new clinicians appear at the top of the list.
      fhir.search<Practitioner>('Practitioner', { active: 'true', _count: 100, _sort: '-_lastUpdated' }),
      findAccountsForPatient(deps.accounts.db, `Patient/${id}`),
      listLaunchableClients(deps.accounts.db),
    ]);
    const staffPractitioners = new Set((await listStaff(deps.accounts.db)).map((s) => s.fhir_user));
    const now = deps.accounts.now();
    const withInvitations = await Promise.all(
      accounts.map(async (account) => ({
        account,
        invitations: (await listInvitations(deps.accounts.db, account.id)).map((row) => ({ state: invitationState(row, now), createdAt: row.created_at })),
      })),
    );
    // "Open the app" answers with a redirect to the app's launch URL, and a browser checks that redirect against
    // the form-action of the page that submitted the form (CSP 3 §6.3.2): this page allows those origins.
    for (const app of launchable) allowFormActionTo(res, app.launchUrl);
    const key = text(req.query['done']) as keyof typeof messages;
    const ctx = pageContext(req, deps.accounts.practice);
    const message = messages[key] ? { text: ctx.t(messages[key][0]), kind: messages[key][1] } : undefined;
    res.send(
      patientPage(ctx, {
        patient,
        admin: req.staff!.admin,
        accounts: withInvitations,
        // Clinicians only: Practitioners that back a staff account (front desk, admins) are not physicians.
        physicians: (physicians.entry ?? []).map((e) => e.resource!).filter((p) => !staffPractitioners.has(`Practitioner/${p.id}`)),
        launchable,
        ...(message ? { message } : {}),
      }),
    );
  });

  // SMART EHR launch: a single-use launch value bound to this staff member, the app and the patient, then
  // the browser goes to the app's registered launch URL with iss and launch (SMART App Launch 2.2 "EHR launch").
  router.post('/staff/patients/:id/launch', async (req, res) => {
    const id = String(req.params['id']);
    if (!isFhirId(id)) throw new AppError('not_found', 404);
    const app = (await listLaunchableClients(deps.accounts.db)).find((c) => c.clientId === text(req.body.app));
    if (!app) throw new AppError('not_found', 404);
    const patient = await fhir.read<Patient>('Patient', id);
    const launch = await createEhrLaunch(deps.accounts.db, { accountId: req.staff!.accountId, clientId: app.clientId, patient: patient.id! }, { ttlMs: launchTtlMs, now: deps.accounts.now() });
    const target = new URL(app.launchUrl);
    target.searchParams.set('iss', new URL('/fhir', deps.accounts.publicUrl).toString());
    target.searchParams.set('launch', launch);
    allowFormActionTo(res, target.toString());
    res.redirect(303, target.toString());
  });

  router.post('/staff/patients/:id/authorization', async (req, res) => {
    const id = String(req.params['id']);
    if (!isFhirId(id)) throw new AppError('not_found', 404);
    const designee = text(req.body.signer) === 'designee';
    const language = text(req.body.language);
    try {
      await recordAuthorization(
        deps.accounts,
        req.staff!,
        {
          patientId: id,
          signer: designee
            ? { kind: 'designee', name: text(req.body.designeeName), relationship: text(req.body.designeeRelationship), email: text(req.body.designeeEmail) }
            : { kind: 'patient' },
          patientEmail: text(req.body.patientEmail),
          physicianId: isFhirId(text(req.body.physician)) ? text(req.body.physician) : 'missing',
          identityConfirmed: req.body.verified === 'yes',
          staffNote: text(req.body.note).slice(0, 1000),
          locale: isLocale(language) ? language : req.locale,
        },
        clientAddress(req),
      );
      res.redirect(303, `/staff/patients/${id}?done=recorded`);
    } catch (error) {
      if (error instanceof AuthorizationFormError) {
        return res.redirect(303, `/staff/patients/${id}?done=${error.code === 'email_in_use' ? 'emailInUse' : 'missing'}`);
      }
      throw error;
    }
  });

  const accountAction = (action: (accountId: string, req: Request) => Promise<void>, done: keyof typeof messages) => async (req: Request, res: Response) => {
    const accountId = String(req.params['accountId']);
    const account = await findAccount(deps.accounts.db, accountId);
    if (!account?.patient) throw new AppError('not_found', 404);
    let outcome: keyof typeof messages = done;
    try {
      await action(accountId, req);
    } catch (error) {
      if (!(error instanceof AuthorizationFormError)) throw error;
      outcome = error.code === 'email_in_use' ? 'emailInUse' : 'missing';
    }
    res.redirect(303, `/staff/patients/${account.patient.split('/')[1]}?done=${outcome}`);
  };

  router.post('/staff/accounts/:accountId/resend', accountAction((id, req) => resendInvitation(deps.accounts, req.staff!, id, clientAddress(req)), 'resent'));
  router.post(
    '/staff/accounts/:accountId/email',
    accountAction((id, req) => changeAccountEmail(deps.accounts, req.staff!, id, text(req.body[`email-${id}`]), clientAddress(req)), 'emailChanged'),
  );
  router.post('/staff/accounts/:accountId/deactivate', accountAction((id, req) => deactivateAccount(deps.accounts, req.staff!, id, clientAddress(req)), 'deactivated'));

  router.get('/staff/consents/:id/form.pdf', async (req, res) => {
    const id = String(req.params['id']);
    if (!isFhirId(id)) throw new AppError('not_found', 404);
    const consent = await fhir.read<Consent>('Consent', id);
    const data = consent.sourceAttachment?.data;
    if (!data) throw new AppError('not_found', 404);
    res
      .type('application/pdf')
      .set('Content-Disposition', `attachment; filename="authorization-${id}.pdf"`)
      .send(Buffer.from(data, 'base64'));
  });

  return router;
}
