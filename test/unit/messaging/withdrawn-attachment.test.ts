import { expect } from 'chai';
import type { Binary, Communication, Resource } from '@medplum/fhirtypes';
import { patientAttachment } from '../../../src/messaging/message-attachments.ts';
import type { RecordClient, SearchResult } from '../../../src/record/record-client.ts';
import { AppError } from '../../../src/core/errors.ts';
import { messageCategorySystem } from '../../../src/core/fhir/messages.ts';

/**
 * The patient side's attachment download (src/messaging/message-attachments.ts) over a stand-in for the facade that
 * would release everything: a withdrawn (entered-in-error) message gives no file, whatever the facade answers.
 */
describe('secure messages: a withdrawn message’s attachment on the patient side', () => {
  const category = (code: string) => [{ coding: [{ system: messageCategorySystem, code }] }];
  const message = (status: Communication['status']): Communication => ({
    resourceType: 'Communication',
    id: 'm1',
    status,
    category: category('message'),
    partOf: [{ reference: 'Communication/t1' }],
    payload: [{ contentString: 'x' }, { contentAttachment: { contentType: 'application/pdf', url: 'Binary/b1', title: 'informe.pdf' } }],
  });
  const facade = (messages: Communication[]): RecordClient => ({
    patient: 'p1',
    proxy: undefined,
    read: async <T extends Resource>(path: string) =>
      (path === 'Communication/t1'
        ? { resourceType: 'Communication', id: 't1', status: 'in-progress', category: category('thread') }
        : ({ resourceType: 'Binary', id: 'b1', contentType: 'application/pdf', data: Buffer.from('%PDF-1.4').toString('base64') } satisfies Binary)) as unknown as T,
    search: async <T extends Resource>() => ({ matches: messages as unknown as T[], included: [], complete: true }) satisfies SearchResult<T>,
  });

  it('opens the file of a live message and refuses, as the 404, that of a withdrawn one', async () => {
    expect((await patientAttachment(facade([message('completed')]), 't1', 'b1')).disposition).to.include('informe.pdf');
    const refused = await patientAttachment(facade([message('entered-in-error')]), 't1', 'b1').catch((error: unknown) => error);
    expect(refused).to.be.instanceOf(AppError);
    expect((refused as AppError).status).to.equal(404);
  });
});
