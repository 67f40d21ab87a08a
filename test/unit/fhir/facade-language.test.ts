import { expect } from 'chai';
import { type FacadeHarness, startFacadeHarness } from './facade-harness.ts';
import type { OperationOutcome } from '@medplum/fhirtypes';
import { en } from '../../../src/core/i18n/catalog-en.ts';
import { es } from '../../../src/core/i18n/catalog-es.ts';

/**
 * The facade's refusals speak the caller's language (DESIGN.md: Spanish and English everywhere, errors
 * included): each FacadeError carries a catalog key, and the router renders the OperationOutcome's
 * details.text from the Accept-Language header — Spanish when it names neither language, like every
 * other answer of the portal. Status, issue code and audit are the same in every language.
 */
describe('facade: OperationOutcome texts in the caller’s language', function () {
  this.timeout(30_000);
  let harness: FacadeHarness;
  let base: string;

  before(async () => {
    harness = await startFacadeHarness({ scope: 'patient/Observation.rs' });
    base = harness.base;
  });
  after(() => harness.close());

  async function refusal(path: string, acceptLanguage: string | undefined, token?: string) {
    const response = await fetch(`${base}${path}`, {
      headers: { accept: 'application/fhir+json', ...(acceptLanguage ? { 'accept-language': acceptLanguage } : {}), ...(token ? { authorization: `Bearer ${token}` } : {}) },
    });
    const body = (await response.json()) as OperationOutcome;
    expect(body.resourceType).to.equal('OperationOutcome');
    return { status: response.status, language: response.headers.get('content-language'), code: body.issue[0]!.code, text: body.issue[0]!.details?.text };
  }

  it('answers the same refusal in Spanish for es and in English for en', async () => {
    expect(await refusal('/Observation', 'es')).to.deep.equal({ status: 401, language: 'es', code: 'login', text: 'Se necesita un token de acceso válido para este servidor.' });
    expect(await refusal('/Observation', 'en')).to.deep.equal({ status: 401, language: 'en', code: 'login', text: 'A valid access token for this server is required.' });
    // With a live token: refusals that name a resource type keep it as is in both languages.
    expect(await refusal('/Condition', 'es', 'patient-token')).to.deep.equal({
      status: 403,
      language: 'es',
      code: 'forbidden',
      text: 'Los permisos (scopes) del token no permiten esto en Condition.',
    });
    expect(await refusal('/Condition', 'en', 'patient-token')).to.deep.equal({
      status: 403,
      language: 'en',
      code: 'forbidden',
      text: "The token's scopes do not allow this on Condition.",
    });
    expect(await refusal('/Observation?unknown=1', 'es', 'patient-token')).to.deep.equal({
      status: 400,
      language: 'es',
      code: 'invalid',
      text: 'El parámetro no está admitido para Observation.',
    });
    expect(await refusal('/Observation?unknown=1', 'en', 'patient-token')).to.deep.equal({
      status: 400,
      language: 'en',
      code: 'invalid',
      text: 'The parameter is not supported for Observation.',
    });
    expect(await refusal('/Unknown/1', 'es', 'patient-token')).to.deep.equal({ status: 404, language: 'es', code: 'not-found', text: 'Este tipo de recurso no está disponible.' });
    expect(await refusal('/Unknown/1', 'en', 'patient-token')).to.deep.equal({ status: 404, language: 'en', code: 'not-found', text: 'This resource type is not available.' });
  });

  it('negotiates like the rest of the portal: q-values and regional tags, Spanish when neither language is asked for', async () => {
    expect((await refusal('/Observation', 'en-US,en;q=0.9')).language).to.equal('en');
    expect((await refusal('/Observation', 'fr-FR, en;q=0.5, es;q=0.7')).language).to.equal('es');
    expect((await refusal('/Observation', 'de')).text).to.equal('Se necesita un token de acceso válido para este servidor.');
    expect((await refusal('/Observation', undefined)).text).to.equal('Se necesita un token de acceso válido para este servidor.');
  });

  it('has every facade text in both catalogs, with the same placeholders', () => {
    const placeholders = (text: string) => [...text.matchAll(/\{(\w+)\}/g)].map((m) => m[1]).sort();
    const keys = Object.keys(en).filter((key) => key.startsWith('facade.'));
    expect(keys.length).to.be.greaterThan(20);
    for (const key of keys) expect(placeholders(es[key as keyof typeof es]), key).to.deep.equal(placeholders(en[key as keyof typeof en]));
  });
});
