// The layering rules of .dependency-cruiser.cjs (docs/DESIGN.md "Source layout"), run through dependency-cruiser's
// JavaScript API over two small trees under test/fixtures/layering/: one breaking a rule per file, one keeping
// every arrow. `npm run lint:layers` runs the same configuration over the real src/.
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { expect } from 'chai';
import { cruise, type ICruiseResult } from 'dependency-cruiser';
import extractDepcruiseOptions from 'dependency-cruiser/config-utl/extract-depcruise-options';

const root = fileURLToPath(new URL('../../../', import.meta.url));
const fixtures = join(root, 'test', 'fixtures', 'layering');

/** Every violation in the fixture tree `tree`, as "rule: from → to" (a cycle spelled out to its start), sorted. */
async function violationsIn(tree: string): Promise<string[]> {
  const options = await extractDepcruiseOptions(join(root, '.dependency-cruiser.cjs'));
  const result = await cruise(['src'], {
    ...options,
    baseDir: join(fixtures, tree),
    tsConfig: { fileName: join(root, 'tsconfig.json') },
  });
  const output = result.output as ICruiseResult;
  return output.summary.violations.map(({ rule, from, to, cycle }) => `${rule.name}: ${from} → ${cycle ? cycle.map(({ name }) => name).join(' → ') : to}`).sort();
}

describe('layering rules (.dependency-cruiser.cjs)', () => {
  it('reports each forbidden import of the violating tree under the rule for its arrow, and nothing else', async () => {
    expect(await violationsIn('violating')).to.deep.equal([
      'capabilities-never-import-each-other: src/fhir/a.ts → src/accounts/b.ts',
      'capabilities-never-import-web-or-staff: src/export/uses-web.ts → src/web/y.ts',
      'config-imports-only-core: src/config/settings.ts → src/store/cycle-a.ts',
      'core-imports-nothing-above: src/core/x.ts → src/web/y.ts',
      'no-circular: src/store/cycle-a.ts → src/store/cycle-b.ts → src/store/cycle-a.ts',
      'only-the-composition-root-imports-it: src/access/uses-context.ts → src/context.ts',
      'record-imports-only-config-and-core: src/record/uses-store.ts → src/store/uses-test.ts',
      'relative-imports-resolve: src/ui/missing.ts → ./not-there.ts',
      'src-folders-are-the-designed-ones: src/web/p.ts → src/lib/helper.ts',
      'src-never-imports-test-or-scripts: src/store/uses-test.ts → test/seed.ts',
      'surfaces-call-services-not-the-store: src/staff/reads-store.ts → src/store/cycle-a.ts',
      'web-and-staff-never-import-each-other: src/web/p.ts → src/staff/q.ts',
    ]);
  });

  it('passes a tree that keeps every arrow (type-only and same-folder imports, a capability rendering with ui, the composition root importing all)', async () => {
    expect(await violationsIn('compliant')).to.deep.equal([]);
  });
});
