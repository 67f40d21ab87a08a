import { expect } from 'chai';
import { offsetLink, queryAtOffset, searchByOffset } from '../../../src/fhir/offset-paging.ts';
import { entryIds, type FacadeHarness, fhirBase, hapi, startFacadeHarness } from './facade-harness.ts';

const condition = (id: string, patient: string) => ({ resourceType: 'Condition', id, subject: { reference: `Patient/${patient}` } });

describe('offset paging (type searches reach HAPI by _offset, not as stored searches)', () => {
  it('gives every search a total order: the client’s _sort first, HAPI’s row id after it', () => {
    expect(searchByOffset(new URLSearchParams('patient=Patient/p1&_count=20')).toString()).to.equal('patient=Patient%2Fp1&_count=20&_sort=_pid&_offset=0');
    expect(searchByOffset(new URLSearchParams('_sort=-date&_count=5')).toString()).to.equal('_sort=-date%2C_pid&_count=5&_offset=0');
  });

  it('reads an offset link (query without _offset, and the offset); a stored-search or malformed link is not one', () => {
    expect(offsetLink(new URL('http://h/fhir/Condition?_count=5&_offset=10&_sort=_pid&patient=Patient%2Fp1'))).to.deep.equal({
      query: '_count=5&_sort=_pid&patient=Patient%2Fp1',
      offset: 10,
    });
    expect(offsetLink(new URL('http://h/fhir?_getpages=abc&_getpagesoffset=10'))).to.equal(undefined);
    expect(offsetLink(new URL('http://h/fhir/Condition?_offset=-1'))).to.equal(undefined);
    expect(offsetLink(new URL('http://h/fhir/Condition?_offset=1e3'))).to.equal(undefined);
    expect(queryAtOffset('_count=5&_sort=_pid&patient=Patient%2Fp1', 15, 5).toString()).to.equal('_count=5&_sort=_pid&patient=Patient%2Fp1&_offset=15');
  });

  describe('through the facade (HAPI as undici’s MockAgent)', function () {
    this.timeout(20_000);
    let harness: FacadeHarness;
    before(async () => {
      harness = await startFacadeHarness({ scope: 'patient/Condition.rs' });
    });
    after(() => harness.close());

    const get = (path: string) => harness.get(path);
    const pending = () => harness.pending();
    const ids = entryIds;

    it('asks HAPI for the first page at _offset=0, and the next page through a signed cursor at the offset HAPI named', async () => {
      // The first page: the rebuilt query, narrowed to the token's patient, in offset mode with a total order.
      harness.agent
        .get(hapi)
        .intercept({ path: '/fhir/Condition', method: 'GET', query: { _count: '2', _sort: '-onset-date,_pid', _offset: '0', patient: 'Patient/p1' } })
        .reply(200, {
          resourceType: 'Bundle',
          type: 'searchset',
          link: [{ relation: 'next', url: `${fhirBase}/Condition?_count=2&_offset=2&_sort=-onset-date%2C_pid&patient=Patient%2Fp1` }],
          entry: [{ resource: condition('c1', 'p1') }, { resource: condition('c2', 'p1') }],
        });
      const first = await get('/Condition?patient=p1&_sort=-onset-date&_count=2');
      expect(first.status).to.equal(200);
      expect(ids(first.body)).to.deep.equal(['Condition/c1', 'Condition/c2']);
      const next = first.body.link!.find((link) => link.relation === 'next')!.url!;
      expect(next).to.match(new RegExp(`^${fhirBase.replace(/\./g, '\\.')}\\?_cursor=[A-Za-z0-9_-]+\\.[A-Za-z0-9_-]+$`));
      // The client's own query comes back in the self link; HAPI's offsets and row-order key do not.
      expect(first.body.link!.find((link) => link.relation === 'self')!.url).to.equal(`${fhirBase}/Condition?_sort=-onset-date`);
      expect(JSON.stringify(first.body)).not.to.match(/_offset|_pid|hapi\.test/);
      expect(pending()).to.deep.equal([]);

      // The next page: the same query at offset 2, and every entry re-checked (another patient's is dropped).
      harness.agent
        .get(hapi)
        .intercept({ path: '/fhir/Condition', method: 'GET', query: { _count: '2', _offset: '2', _sort: '-onset-date,_pid', patient: 'Patient/p1' } })
        .reply(200, { resourceType: 'Bundle', type: 'searchset', entry: [{ resource: condition('c3', 'p1') }, { resource: condition('x1', 'p2') }] });
      const page = await get(next.slice(fhirBase.length));
      expect(page.status).to.equal(200);
      expect(ids(page.body)).to.deep.equal(['Condition/c3']);
      expect(pending()).to.deep.equal([]);

      // A cursor changed by one character opens nothing, and HAPI is not asked.
      const tampered = next.slice(fhirBase.length).replace(/.(?=\.)/, (c) => (c === 'A' ? 'B' : 'A'));
      expect((await get(tampered)).status).to.equal(404);
      expect(pending()).to.deep.equal([]);
    });
  });
});
