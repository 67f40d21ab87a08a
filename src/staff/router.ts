/**
 * The staff console (/staff): sign-in with TOTP, patient search, the patient's portal account,
 * the authorization form, invitations, email change and deactivation. Handlers parse, call a
 * service, render.
 */
import { Router, type NextFunction, type Request, type Response } from 'express';
import { AppError } from '../core/errors.ts';
import { pause } from '../core/pause.ts';
import { isLocale } from '../core/i18n/translate.ts';
import type { AccountsDeps } from '../accounts/deps.ts';
import { staffDisplayName, staffSignIn } from '../accounts/staff-sign-in.ts';
import { AuthorizationFormError, recordAuthorization, type StaffMember } from '../accounts/record-authorization.ts';
import { resendInvitation } from '../accounts/resend-invitation.ts';
import { changeAccountEmail } from '../accounts/change-account-email.ts';
import { deactivateAccount } from '../accounts/deactivate-account.ts';
import { createStaffMember, listStaff, setStaffEnabled } from '../accounts/manage-staff.ts';
import { searchPatients } from '../accounts/staff-patient-search.ts';
import { patientOfPortalAccount, patientOverview, signedAuthorizationForm } from '../accounts/staff-patient-view.ts';
import { launchAppForPatient } from '../accounts/launch-app.ts';
import { clientAddress } from '../http/client-address.ts';
import { formBody } from '../http/form-body.ts';
import { fhirIdSource, isFhirId } from '../core/fhir/ids.ts';
import type { SessionManager } from '../http/session.ts';
import { allowFormActionTo } from '../http/security-headers.ts';
import { pageContext } from '../ui/page-context.ts';
import { staffSignInPage } from '../ui/staff-sign-in-page.ts';
import { downloadCcd, downloadSummaryPdf, VisitNotFound, type Download } from '../export/record-download.ts';
import { RecordTooLarge } from '../export/record-snapshot.ts';
import { parseShareChoice } from '../export/share-choice.ts';
import { createStaffRecordClient } from '../export/staff-record-client.ts';
import { patientPage, searchPage } from './views.ts';
import { endFamilyAccess, listFamily } from '../proxies/manage-family.ts';
import { patientNameIfReachable } from '../proxies/patient-name.ts';
import { staffAdminPage } from './admin-views.ts';

declare module 'express-serve-static-core' {
  interface Request {
    staff?: StaffMember & { admin: boolean };
  }
}

const messages = {
  recorded: ['staff.auth.recorded', 'info'],
  resent: ['staff.invitations.resent', 'info'],
  emailChanged: ['staff.email.changed', 'info'],
  deactivated: ['staff.deactivated', 'info'],
  missing: ['staff.auth.missing', 'error'],
  emailInUse: ['staff.auth.emailInUse', 'error'],
  releaseInvalid: ['staff.release.invalid', 'error'],
  releaseTooLarge: ['staff.release.tooLarge', 'error'],
  familyEnded: ['staff.family.ended', 'info'],
} as const;

const signInForm = formBody({ email: {}, password: { trim: false }, code: {} });
const newStaffForm = formBody({ email: {}, givenName: {}, familyName: {}, admin: { oneOf: ['yes'] } });
const searchQuery = formBody({ name: {}, birthDate: {}, mrn: {} });
const doneQuery = formBody({ done: { oneOf: Object.keys(messages) } });
/** The new address of one account: the field is named per account (`email-<id>`), since the patient page lists them all. */
const emailForm = formBody({ email: {} });
const launchForm = formBody({ app: {} });
const familyMemberForm = formBody({ member: { pattern: `^${fhirIdSource}$` } });
const authorizationForm = formBody({
  signer: { oneOf: ['patient', 'designee'] },
  designeeName: {},
  designeeRelationship: {},
  designeeEmail: {},
  patientEmail: {},
  physician: { pattern: `^${fhirIdSource}$` },
  verified: { oneOf: ['yes'] },
  note: {},
  language: { oneOf: ['es', 'en'] },
});

