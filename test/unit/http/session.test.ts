import { expect } from 'chai';
import { safeReturnPath } from '../../../src/http/session.ts';

describe('return path after sign-in', () => {
  it('keeps same-site paths and refuses everything that could leave the portal', () => {
    expect(safeReturnPath('/record/results?x=1')).to.equal('/record/results?x=1');
    for (const hostile of ['//evil.example', '/\\evil.example', 'https://evil.example', 'javascript:alert(1)', '', undefined, ['/a']]) {
      expect(safeReturnPath(hostile), String(hostile)).to.equal('/');
    }
  });
});
