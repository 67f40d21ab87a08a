import { expect } from 'chai';
import { parseRequest } from '../../../src/fhir/parse-request.ts';
import { FacadeError } from '../../../src/fhir/facade-error.ts';

const refused = (path: string, query = '', method = 'GET') => {
  try {
    parseRequest(method, path, query);
  } catch (error) {
    expect(error).to.be.instanceOf(FacadeError);
    return (error as FacadeError).status;
  }
  throw new Error(`expected ${method} ${path}?${query} to be refused`);
};

describe('strict request parsing', () => {
  it('parses reads, searches, cursor pages and metadata into one model', () => {
    expect(parseRequest('GET', '/Observation/abc-1', '')).to.deep.equal({ interaction: 'read', type: 'Observation', id: 'abc-1' });
    expect(parseRequest('GET', '/Observation', 'patient=Patient/p1&category=laboratory&date=ge2020&date=le2021&_count=500')).to.deep.equal({
      interaction: 'search',
      type: 'Observation',
      params: [
        ['category', 'laboratory'],
        ['date', 'ge2020'],
        ['date', 'le2021'],
      ],
      namedPatients: ['p1'],
      count: 100,
    });
    expect(parseRequest('GET', '/', '_cursor=abc.def')).to.deep.equal({ interaction: 'page', cursor: 'abc.def' });
    expect(parseRequest('GET', '/metadata', '')).to.deep.equal({ interaction: 'capabilities' });
    // Binary is read by id only (whether the token reaches it is decided later, through its DocumentReference).
    expect(parseRequest('GET', '/Binary/b-1', '')).to.deep.equal({ interaction: 'read', type: 'Binary', id: 'b-1' });
  });

  it('refuses what it does not fully understand', () => {
    expect(refused('/Observation', 'patient[]=x')).to.equal(400);
    expect(refused('/Observation', 'patient=a&patient=b')).to.equal(400);
    expect(refused('/Observation', 'category=a&category=b')).to.equal(400);
    expect(refused('/Observation', 'subject.name=x')).to.equal(400);
    expect(refused('/Observation', 'code:text=x')).to.equal(400);
    expect(refused('/Observation', '_include=*')).to.equal(400);
    expect(refused('/Observation', 'focus=p1')).to.equal(400);
    expect(refused('/Observation', '%zz=1')).to.equal(400);
    expect(refused('/Patient/p1/$everything')).to.equal(400);
    expect(refused('/Patient/p1/_history')).to.equal(400);
    expect(refused('/Patient/a%2Fb')).to.equal(400);
    expect(refused('/Patient/../b')).to.equal(400);
    expect(refused('/patient/p1')).to.equal(404);
    expect(refused('/binary/x')).to.equal(404);
    expect(refused('/Binary')).to.equal(400);
    expect(refused('/Binary', '_id=x')).to.equal(400);
    expect(refused('/Binary/x/_history')).to.equal(400);
    expect(refused('/Binary/x/_history/1')).to.equal(400);
    expect(refused('/Binary/x', '_format=json')).to.equal(400);
    expect(refused('/Observation', '', 'POST')).to.equal(405);
    expect(refused('/', '_getpages=x')).to.equal(400);
  });
});
