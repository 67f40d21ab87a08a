/**
 * Checks the Helm chart (deploy/helm/puente) offline: `helm lint`, then `helm template` with each
 * values file, validated by kubeconform against the Kubernetes API's JSON schemas (strict: unknown
 * fields are errors), plus what the chart promises (probes, non-root, read-only root filesystem,
 * secrets from a Secret, PDB, HPA, a grace period longer than the portal's own shutdown deadline,
 * and only variables the portal reads). A deliberately broken manifest must fail, so a validator that
 * validated nothing would be caught. Used by `npm test` and `npm run check:helm`.
 */
import { spawnSync } from 'node:child_process';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { parseAllDocuments } from 'yaml';
import { envVariables } from '../../src/config/env.ts';
import { ensureGoTools, ensureKubernetesSchemas, helmBinary, kubeconformBinary, kubernetesVersion, schemaLocation } from './k8s-tools.ts';
import { fromRoot } from './paths.ts';

const chart = fromRoot('deploy/helm/puente');
const valuesSets: { name: string; args: string[] }[] = [
  { name: 'defaults', args: [] },
  { name: 'managed PostgreSQL', args: ['-f', join(chart, 'values-managed-postgres.yaml')] },
  { name: 'CloudNativePG', args: ['-f', join(chart, 'values-cloudnativepg.yaml')] },
  { name: 'no autoscaling, no metrics', args: ['--set', 'autoscaling.enabled=false', '--set', 'metrics.enabled=false'] },
];

type Manifest = { kind: string; metadata: { name: string }; [key: string]: unknown };

export interface CheckResult {
  passed: number;
  failed: number;
}

export function checkHelmChart(out: (line: string) => void = (line) => process.stdout.write(`${line}\n`)): CheckResult {
  const result: CheckResult = { passed: 0, failed: 0 };
  const check = (title: string, ok: boolean, detail = '') => {
    if (ok) result.passed++;
    else result.failed++;
    out(`  ${ok ? '✔' : '✗'} ${title}${ok || !detail ? '' : `\n      ${detail.trim().split('\n').join('\n      ')}`}`);
  };
  ensureGoTools(out);
  ensureKubernetesSchemas(out);
  const work = mkdtempSync(join(tmpdir(), 'puente-helm-'));
  try {
    const version = spawnSync(helmBinary, ['version', '--short'], { encoding: 'utf8' });
    out(`  helm ${version.stdout.trim()}, kubeconform ${spawnSync(kubeconformBinary, ['-v'], { encoding: 'utf8' }).stdout.trim()}, Kubernetes ${kubernetesVersion} schemas`);
    for (const values of valuesSets) {
      const lint = spawnSync(helmBinary, ['lint', '--strict', chart, ...values.args], { encoding: 'utf8' });
      check(`helm lint --strict (${values.name})`, lint.status === 0, lint.stdout + lint.stderr);
      const rendered = spawnSync(helmBinary, ['template', 'puente', chart, '--namespace', 'portal', ...values.args], { encoding: 'utf8' });
      if (rendered.status !== 0) {
        check(`helm template (${values.name})`, false, rendered.stderr);
        continue;
      }
      const file = join(work, `${values.name.replace(/\W+/g, '-')}.yaml`);
      writeFileSync(file, rendered.stdout);
      const validation = kubeconform(file);
      check(`kubeconform -strict: ${validation.summary} (${values.name})`, validation.ok, validation.output);
      const manifests = parseAllDocuments(rendered.stdout)
        .map((doc) => doc.toJSON() as Manifest | null)
        .filter((m): m is Manifest => m !== null);
      for (const [title, problem] of promises(manifests, values.name)) check(`${title} (${values.name})`, problem === undefined, problem);
    }

    // The validator must refuse a wrong manifest: an unknown field and a string where a number belongs.
    const broken = join(work, 'broken.yaml');
    writeFileSync(
      broken,
      'apiVersion: apps/v1\nkind: Deployment\nmetadata: {name: x}\nspec:\n  replicas: three\n  replicaz: 1\n  selector: {matchLabels: {a: b}}\n  template:\n    metadata: {labels: {a: b}}\n    spec: {containers: [{name: c, image: i}]}\n',
    );
    const refused = kubeconform(broken);
    check('kubeconform refuses a Deployment with an unknown field and a string replica count', !refused.ok && /replicaz|replicas/.test(refused.output), refused.output);
  } finally {
    rmSync(work, { recursive: true, force: true });
  }
  return result;
}

