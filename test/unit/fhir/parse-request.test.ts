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
    expect(refused('/Patient/p1/$everything', 'x=1')).to.equal(400);
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

describe('strict parsing of Patient/{id}/$everything', () => {
  it('accepts _since, _type, start, end and _count, each once', () => {
    expect(parseRequest('GET', '/Patient/p1/$everything', '')).to.deep.equal({
      interaction: 'everything',
      type: 'Patient',
      id: 'p1',
      types: undefined,
      params: [],
      count: undefined,
    });
    expect(parseRequest('GET', '/Patient/p1/$everything', '_since=2024-01-01T00:00:00Z&_type=Observation,Practitioner&start=2020&end=2024-06-30&_count=500')).to.deep.equal({
      interaction: 'everything',
      type: 'Patient',
      id: 'p1',
      types: ['Observation', 'Practitioner'],
      params: [
        ['_since', '2024-01-01T00:00:00Z'],
        ['start', '2020'],
        ['end', '2024-06-30'],
      ],
      count: 100,
    });
    // Another patient's id parses: whether it is the token's own is decided before HAPI is asked (pipeline: 404).
    expect(parseRequest('GET', '/Patient/p2/$everything', '_since=2024-01-01T00:00:00.123%2B02:00')).to.deep.include({
      id: 'p2',
      params: [['_since', '2024-01-01T00:00:00.123+02:00']],
    });
  });

  const shapes: [string, string, string, number][] = [
    ['repeated _type', '/Patient/p1/$everything', '_type=Observation&_type=Condition', 400],
    ['repeated _since', '/Patient/p1/$everything', '_since=2024-01-01T00:00:00Z&_since=2025-01-01T00:00:00Z', 400],
    ['repeated start', '/Patient/p1/$everything', 'start=2020&start=2021', 400],
    ['repeated _count', '/Patient/p1/$everything', '_count=1&_count=2', 400],
    ['_type with an unknown type', '/Patient/p1/$everything', '_type=Observation,Nonsense', 400],
    ['_type with a forbidden type', '/Patient/p1/$everything', '_type=AuditEvent', 400],
    ['_type with Binary', '/Patient/p1/$everything', '_type=Binary', 400],
    ['_type lower-case', '/Patient/p1/$everything', '_type=observation', 400],
    ['_type repeated inside the list', '/Patient/p1/$everything', '_type=Observation,Observation', 400],
    ['_type empty item', '/Patient/p1/$everything', '_type=Observation,', 400],
    ['_since a date only', '/Patient/p1/$everything', '_since=2024-01-01', 400],
    ['_since without a zone', '/Patient/p1/$everything', '_since=2024-01-01T00:00:00', 400],
    ['_since garbage', '/Patient/p1/$everything', '_since=yesterday', 400],
    ['start with a prefix', '/Patient/p1/$everything', 'start=ge2020', 400],
    ['end with a time', '/Patient/p1/$everything', 'end=2020-01-01T00:00:00Z', 400],
    ['_count zero', '/Patient/p1/$everything', '_count=0', 400],
    ['unknown parameter', '/Patient/p1/$everything', 'patient=p2', 400],
    ['_elements', '/Patient/p1/$everything', '_elements=id', 400],
    ['_include', '/Patient/p1/$everything', '_include=*', 400],
    ['bracketed parameter', '/Patient/p1/$everything', '_type[]=Observation', 400],
    ['extra segment', '/Patient/p1/$everything/extra', '', 400],
    ['type-level', '/Patient/$everything', '', 400],
    ['on another type', '/Encounter/e1/$everything', '', 400],
    ['encoded slash in the id', '/Patient/p1%2F..%2Fp2/$everything', '', 400],
    ['encoded slash before the operation', '/Patient/p1%2F$everything', '', 400],
    ['encoded operation name', '/Patient/p1/%24everything', '', 400],
    ['dot segments', '/Patient/p2/../p1/$everything', '', 400],
    ['lower-case operation', '/Patient/p1/$Everything', '', 400],
    ['invalid id', '/Patient/a_b/$everything', '', 400],
  ];
  for (const [name, path, query, status] of shapes) {
    it(`refuses ${name}`, () => expect(refused(path, query)).to.equal(status));
  }
  it('refuses POST', () => expect(refused('/Patient/p1/$everything', '', 'POST')).to.equal(405));
});
