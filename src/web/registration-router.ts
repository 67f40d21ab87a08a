import { Router } from 'express';
import type { AccountsDeps } from '../accounts/deps.ts';
import { completeRegistration, inspectRegistrationLink } from '../accounts/registration.ts';
import { familyAcceptance } from '../proxies/accept-family-invitation.ts';
import { clientAddress } from '../http/client-address.ts';
import { formBody } from '../http/form-body.ts';
import { pageContext } from '../ui/page-context.ts';
import { linkStatePage, registeredPage, registrationPage } from './views/patient-pages.ts';

// Link tokens, dates and passwords are taken as typed (the services compare and trim what they must).
const linkQuery = formBody({ t: { trim: false } });
const registrationForm = formBody({ t: { trim: false }, birthDate: { trim: false }, password: { trim: false } });

/** Promise 5 step 2: the emailed registration link. Opening it changes nothing; submitting the form does. */
export function createRegistrationRouter(deps: { accounts: AccountsDeps }): Router {
  const router = Router();

  router.get('/register', async (req, res) => {
    const token = linkQuery.parse(req.query).t;
    const ctx = pageContext(req, deps.accounts.practice);
    const state = await inspectRegistrationLink(deps.accounts, token);
    res.set('Cache-Control', 'no-store');
    if (state !== 'valid') return res.status(410).send(linkStatePage(ctx, state));
    res.send(registrationPage(ctx, { token }));
  });

  router.post('/register', async (req, res) => {
    const { t: token, birthDate, password } = registrationForm.parse(req.body);
    const ctx = pageContext(req, deps.accounts.practice);
    const address = clientAddress(req);
    // A family member's registration is also their acceptance: the RelatedPerson + Consent pair is written in it.
    const outcome = await completeRegistration(deps.accounts, { token, birthDate, password, clientAddress: address }, { onAccept: familyAcceptance(deps.accounts, address) });
    res.set('Cache-Control', 'no-store');
    switch (outcome.status) {
      case 'registered':
        return res.send(registeredPage(ctx));
      case 'link':
        return res.status(410).send(linkStatePage(ctx, outcome.state));
      case 'wrong_birth_date':
        return res.status(422).send(registrationPage(ctx, { token, birthDateError: ctx.t('register.wrongBirthDate') }));
      case 'weak_password':
        return res.status(422).send(registrationPage(ctx, { token, passwordError: ctx.t(outcome.problem) }));
    }
  });
  return router;
}
