/**
 * GET /fhir/metadata: a CapabilityStatement of what the facade really allows (not HAPI's), with the
 * SMART security extension pointing at this portal's authorization server (SMART App Launch 2.2
 * §"Capability Statement").
 */
import type { CapabilityStatement, CapabilityStatementRestResource } from '@medplum/fhirtypes';
import { issuerFor } from '../auth/provider.ts';
import { allowedIncludes, allowedRevIncludes, patientSearchParams, sharedReadTypes } from '../access/allow-lists.ts';

const paramTypes = { token: 'token', date: 'date', id: 'token' } as const;

export function capabilityStatement(publicUrl: URL): CapabilityStatement {
  const issuer = issuerFor(publicUrl);
  const searchable: CapabilityStatementRestResource[] = Object.entries(patientSearchParams).map(([type, params]) => ({
    type: type as CapabilityStatementRestResource['type'],
    // Communication is also created through the write path (create-pipeline.ts): secure messages.
    interaction: type === 'Communication' ? [{ code: 'read' }, { code: 'search-type' }, { code: 'create' }] : [{ code: 'read' }, { code: 'search-type' }],
    ...(type === 'Communication' ? { conditionalCreate: false, versioning: 'versioned' as const } : {}),
    searchInclude: [...(allowedIncludes[type] ?? [])],
    searchRevInclude: [...allowedRevIncludes],
    searchParam: [{ name: 'patient', type: 'reference' }, ...Object.entries(params).map(([name, kind]) => ({ name, type: paramTypes[kind] })), { name: '_count', type: 'number' }],
    // Patient/{id}/$everything for the token's own patient only (_since, _type, start, end, _count); never type-level.
    ...(type === 'Patient' ? { operation: [{ name: 'everything', definition: 'http://hl7.org/fhir/OperationDefinition/Patient-everything' }] } : {}),
  }));
  const shared: CapabilityStatementRestResource[] = [...sharedReadTypes].map((type) => ({
    type: type as CapabilityStatementRestResource['type'],
    interaction: [{ code: 'read' }],
  }));
  // Binary: read by id only, when a DocumentReference the token reaches names it (security model 3); created as a
  // message's attachment (PDF, JPEG or PNG by content, ≤ 10 MB) with Communication create scopes.
  const binary: CapabilityStatementRestResource = { type: 'Binary', interaction: [{ code: 'read' }, { code: 'create' }], conditionalCreate: false };
  return {
    resourceType: 'CapabilityStatement',
    status: 'active',
    date: '2026-11-24',
    kind: 'instance',
    fhirVersion: '4.0.1',
    format: ['json'],
    software: { name: 'Puente patient portal FHIR facade' },
    implementation: { description: 'Patient-context read and search access; secure messages created through the write path', url: new URL('/fhir', publicUrl).toString() },
    rest: [
      {
        mode: 'server',
        security: {
          cors: true,
          service: [{ coding: [{ system: 'http://terminology.hl7.org/CodeSystem/restful-security-service', code: 'SMART-on-FHIR' }] }],
          extension: [
            {
              url: 'http://fhir-registry.smarthealthit.org/StructureDefinition/oauth-uris',
              extension: [
                { url: 'authorize', valueUri: `${issuer}/auth` },
                { url: 'token', valueUri: `${issuer}/token` },
                { url: 'introspect', valueUri: `${issuer}/token/introspection` },
                { url: 'revoke', valueUri: `${issuer}/token/revocation` },
              ],
            },
          ],
        },
        resource: [...searchable, ...shared, binary],
      },
    ],
  };
}
