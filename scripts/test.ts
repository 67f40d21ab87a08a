/**
 * `npm test`: the whole suite from a fresh clone. Installs what the tests need (Debian packages,
 * the HAPI FHIR server build), type-checks, lints (layering, format, code), runs the unit suite (no
 * network) and the integration suite (real HAPI, PostgreSQL, SMTP), then prints one closing line:
 * "N passed, N failed, N skipped".
 */
import { spawnSync } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { ensureSystemDependencies } from './lib/system-deps.ts';
import { buildHapi } from './lib/hapi-process.ts';
import { fromRoot } from './lib/paths.ts';
import { checkHelmChart } from './lib/helm-chart-check.ts';
import { checkContainerImage } from './lib/image-check.ts';

const started = Date.now();
const step = (title: string) => process.stdout.write(`\n=== ${title}\n`);

step('System packages');
ensureSystemDependencies([
  'java',
  'maven',
  'postgresql',
  'pdftotext',
  'chromium',
  'dockerCompose',
  'xmllint',
  'xsltproc',
  'isoSchematron',
  'openssl',
  'buildah',
  'podman',
  'runc',
  'debootstrap',
]);

step('HAPI FHIR server build');
await buildHapi();

step('Type check');
const typecheck = spawnSync('tsc', ['-p', fromRoot('tsconfig.json')], { stdio: 'inherit', cwd: fromRoot() });
if (typecheck.status !== 0) {
  process.stdout.write('\n0 passed, 1 failed, 0 skipped\n');
  process.exit(1);
}

// `npm run lint`: the DESIGN layering (dependency-cruiser), then Biome's formatter and linter. Like the type
// check it gates the suites: a failure counts as one failed check and nothing else runs.
step('Lint (layering, format, code)');
const lint = spawnSync('npm', ['run', 'lint'], { stdio: 'inherit', cwd: fromRoot() });
if (lint.status !== 0) {
  process.stdout.write('\n0 passed, 1 failed, 0 skipped\n');
  process.exit(1);
}

const totals = { passes: 0, failures: 0, pending: 0 };

// The Helm chart rendered with helm v4 and validated offline against the Kubernetes API schemas (kubeconform);
// the tools are built from tools/go.mod with the machine's Go, the schemas fetched once (scripts/lib/k8s-tools.ts).
step('Kubernetes chart (helm template + kubeconform)');
try {
  const chart = checkHelmChart();
  totals.passes += chart.passed;
  totals.failures += chart.failed;
} catch (error) {
  process.stdout.write(`  ✗ ${(error as Error).message}\n`);
  totals.failures += 1;
}
// The image built from docker/Dockerfile with buildah and run with podman as the chart runs it: the image's
// non-root user, a read-only root filesystem, /healthz, /readyz, HEALTHCHECK, SIGTERM (scripts/lib/image-check.ts).
step('Container image (buildah build, podman run)');
try {
  const image = await checkContainerImage();
  totals.passes += image.passed;
  totals.failures += image.failed;
} catch (error) {
  process.stdout.write(`  ✗ ${(error as Error).message}\n`);
  totals.failures += 1;
}
const statsDir = mkdtempSync(join(tmpdir(), 'puente-test-stats-'));
const suites = [
  { name: 'Unit tests', config: '.mocharc.unit.json' },
  { name: 'Integration tests (real HAPI, PostgreSQL, SMTP)', config: '.mocharc.integration.json' },
];
for (const [index, suite] of suites.entries()) {
  step(suite.name);
  const statsFile = join(statsDir, `${index}.json`);
  const run = spawnSync('mocha', ['--config', suite.config], {
    stdio: 'inherit',
    cwd: fromRoot(),
    env: { ...process.env, PUENTE_TEST_STATS_FILE: statsFile },
  });
  try {
    const stats = JSON.parse(readFileSync(statsFile, 'utf8')) as typeof totals;
    totals.passes += stats.passes;
    totals.failures += stats.failures;
    totals.pending += stats.pending;
  } catch {
    // The runner died before reporting (e.g. a crash in a root hook): count the suite as failed.
    totals.failures += 1;
  }
  if (run.status !== 0 && totals.failures === 0) totals.failures += 1;
}
rmSync(statsDir, { recursive: true, force: true });

const minutes = ((Date.now() - started) / 60_000).toFixed(1);
process.stdout.write(`\nAll suites finished in ${minutes} min.\n${totals.passes} passed, ${totals.failures} failed, ${totals.pending} skipped\n`);
process.exit(totals.failures > 0 ? 1 : 0);
