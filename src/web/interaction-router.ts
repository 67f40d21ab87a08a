/**
 * The authorization server's login interaction: the portal's own sign-in page (email, password and
 * date of birth), rendered here and finished back into oidc-provider.
 */
import { Router, type Request, type Response } from 'express';
import type Provider from 'oidc-provider';
import { AppError } from '../core/errors.ts';
import type { AccountsDeps } from '../accounts/deps.ts';
import { signIn } from '../accounts/sign-in.ts';
import { clientAddress } from '../http/client-address.ts';
import { formBody } from '../http/form-body.ts';
import { pageContext } from '../ui/page-context.ts';
import { pause } from '../core/pause.ts';
import { allowFormActionTo } from '../http/security-headers.ts';
import { signInPage } from './views/patient-pages.ts';
import { consentPage } from './views/consent-page.ts';
import { narrowerChoices, requestedChoices, type ScopeChoice } from '../access/scope-choices.ts';
import { consentAllowsChoice, parseParts, type FamilyPart } from '../access/family-access.ts';
import { reachOf } from '../access/reach.ts';
import { consentGrantScopes, grantWith, requestedScopes } from '../auth/grant-policy.ts';
import { appName } from '../accounts/connected-apps.ts';
import { launchingStaff } from '../auth/ehr-launch.ts';
import { describePatient, mayPick, pickablePatients, pickerPromptName, savePickedContext, verifiedSubmission } from '../auth/patient-picker.ts';
import { patientPickerPage } from './views/patient-picker-page.ts';
import { staffSignIn } from '../accounts/staff-sign-in.ts';
import { staffSignInPage } from '../ui/staff-sign-in-page.ts';
import type { SessionManager } from '../http/session.ts';

// Sign-in fields are taken as typed, as before (the services normalize the email and compare the date).
const signInForm = formBody({ email: { trim: false }, password: { trim: false }, birthDate: { trim: false }, code: { trim: false } });
const pickerForm = formBody({ patient: { trim: false } });
const consentForm = formBody({ decision: { oneOf: ['allow', 'deny'] }, scope: { list: true, trim: false }, offline: { oneOf: ['yes'] } });

