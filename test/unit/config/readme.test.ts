import { expect } from 'chai';
import { readFileSync } from 'node:fs';
import { envVariables } from '../../../src/config/env.ts';
import { fromRoot } from '../../../scripts/lib/paths.ts';

describe('README configuration table', () => {
  it('documents exactly the environment variables the portal reads', () => {
    const readme = readFileSync(fromRoot('README.md'), 'utf8');
    const table = readme.slice(readme.indexOf('### Configuration'), readme.indexOf('### Mail that is never lost'));
    const documented = [...table.matchAll(/^\| `([A-Z_]+)` \|/gm)].map((m) => m[1]);
    expect(documented).to.have.members(Object.keys(envVariables));
  });
});