export function createStaffRouter(deps: { accounts: AccountsDeps; sessions: SessionManager }): Router {
  const router = Router();
  const ctxOf = (req: Request) => pageContext(req, deps.accounts.practice);
  /** What an audited console read says of itself: who, what was asked, from where. */
  const readBy = (req: Request) => ({ staff: req.staff!, request: `${req.method} ${req.originalUrl}`, clientAddress: clientAddress(req) });

  router.get('/staff/login', (req, res) => {
    res.set('Cache-Control', 'no-store').send(staffSignInPage(ctxOf(req), {}));
  });

  router.post('/staff/login', async (req, res) => {
    const form = signInForm.parse(req.body);
    const result = await staffSignIn(deps.accounts, { ...form, clientAddress: clientAddress(req) });
    if (!result.ok) {
      await pause(result.delayMs);
      return res.set('Cache-Control', 'no-store').send(staffSignInPage(ctxOf(req), { email: form.email, failed: true }));
    }
    const name = await staffDisplayName(deps.accounts, result.practitioner);
    await deps.sessions.start(res, result.accountId, { practitioner: result.practitioner, name, admin: result.admin });
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
    res.send(staffAdminPage(ctxOf(req), { staff: await listStaff(deps.accounts), self: req.staff!.accountId }));
  });
  router.post('/staff/admin', async (req, res) => {
    const form = newStaffForm.parse(req.body);
    try {
      const created = await createStaffMember(deps.accounts, { email: form.email, givenName: form.givenName, familyName: form.familyName, admin: form.admin === 'yes' });
      res.send(staffAdminPage(ctxOf(req), { staff: await listStaff(deps.accounts), self: req.staff!.accountId, created }));
    } catch (error) {
      if (!(error instanceof AppError) || error.code !== 'bad_request') throw error;
      res.status(422).send(staffAdminPage(ctxOf(req), { staff: await listStaff(deps.accounts), self: req.staff!.accountId, invalid: true }));
    }
  });
  router.post('/staff/admin/:accountId/:action', async (req, res) => {
    const action = String(req.params['action']);
    if (action !== 'disable' && action !== 'enable') throw new AppError('not_found', 404);
    await setStaffEnabled(deps.accounts, req.staff!.accountId, String(req.params['accountId']), action === 'enable');
    res.redirect(303, '/staff/admin');
  });

  router.post('/staff/logout', async (req, res) => {
    await deps.sessions.end(req, res);
    res.redirect(303, '/staff/login');
  });

  router.get('/staff', async (req, res) => {
    const query = searchQuery.parse(req.query);
    const results = await searchPatients(deps.accounts, query, readBy(req));
    res.send(searchPage(ctxOf(req), { query, admin: req.staff!.admin, ...(results ? { results } : {}) }));
  });

  router.get('/staff/patients/:id', async (req, res) => {
    const overview = await patientOverview(deps.accounts, String(req.params['id']), readBy(req));
    // "Open the app" answers with a redirect to the app's launch URL, and a browser checks that redirect against
    // the form-action of the page that submitted the form (CSP 3 §6.3.2): this page allows those origins.
    for (const app of overview.launchable) allowFormActionTo(res, app.launchUrl);
    const ctx = ctxOf(req);
    const done = doneQuery.parse(req.query).done as keyof typeof messages | '';
    const message = done ? { text: ctx.t(messages[done][0]), kind: messages[done][1] } : undefined;
    // Family and caregivers with access (issue 13): staff see them and can end access here.
    const { members, pending } = await listFamily(deps.accounts, `Patient/${overview.patient.id}`);
    const family = members.filter((m) => !m.ended);
    res.send(patientPage(ctx, { ...overview, family, pending, admin: req.staff!.admin, ...(message ? { message } : {}) }));
  });

  router.post('/staff/patients/:id/family/end', async (req, res) => {
    const id = String(req.params['id']);
    if (!isFhirId(id)) throw new AppError('not_found', 404);
    const { member } = familyMemberForm.parse(req.body);
    // Ending never waits for HAPI: the store ends it now, FHIR follows through the outbox; the name is only the email's.
    await endFamilyAccess(deps.accounts, {
      patient: `Patient/${id}`,
      relatedPerson: `RelatedPerson/${member}`,
      by: 'staff',
      actor: req.staff!.practitioner,
      accountId: req.staff!.accountId,
      clientAddress: clientAddress(req),
      notify: true,
      patientName: await patientNameIfReachable(deps.accounts, id),
    });
    res.redirect(303, `/staff/patients/${id}?done=familyEnded`);
  });

  // SMART EHR launch: the browser goes to the app's registered launch URL with iss and launch.
  router.post('/staff/patients/:id/launch', async (req, res) => {
    const target = await launchAppForPatient(deps.accounts, req.staff!, String(req.params['id']), launchForm.parse(req.body).app);
    allowFormActionTo(res, target.toString());
    res.redirect(303, target.toString());
  });

  router.post('/staff/patients/:id/authorization', async (req, res) => {
    const id = String(req.params['id']);
    const form = authorizationForm.parse(req.body);
    try {
      await recordAuthorization(
        deps.accounts,
        req.staff!,
        {
          patientId: id,
          signer:
            form.signer === 'designee' ? { kind: 'designee', name: form.designeeName, relationship: form.designeeRelationship, email: form.designeeEmail } : { kind: 'patient' },
          patientEmail: form.patientEmail,
          physicianId: form.physician || 'missing',
          identityConfirmed: form.verified === 'yes',
          staffNote: form.note.slice(0, 1000),
          locale: isLocale(form.language) ? form.language : req.locale,
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
    const patient = await patientOfPortalAccount(deps.accounts, accountId);
    let outcome: keyof typeof messages = done;
    try {
      await action(accountId, req);
    } catch (error) {
      if (!(error instanceof AuthorizationFormError)) throw error;
      outcome = error.code === 'email_in_use' ? 'emailInUse' : 'missing';
    }
    res.redirect(303, `/staff/patients/${patient.split('/')[1]}?done=${outcome}`);
  };

  router.post(
    '/staff/accounts/:accountId/resend',
    accountAction((id, req) => resendInvitation(deps.accounts, req.staff!, id, clientAddress(req)), 'resent'),
  );
  router.post(
    '/staff/accounts/:accountId/email',
    accountAction((id, req) => changeAccountEmail(deps.accounts, req.staff!, id, emailForm.parse({ email: req.body[`email-${id}`] }).email, clientAddress(req)), 'emailChanged'),
  );
  router.post(
    '/staff/accounts/:accountId/deactivate',
    accountAction((id, req) => deactivateAccount(deps.accounts, req.staff!, id, clientAddress(req)), 'deactivated'),
  );

  // Release of information: the patient's summary PDF or C-CDA, read with the system client and audited as an
  // export with the staff member's Practitioner as the requesting agent (DESIGN security model 10).
  const release = (make: typeof downloadCcd) => async (req: Request, res: Response) => {
    const id = String(req.params['id']);
    if (!isFhirId(id)) throw new AppError('not_found', 404);
    const parsed = parseShareChoice(req.query, req.locale);
    if (!parsed.ok) return res.redirect(303, `/staff/patients/${id}?done=releaseInvalid`);
    const downloadDeps = { db: deps.accounts.db, practice: deps.accounts.practice, fhirBase: deps.accounts.fhir.baseUrl, now: deps.accounts.now };
    const request = { range: parsed.range, visit: parsed.visit, language: parsed.choice.language, clientAddress: clientAddress(req), actor: req.staff!.practitioner };
    let file: Download;
    try {
      file = await make(downloadDeps, createStaffRecordClient(deps.accounts.fhir, id), request);
    } catch (error) {
      if (error instanceof RecordTooLarge) return res.redirect(303, `/staff/patients/${id}?done=releaseTooLarge`);
      if (error instanceof VisitNotFound) return res.redirect(303, `/staff/patients/${id}?done=releaseInvalid`);
      throw error;
    }
    res.type(file.contentType).set('Content-Disposition', `attachment; filename="${file.filename}"`).set('X-Content-Type-Options', 'nosniff').send(file.body);
  };
  router.get('/staff/patients/:id/summary.pdf', release(downloadSummaryPdf));
  router.get('/staff/patients/:id/ccd.xml', release(downloadCcd));

  router.get('/staff/consents/:id/form.pdf', async (req, res) => {
    const id = String(req.params['id']);
    const pdf = await signedAuthorizationForm(deps.accounts, id, readBy(req));
    res.type('application/pdf').set('Content-Disposition', `attachment; filename="authorization-${id}.pdf"`).send(pdf);
  });

  return router;
}
