/**
 * The tools that render and validate the Helm chart (deploy/helm/puente), installed by the project
 * itself on a fresh machine, offline apart from the package registries:
 *
 * - helm (v4) and kubeconform, Go modules pinned in tools/go.mod (hashes in tools/go.sum), built from
 *   the Go module proxy into var/tools/ with the machine's `go` (rebuilt when go.mod or go.sum change);
 * - the Kubernetes API's JSON schemas. kubeconform's default schema download is not reachable here,
 *   and no npm package ships the schemas as JSON (kubernetes-models ships them compiled into
 *   JavaScript validators), so they come from PyPI's `kubernetes-validate` wheel, pinned below, fetched
 *   with `pip download` (no install, nothing executed) and unpacked with fflate. Its "local" schemas
 *   share one _definitions.json through absolute `$ref`s that kubeconform cannot follow; each schema
 *   is rewritten standalone here, with the definitions it reaches copied into its own `$defs`.
 */
import { spawnSync } from 'node:child_process';
import { createHash } from 'node:crypto';
import { existsSync, mkdirSync, readdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { unzipSync } from 'fflate';
import { fromRoot } from './paths.ts';

export const kubernetesVersion = '1.37.0';
const schemaPackage = { name: 'kubernetes-validate', version: '1.37.0' };
const toolsDir = fromRoot('var/tools');
export const schemaRoot = join(toolsDir, 'k8s-schemas');
export const helmBinary = join(toolsDir, 'helm');
export const kubeconformBinary = join(toolsDir, 'kubeconform');

/** Builds helm and kubeconform from tools/go.mod unless the binaries are there for the same go.mod + go.sum. */
export function ensureGoTools(log: (line: string) => void = (line) => process.stdout.write(`${line}\n`)): void {
  const stamp = join(toolsDir, 'go-tools.stamp');
  const wanted = createHash('sha256')
    .update(readFileSync(fromRoot('tools/go.mod')))
    .update(readFileSync(fromRoot('tools/go.sum')))
    .digest('hex');
  if (existsSync(helmBinary) && existsSync(kubeconformBinary) && existsSync(stamp) && readFileSync(stamp, 'utf8') === wanted) return;
  const go = spawnSync('go', ['version'], { encoding: 'utf8' });
  if (go.error || go.status !== 0) {
    throw new Error(
      'Go is required to build helm and kubeconform (tools/go.mod) and was not found on PATH.\n' +
        '  Install Go 1.26 or newer (Debian: apt-get install golang-go, if its version is recent enough), then run again.',
    );
  }
  log(`  building helm and kubeconform with ${go.stdout.trim()} (tools/go.mod; first time a few minutes)`);
  mkdirSync(toolsDir, { recursive: true });
  const build = spawnSync('go', ['build', '-trimpath', '-o', `${toolsDir}/`, 'helm.sh/helm/v4/cmd/helm', 'github.com/yannh/kubeconform/cmd/kubeconform'], {
    cwd: fromRoot('tools'),
    stdio: ['ignore', 'inherit', 'inherit'],
  });
  if (build.status !== 0) throw new Error('go build of helm and kubeconform failed (see above)');
  writeFileSync(stamp, wanted);
}

/** The schema directory for kubeconform's -schema-location, built once from the pinned wheel. */
export function ensureKubernetesSchemas(log: (line: string) => void = (line) => process.stdout.write(`${line}\n`)): string {
  const dir = join(schemaRoot, `v${kubernetesVersion}-standalone-strict`);
  const stamp = join(schemaRoot, 'source.stamp');
  const source = `${schemaPackage.name}==${schemaPackage.version}`;
  if (existsSync(stamp) && readFileSync(stamp, 'utf8') === source && existsSync(join(dir, 'deployment-apps-v1.json'))) return schemaRoot;

  const cache = join(toolsDir, 'cache');
  mkdirSync(cache, { recursive: true });
  const wheelName = `${schemaPackage.name.replace(/-/g, '_')}-${schemaPackage.version}-py3-none-any.whl`;
  const wheel = join(cache, wheelName);
  if (!existsSync(wheel)) {
    log(`  fetching the Kubernetes API schemas (${source} from PyPI, 22 MB)`);
    const pip = spawnSync('python3', ['-m', 'pip', 'download', '--no-deps', '--only-binary=:all:', '-d', cache, source], { stdio: ['ignore', 'ignore', 'inherit'] });
    if (pip.error || pip.status !== 0) {
      throw new Error(`could not fetch ${source} with pip: python3 with pip is required (Debian: apt-get install python3-pip)`);
    }
  }
  const prefix = `kubernetes_validate/kubernetes-json-schema/v${kubernetesVersion}-local-strict/`;
  const files = unzipSync(readFileSync(wheel), { filter: (file) => file.name.startsWith(prefix) && file.name.endsWith('.json') });
  const text = (name: string) => new TextDecoder().decode(files[`${prefix}${name}`]!);
  const definitions = (JSON.parse(text('_definitions.json')) as { $defs: Record<string, unknown> }).$defs;
  const refPrefix = '/api/_definitions.json#/$defs/';

  rmSync(dir, { recursive: true, force: true });
  mkdirSync(dir, { recursive: true });
  let written = 0;
  for (const path of Object.keys(files)) {
    const name = path.slice(prefix.length);
    if (name === '_definitions.json' || name === 'all.json') continue;
    const schema = JSON.parse(text(name)) as Record<string, unknown>;
    const reached = new Set<string>();
    const pending = [...refsOf(schema, refPrefix)];
    while (pending.length > 0) {
      const next = pending.pop()!;
      if (reached.has(next) || !(next in definitions)) continue;
      reached.add(next);
      pending.push(...refsOf(definitions[next], refPrefix));
    }
    const standalone = { ...schema, $defs: Object.fromEntries([...reached].sort().map((key) => [key, definitions[key]])) };
    writeFileSync(join(dir, name), JSON.stringify(standalone).replaceAll(`"${refPrefix}`, '"#/$defs/'));
    if (name === 'deployment-apps-v1.json' && reached.size < 50) throw new Error(`schema build: Deployment reaches only ${reached.size} definitions`);
    written++;
  }
  writeFileSync(stamp, source);
  log(`  ${written} standalone schemas for Kubernetes ${kubernetesVersion} in ${dir}`);
  return schemaRoot;
}

function refsOf(value: unknown, prefix: string, found = new Set<string>()): Set<string> {
  if (Array.isArray(value)) for (const item of value) refsOf(item, prefix, found);
  else if (value && typeof value === 'object') {
    for (const [key, inner] of Object.entries(value)) {
      // The kinds' files point into _definitions.json by `prefix`; the definitions point at each other by `#/$defs/`.
      if (key === '$ref' && typeof inner === 'string') {
        for (const start of [prefix, '#/$defs/']) if (inner.startsWith(start)) found.add(inner.slice(start.length));
      } else refsOf(inner, prefix, found);
    }
  }
  return found;
}

/**
 * kubeconform's -schema-location template for the directory above, relative to the repository root
 * (kubeconform 0.8 finds no schema behind an absolute path here): run it with cwd = the root.
 */
export const schemaLocation = () => 'var/tools/k8s-schemas/{{ .NormalizedKubernetesVersion }}-standalone{{ .StrictSuffix }}/{{ .ResourceKind }}{{ .KindSuffix }}.json';

/** The schema files present, for a quick sanity check. */
export const schemaCount = () => readdirSync(join(schemaRoot, `v${kubernetesVersion}-standalone-strict`)).length;