function kubeconform(file: string): { ok: boolean; summary: string; output: string } {
  const run = spawnSync(kubeconformBinary, ['-strict', '-summary', '-kubernetes-version', kubernetesVersion, '-schema-location', schemaLocation(), file], {
    encoding: 'utf8',
    cwd: fromRoot(),
  });
  const output = `${run.stdout}${run.stderr}`;
  const summary = /Summary: (.*)/.exec(output)?.[1] ?? 'no summary';
  return { ok: run.status === 0 && /Invalid: 0, Errors: 0/.test(output), summary, output };
}

/** What the chart promises, each as [title, problem or undefined]. */
function promises(manifests: Manifest[], valuesName: string): [string, string | undefined][] {
  const byKind = (kind: string) => manifests.filter((m) => m.kind === kind);
  const deployment = byKind('Deployment')[0] as
    | (Manifest & { spec: { template: { spec: Record<string, unknown> & { containers: Record<string, unknown>[]; securityContext: Record<string, unknown> } } } })
    | undefined;
  if (!deployment) return [['a Deployment is rendered', 'none']];
  const pod = deployment.spec.template.spec;
  const container = pod.containers[0] as {
    readinessProbe?: { httpGet?: { path?: string } };
    livenessProbe?: { httpGet?: { path?: string } };
    securityContext?: Record<string, unknown>;
    resources?: { requests?: Record<string, string> };
    env?: { name: string; valueFrom?: { secretKeyRef?: { name: string; key: string } } }[];
  };
  const configMap = byKind('ConfigMap')[0] as (Manifest & { data: Record<string, string> }) | undefined;
  const envNames = [...Object.keys(configMap?.data ?? {}), ...(container.env ?? []).map((e) => e.name)];
  const unknown = envNames.filter((name) => !(name in envVariables));
  const fromSecret = (name: string) => container.env?.find((e) => e.name === name)?.valueFrom?.secretKeyRef;
  const timeoutMs = Number(configMap?.data['SHUTDOWN_TIMEOUT_MS'] ?? 30000);
  const grace = Number(pod['terminationGracePeriodSeconds']);
  const noAutoscaling = valuesName.startsWith('no autoscaling');
  const expectSecret = valuesName === 'CloudNativePG' ? { name: 'puente-db-app', key: 'uri' } : { name: 'puente-database', key: 'url' };
  const problem = (ok: boolean, text: string) => (ok ? undefined : text);
  return [
    [
      'readiness probe on /readyz, liveness on /healthz',
      problem(
        container.readinessProbe?.httpGet?.path === '/readyz' && container.livenessProbe?.httpGet?.path === '/healthz',
        JSON.stringify([container.readinessProbe, container.livenessProbe]),
      ),
    ],
    [
      'runs as non-root with a read-only root filesystem, no privilege escalation, all capabilities dropped',
      problem(
        pod.securityContext['runAsNonRoot'] === true &&
          Number(pod.securityContext['runAsUser']) > 0 &&
          container.securityContext?.['readOnlyRootFilesystem'] === true &&
          container.securityContext?.['allowPrivilegeEscalation'] === false &&
          JSON.stringify((container.securityContext?.['capabilities'] as { drop?: string[] })?.drop) === '["ALL"]',
        JSON.stringify([pod.securityContext, container.securityContext]),
      ),
    ],
    ['resource requests set', problem(Boolean(container.resources?.requests?.['cpu'] && container.resources?.requests?.['memory']), JSON.stringify(container.resources))],
    [
      'DATABASE_URL and SECRET_KEYS come from Secrets, not values',
      problem(JSON.stringify(fromSecret('DATABASE_URL')) === JSON.stringify(expectSecret) && fromSecret('SECRET_KEYS')?.key === 'SECRET_KEYS', JSON.stringify(container.env)),
    ],
    ['terminationGracePeriodSeconds exceeds SHUTDOWN_TIMEOUT_MS', problem(grace * 1000 > timeoutMs, `${grace} s vs ${timeoutMs} ms`)],
    ['every environment variable is one the portal reads (src/config/env.ts)', problem(unknown.length === 0, unknown.join(', '))],
    ['a PodDisruptionBudget', problem(byKind('PodDisruptionBudget').length === 1, 'missing')],
    [
      noAutoscaling ? 'no HorizontalPodAutoscaler when autoscaling is off' : 'a HorizontalPodAutoscaler on CPU',
      problem(byKind('HorizontalPodAutoscaler').length === (noAutoscaling ? 0 : 1), 'wrong count'),
    ],
  ];
}