export function createInteractionRouter(deps: { provider: Provider; accounts: AccountsDeps; fhirBase: string; staffSessions: SessionManager }): Router {
  const router = Router();

  // The forms on these pages end in a redirect back to the app (security-headers.ts says why that needs CSP room).
  const allowRedirectToApp = (res: Response, details: Awaited<ReturnType<Provider['interactionDetails']>>) => allowFormActionTo(res, String(details.params['redirect_uri'] ?? ''));

  /**
   * Finishes a sign-in. If the browser still holds someone else's authorization-server session (a patient's,
   * then a staff member launches an app at the same computer, or the reverse), that session is ended first:
   * it is never reused for another person or kind of account. (oidc-provider would otherwise answer the
   * switch with a confirmation form for RP-initiated logout, which the portal does not enable.)
   */
  async function finishLogin(req: Request, res: Response, details: Awaited<ReturnType<Provider['interactionDetails']>>, accountId: string): Promise<void> {
    const previous = details.session;
    if (previous?.accountId && previous.accountId !== accountId) {
      if (previous.cookie) await (await deps.provider.Session.find(previous.cookie))?.destroy();
      // The interaction no longer belongs to that session; the authorization resumes with a fresh one.
      delete details.session;
      await details.save(Math.max(1, (details.exp ?? 0) - Math.floor(Date.now() / 1000)));
    }
    await deps.provider.interactionFinished(req, res, { login: { accountId } }, { mergeWithLastSubmission: false });
  }

  router.get('/interaction/:uid', async (req, res) => {
    const details = await deps.provider.interactionDetails(req, res);
    res.set('Cache-Control', 'no-store');
    allowRedirectToApp(res, details);
    if (details.prompt.name === 'login' && typeof details.params['launch'] === 'string') return staffLogin(req, res, details);
    if (details.prompt.name === 'login') return res.send(signInPage(pageContext(req, deps.accounts.practice), { action: `/interaction/${details.uid}/login` }));
    if (details.prompt.name === pickerPromptName) return res.send(await renderPicker(req, details));
    if (details.prompt.name === 'consent') return res.send(await renderConsent(req, details));
    throw new AppError('not_found', 404);
  });

  // The consent screen for third-party apps (SMART App Launch 2.2: the patient decides, and may grant less than asked).
  const requestedOf = (details: Awaited<ReturnType<Provider['interactionDetails']>>) => requestedScopes(details.params['scope']);
  /**
   * A family member acting through a limited Consent may give an app no more than the Consent permits (issue 13
   * point 7): the parts for the patient the app gets (the one picked, else the account's only one).
   */
  async function consentLimitOf(details: Awaited<ReturnType<Provider['interactionDetails']>>): Promise<FamilyPart[] | undefined> {
    const accountId = String(details.session?.accountId ?? '');
    const reach = await reachOf(deps.accounts.db, { kind: 'user', accountId });
    const picked = await pickedOf(details);
    const reached = picked ? reach.patients.find((p) => p.patient === picked) : reach.patients.length === 1 ? reach.patients[0] : undefined;
    return reached?.parts ? (parseParts(reached.parts) ?? []) : undefined;
  }
  async function renderConsent(req: Request, details: Awaited<ReturnType<Provider['interactionDetails']>>, error = false): Promise<string> {
    const limit = await consentLimitOf(details);
    const within = (choice: ScopeChoice) => consentAllowsChoice(choice, limit);
    const asked = requestedChoices(requestedOf(details));
    const requested = asked.filter(within);
    const picked = await pickedOf(details);
    const ctx = pageContext(req, deps.accounts.practice);
    return consentPage(ctx, {
      ...(picked ? { patient: await pickable(picked) } : {}),
      ...(limit ? { limitedTo: limit.map((part) => ctx.t(`family.part.${part}`)) } : {}),
      action: `/interaction/${details.uid}/consent`,
      appName: await appName(deps.accounts, String(details.params['client_id'])),
      requested,
      narrower: narrowerChoices(asked).filter((c) => within(c) && !requested.some((r) => r.scope === c.scope)),
      offline: requestedOf(details).includes('offline_access'),
      error,
    });
  }

  // The patient picker: whose record the app gets, among the patients this account may act for (auth/patient-picker.ts).
  const patientsOf = (details: Awaited<ReturnType<Provider['interactionDetails']>>) => pickablePatients(deps.accounts.db, String(details.session?.accountId ?? ''));
  const pickable = (id: string) => describePatient(deps.accounts.fhir, id);
  /** The patient chosen in this interaction's picker, if one was and the account may (still) act for it. */
  const pickedOf = (details: Awaited<ReturnType<Provider['interactionDetails']>>) => verifiedSubmission(deps.accounts.db, details.session?.accountId, details.lastSubmission);
  async function renderPicker(req: Request, details: Awaited<ReturnType<Provider['interactionDetails']>>, error = false): Promise<string> {
    const patients = await Promise.all((await patientsOf(details)).map((id) => pickable(id)));
    return patientPickerPage(pageContext(req, deps.accounts.practice), {
      action: `/interaction/${details.uid}/patient`,
      appName: await appName(deps.accounts, String(details.params['client_id'])),
      patients,
      error,
    });
  }

  router.post('/interaction/:uid/patient', async (req, res) => {
    const details = await deps.provider.interactionDetails(req, res);
    if (details.prompt.name !== pickerPromptName || !details.session?.accountId) throw new AppError('not_found', 404);
    allowRedirectToApp(res, details);
    const choice = pickerForm.parse(req.body).patient;
    // Refused on the server: only a patient this account may act for, whatever the browser sent.
    if (!(await mayPick(deps.accounts.db, details.session.accountId, choice)))
      return res
        .status(422)
        .set('Cache-Control', 'no-store')
        .send(await renderPicker(req, details, true));
    await deps.provider.interactionFinished(req, res, { [pickerPromptName]: { patient: choice } }, { mergeWithLastSubmission: true });
  });

  router.post('/interaction/:uid/consent', async (req, res) => {
    const details = await deps.provider.interactionDetails(req, res);
    if (details.prompt.name !== 'consent' || !details.session?.accountId) throw new AppError('not_found', 404);
    allowRedirectToApp(res, details);
    const consent = consentForm.parse(req.body);
    if (consent.decision !== 'allow') {
      await deps.provider.interactionFinished(req, res, { error: 'access_denied', error_description: 'The patient did not allow access.' }, { mergeWithLastSubmission: false });
      return;
    }
    // What the patient ticked, among what this request may be granted; the rest recorded as refused (auth/grant-policy.ts).
    const limit = await consentLimitOf(details);
    const scopes = consentGrantScopes(requestedOf(details), consent.scope, consent.offline === 'yes', (choice) => consentAllowsChoice(choice, limit));
    if (!scopes) return res.status(422).send(await renderConsent(req, details, true));
    const grant = grantWith(deps.provider, { accountId: details.session.accountId, clientId: String(details.params['client_id']) }, deps.fhirBase, scopes);
    const grantId = await grant.save();
    // The patient chosen in the picker (if any) is this grant's launch context, re-checked against the store.
    const picked = await pickedOf(details);
    if (picked) await savePickedContext(deps.accounts.db, grantId, picked);
    // The authorization resumes with the interaction's saved request; narrowing its scope to what was granted
    // lets a narrower choice (a category under a wildcard) reach the token, which says exactly what was granted.
    details.params['scope'] = [...scopes.oidc, ...scopes.resource].join(' ');
    await details.save(Math.max(1, (details.exp ?? 0) - Math.floor(Date.now() / 1000)));
    await deps.provider.interactionFinished(req, res, { consent: { grantId } }, { mergeWithLastSubmission: true });
  });

  /**
   * EHR launch: the staff member who launched the app signs in to the authorization server. A live staff
   * console session of that same account (itself opened with email, password and TOTP) is enough; otherwise
   * the staff sign-in form asks for all three again. Nobody else can use the launch.
   */
  const launchOwner = (details: Awaited<ReturnType<Provider['interactionDetails']>>) => launchingStaff(deps.accounts.db, details.params);
  async function staffLogin(req: Request, res: Response, details: Awaited<ReturnType<Provider['interactionDetails']>>): Promise<void> {
    const [owner, session] = await Promise.all([launchOwner(details), deps.staffSessions.load(req)]);
    if (owner && session?.accountId === owner) {
      await finishLogin(req, res, details, owner);
      return;
    }
    res.send(staffSignInPage(pageContext(req, deps.accounts.practice), { action: `/interaction/${details.uid}/staff-login` }));
  }

  router.post('/interaction/:uid/staff-login', async (req, res) => {
    const details = await deps.provider.interactionDetails(req, res);
    if (details.prompt.name !== 'login' || typeof details.params['launch'] !== 'string') throw new AppError('not_found', 404);
    allowRedirectToApp(res, details);
    const { email, password, code } = signInForm.parse(req.body);
    // Signing in as another staff member fails exactly like a wrong password (counted, audited): the launch is not theirs.
    const onlyAccountId = (await launchOwner(details)) ?? null;
    const result = await staffSignIn(deps.accounts, { email, password, code, clientAddress: clientAddress(req), onlyAccountId });
    if (result.ok) {
      await finishLogin(req, res, details, result.accountId);
      return;
    }
    await pause(result.delayMs);
    res
      .set('Cache-Control', 'no-store')
      .send(staffSignInPage(pageContext(req, deps.accounts.practice), { action: `/interaction/${details.uid}/staff-login`, email, failed: true }));
  });

  router.post('/interaction/:uid/login', async (req, res) => {
    const details = await deps.provider.interactionDetails(req, res);
    // An EHR launch is signed in by staff only (staff-login above), never with a patient's sign-in.
    if (details.prompt.name !== 'login' || details.params['launch'] !== undefined) throw new AppError('not_found', 404);
    allowRedirectToApp(res, details);
    const form = signInForm.parse(req.body);
    const email = form.email;
    const result = await signIn(deps.accounts, { ...form, clientAddress: clientAddress(req) });
    if (result.ok) {
      await finishLogin(req, res, details, result.accountId);
      return;
    }
    await pause(result.delayMs);
    res.set('Cache-Control', 'no-store').send(signInPage(pageContext(req, deps.accounts.practice), { action: `/interaction/${details.uid}/login`, email, failed: true }));
  });
  return router;
}
