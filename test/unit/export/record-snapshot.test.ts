import { expect } from 'chai';
import type { Resource } from '@medplum/fhirtypes';
import type { RecordClient, SearchResult } from '../../../src/record/record-client.ts';
import { maxPages, readRecordSnapshot, RecordTooLarge } from '../../../src/export/record-snapshot.ts';

/** A record client answering from memory, noting each search it was asked and the page cap it was given. */
function fakeRecord(options: { incomplete?: string } = {}) {
  const searches: { path: string; maxPages: number | undefined }[] = [];
  const reads: string[] = [];
  const practitioner = { resourceType: 'Practitioner', id: 'doc' } as const;
  const record: RecordClient = {
    patient: 'p1',
    proxy: undefined,
    async read<T extends Resource>(path: string) {
      reads.push(path);
      if (path === 'Patient/p1')
        return { resourceType: 'Patient', id: 'p1', generalPractitioner: [{ reference: 'Practitioner/gp' }, { reference: 'Practitioner/doc' }] } as unknown as T;
      return { resourceType: 'Practitioner', id: path.split('/')[1] } as unknown as T;
    },
    async search<T extends Resource>(path: string, searchOptions?: { maxPages?: number }) {
      searches.push({ path, maxPages: searchOptions?.maxPages });
      const type = path.split('?')[0]!;
      const matches = type === 'Encounter' ? [{ resourceType: 'Encounter', id: 'e1', status: 'finished', class: {} }] : [];
      const included = type === 'Encounter' || type === 'CareTeam' ? [practitioner] : [];
      return { matches: matches as unknown as T[], included: included as Resource[], complete: options.incomplete !== type } satisfies SearchResult<T>;
    },
  };
  return { record, searches, reads };
}

describe('the downloads read the whole record through the record client (readRecordSnapshot)', () => {
  it('searches every type for the patient with _count=100 and a large page cap, keeps each resource once, and reads general practitioners not already included', async () => {
    const { record, searches, reads } = fakeRecord();
    const snapshot = await readRecordSnapshot(record);
    expect(snapshot.patient.id).to.equal('p1');
    expect(searches.every((s) => s.path.includes('?patient=p1') && s.path.endsWith('&_count=100') && s.maxPages === maxPages)).to.equal(true);
    expect(searches.map((s) => s.path.split('?')[0])).to.include.members(['AllergyIntolerance', 'Condition', 'MedicationRequest', 'Observation', 'Encounter', 'CareTeam', 'Goal']);
    expect(snapshot.resources.map((r) => `${r.resourceType}/${r.id}`)).to.deep.equal(['Encounter/e1', 'Practitioner/doc', 'Practitioner/gp']);
    expect(reads).to.deep.equal(['Patient/p1', 'Practitioner/gp']);
  });

  it('refuses rather than cuts short when a search has more pages than the cap', async () => {
    const { record } = fakeRecord({ incomplete: 'Observation' });
    const outcome = await readRecordSnapshot(record).then(
      () => undefined,
      (error: unknown) => error,
    );
    expect(outcome).to.be.instanceOf(RecordTooLarge);
  });
});
