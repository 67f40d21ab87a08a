/**
 * The FHIR facade at /fhir. For now it serves what the first-party web app needs to greet the
 * patient — a read of the token's own Patient — through the same checks every app will face:
 * a live bearer token for this audience, a patient context, a patient-read scope, and 404 for
 * anything outside the token's reach. Issue #4 grows this into the full enforcement pipeline.
 */
import { Router, type Request, type Response } from 'express';
import type Provider from 'oidc-provider';
import type { OperationOutcome, OperationOutcomeIssue, Patient } from '@medplum/fhirtypes';
import { isAppError } from '../core/errors.ts';
import type { Db } from '../store/db.ts';
import type { FhirClient } from '../store/fhir-client.ts';
import { authenticateBearer } from '../auth/bearer.ts';
import { smartConfiguration } from '../auth/smart-configuration.ts';

export interface FhirFacadeDeps {
  readonly provider: Provider;
  readonly db: Db;
  readonly fhir: FhirClient;
  readonly fhirBase: string;
  readonly publicUrl: URL;
}

const fhirId = /^[A-Za-z0-9\-.]{1,64}$/;

function outcome(res: Response, status: number, code: OperationOutcomeIssue['code'], text: string): void {
  res
    .status(status)
    .type('application/fhir+json')
    .set('Cache-Control', 'no-store')
    .json({ resourceType: 'OperationOutcome', issue: [{ severity: 'error', code, details: { text } }] } satisfies OperationOutcome);
}

export function createFhirRouter(deps: FhirFacadeDeps): Router {
  const router = Router();

  // Discovery is public and read by apps running in browsers on other origins (SMART App Launch 2.2 requires CORS here).
  router.get('/.well-known/smart-configuration', (_req, res) => {
    res.set('Access-Control-Allow-Origin', '*').set('Cache-Control', 'public, max-age=300').json(smartConfiguration(deps.publicUrl));
  });

  router.get('/Patient/:id', async (req: Request, res: Response) => {
    const principal = await authenticateBearer(deps, req.get('authorization'));
    if (!principal) {
      res.set('WWW-Authenticate', 'Bearer error="invalid_token"');
      return outcome(res, 401, 'login', 'A valid access token for this server is required.');
    }
    const canRead = ['patient/*.rs', 'patient/*.read', 'patient/Patient.rs', 'patient/Patient.read'].some((s) => principal.scopes.has(s));
    if (!canRead) return outcome(res, 403, 'forbidden', 'The token’s scopes do not allow reading Patient.');
    const id = String(req.params['id'] ?? '');
    // Outside the token's reach answers exactly like a resource that does not exist (DESIGN.md security model 6).
    if (!principal.patient || !fhirId.test(id) || id !== principal.patient) return outcome(res, 404, 'not-found', 'Resource not found.');
    try {
      const patient = await deps.fhir.read<Patient>('Patient', id);
      res.type('application/fhir+json').set('Cache-Control', 'no-store').json(patient);
    } catch (error) {
      if (isAppError(error) && error.code === 'fhir_not_found') return outcome(res, 404, 'not-found', 'Resource not found.');
      return outcome(res, 503, 'transient', 'The health record server is not available.');
    }
  });

  router.use((_req, res) => outcome(res, 404, 'not-supported', 'This interaction is not available.'));
  return router;
}
