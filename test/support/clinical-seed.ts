/** Clinical data for facade tests: a few resources per patient, each carrying a marker string unique to its owner. */
import type { Binary, Condition, DocumentReference, Encounter, Observation, Provenance, Resource } from '@medplum/fhirtypes';
import type { Context } from '../../src/context.ts';

const category = (code: string) => [{ coding: [{ system: 'http://terminology.hl7.org/CodeSystem/observation-category', code }] }];

export interface ClinicalRecord {
  readonly ids: Record<string, string>;
}

export async function seedClinicalRecord(ctx: Context, patientId: string, marker: string, otherPatientId?: string): Promise<ClinicalRecord> {
  const subject = { reference: `Patient/${patientId}` };
  const create = async <T extends Resource>(resource: T) => (await ctx.fhir.create<T>(resource)).id!;
  const encounter = await create<Encounter>({ resourceType: 'Encounter', status: 'finished', class: { code: 'AMB' }, subject, reasonCode: [{ text: `${marker} visit` }] });
  const lab = await create<Observation>({
    resourceType: 'Observation',
    status: 'final',
    category: category('laboratory'),
    code: { text: `${marker} glucose` },
    subject,
    valueString: `${marker}-lab-value`,
  });
  const vital = await create<Observation>({
    resourceType: 'Observation',
    status: 'final',
    category: category('vital-signs'),
    code: { text: `${marker} weight` },
    subject,
    valueString: `${marker}-vital-value`,
    effectiveDateTime: '2024-05-01',
  });
  const condition = await create<Condition>({
    resourceType: 'Condition',
    subject,
    code: { text: `${marker} condition` },
    category: [{ coding: [{ system: 'http://terminology.hl7.org/CodeSystem/condition-category', code: 'problem-list-item' }] }],
  });
  const document = await create<DocumentReference>({
    resourceType: 'DocumentReference',
    status: 'current',
    subject,
    content: [{ attachment: { contentType: 'text/plain', data: Buffer.from(`${marker} private note`).toString('base64') } }],
  });
  // A document whose content is a Binary (governed by the patient), referenced by a relative attachment url.
  const binary = await create<Binary>({
    resourceType: 'Binary',
    contentType: 'text/plain',
    securityContext: subject,
    data: Buffer.from(`${marker} binary content`).toString('base64'),
  });
  const linkedDocument = await create<DocumentReference>({
    resourceType: 'DocumentReference',
    status: 'current',
    subject,
    content: [{ attachment: { contentType: 'text/plain', url: `Binary/${binary}` } }],
  });
  const provenance = await create<Provenance>({
    resourceType: 'Provenance',
    target: [subject],
    recorded: '2024-05-01T00:00:00Z',
    agent: [{ who: { display: `${marker} author` } }],
  });
  const ids: Record<string, string> = { encounter, lab, vital, condition, document, binary, linkedDocument, provenance };
  if (otherPatientId) {
    // About this patient, but pointing at the other one through `focus`, which is not a compartment parameter.
    ids['focused'] = await create<Observation>({
      resourceType: 'Observation',
      status: 'final',
      code: { text: `${marker} focused` },
      subject,
      focus: [{ reference: `Patient/${otherPatientId}` }],
      valueString: `${marker}-focused-value`,
    });
  }
  return { ids };
}
