import { Router } from 'express';
import type { Patient } from '@medplum/fhirtypes';
import { displayName } from '../core/fhir/names.ts';
import type { Practice } from '../accounts/emails.ts';
import { recordClientFor, SignInRequired } from './record-client.ts';
import type { SessionManager } from './session.ts';
import type { WebClient } from './web-client.ts';
import { pageContext } from './page-context.ts';
import { homePage, landingPage, signedInNav } from './views/patient-pages.ts';

/** Home: the landing page for visitors; for a signed-in patient, a greeting read from the record. */
export function createHomeRouter(deps: { practice: Practice; sessions: SessionManager; webClient: WebClient; fhirBase: string; timeoutMs: number }): Router {
  const router = Router();
  router.get('/', async (req, res) => {
    const ctx = pageContext(req, deps.practice);
    res.set('Cache-Control', 'no-store');
    try {
      const record = await recordClientFor(req, res, deps);
      const patient = await record.read<Patient>(`Patient/${record.patient}`);
      res.send(homePage(ctx, { name: displayName(patient.name), nav: signedInNav(ctx) }));
    } catch (error) {
      if (error instanceof SignInRequired) return res.send(landingPage(ctx));
      throw error;
    }
  });
  return router;
}
