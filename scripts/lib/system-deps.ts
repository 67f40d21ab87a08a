/**
 * The Debian packages the project needs, checked before anything runs and installed with apt-get
 * when we are root on a Debian machine (CI, a fresh developer box). Otherwise a clear message says
 * exactly what to install. Nothing is downloaded from outside the package registries.
 */
import { execFileSync, spawnSync } from 'node:child_process';
import { existsSync, readdirSync } from 'node:fs';

export interface SystemDependency {
  /** What we look for. */
  readonly check: () => boolean;
  readonly debianPackage: string;
  readonly why: string;
}

const onPath = (command: string) => spawnSync('sh', ['-c', `command -v ${command}`], { stdio: 'ignore' }).status === 0;

/** Newest installed PostgreSQL server binaries directory (Debian keeps them off PATH). */
export function postgresBinDir(): string | undefined {
  const root = '/usr/lib/postgresql';
  if (!existsSync(root)) return undefined;
  const versions = readdirSync(root)
    .filter((v) => existsSync(`${root}/${v}/bin/initdb`))
    .sort((a, b) => Number(b) - Number(a));
  return versions[0] ? `${root}/${versions[0]}/bin` : undefined;
}

const javaMajorVersion = (): number => {
  const result = spawnSync('java', ['-version'], { encoding: 'utf8' });
  const match = /version "(\d+)/.exec(`${result.stderr}${result.stdout}`);
  return match ? Number(match[1]) : 0;
};

export const dependencies = {
  java: { check: () => onPath('javac') && javaMajorVersion() >= 17, debianPackage: 'openjdk-17-jdk-headless', why: 'runs and builds the HAPI FHIR server (Java 17+)' },
  maven: { check: () => onPath('mvn'), debianPackage: 'maven', why: 'builds the HAPI FHIR server from Maven Central' },
  postgresql: { check: () => postgresBinDir() !== undefined, debianPackage: 'postgresql', why: 'the integration tests run the portal store on a real PostgreSQL server too' },
  pdftotext: {
    check: () => onPath('pdftotext') && onPath('pdffonts'),
    debianPackage: 'poppler-utils',
    why: 'the tests read the text and the fonts of generated PDFs (pdftotext, pdffonts)',
  },
  chromium: { check: () => existsSync('/usr/bin/chromium'), debianPackage: 'chromium', why: 'the browser journeys and accessibility checks run in real Chromium' },
  // Only wanted where a Docker client is installed: lets the tests check docker/compose.yml with it.
  dockerCompose: {
    check: () => !onPath('docker') || spawnSync('docker', ['compose', 'version'], { stdio: 'ignore' }).status === 0 || onPath('docker-compose'),
    debianPackage: 'docker-compose',
    why: 'validates docker/compose.yml (docker compose config) since a Docker client is installed',
  },
  haproxy: {
    check: () => onPath('haproxy') || existsSync('/usr/sbin/haproxy'),
    debianPackage: 'haproxy',
    why: 'npm run cluster, drills and load put HAProxy in front of three portal replicas (health checks on /readyz, retries)',
  },
  // npm run image:check builds docker/Dockerfile and runs the image without a Docker engine (scripts/image-check.ts).
  buildah: { check: () => onPath('buildah'), debianPackage: 'buildah', why: 'builds docker/Dockerfile without a Docker engine' },
  podman: { check: () => onPath('podman'), debianPackage: 'podman', why: 'runs the built image (read-only root filesystem, no capabilities)' },
  // runc, not crun: Debian 12's crun refuses hosts whose cgroups are mounted in hybrid mode ("cgroups in hybrid mode
  // not supported, drop all controllers from cgroupv2"); runc runs on cgroup v1, hybrid and v2 alike.
  runc: { check: () => onPath('runc'), debianPackage: 'runc', why: 'the OCI runtime buildah and podman use here' },
  debootstrap: { check: () => onPath('debootstrap'), debianPackage: 'debootstrap', why: 'builds the Debian base of the Node image from the apt mirror' },
  xmllint: { check: () => onPath('xmllint'), debianPackage: 'libxml2-utils', why: 'the tests validate the exported C-CDA against the CDA R2 schema (xmllint)' },
  openssl: { check: () => onPath('openssl'), debianPackage: 'openssl', why: 'the tests decrypt and verify the Direct S/MIME messages independently (openssl cms)' },
  xsltproc: { check: () => onPath('xsltproc'), debianPackage: 'xsltproc', why: 'the tests run the HL7 C-CDA R2.1 schematron, compiled to XSLT, with xsltproc' },
  // The ISO schematron skeleton (XSLT 1.0) that compiles the HL7 schematron; Debian ships it inside python3-lxml.
  isoSchematron: {
    check: () => existsSync('/usr/lib/python3/dist-packages/lxml/isoschematron/resources/xsl/iso-schematron-xslt1/iso_svrl_for_xslt1.xsl'),
    debianPackage: 'python3-lxml',
    why: 'ships the ISO schematron skeleton that compiles the HL7 C-CDA R2.1 schematron to XSLT',
  },
} satisfies Record<string, SystemDependency>;

export type DependencyName = keyof typeof dependencies;

/** Makes sure the named dependencies are present, installing them when possible; exits with a clear message otherwise. */
export function ensureSystemDependencies(names: readonly DependencyName[]): void {
  const missing = names.filter((name) => !dependencies[name].check());
  if (missing.length === 0) return;
  const packages = missing.map((name) => dependencies[name].debianPackage);
  const reasons = missing.map((name) => `  - ${dependencies[name].debianPackage}: ${dependencies[name].why}`).join('\n');
  const canInstall = process.getuid?.() === 0 && onPath('apt-get');
  if (!canInstall) {
    process.stderr.write(`Missing system packages:\n${reasons}\nInstall them with:\n  sudo apt-get update && sudo apt-get install -y ${packages.join(' ')}\n`);
    process.exit(1);
  }
  process.stdout.write(`Installing system packages with apt-get:\n${reasons}\n`);
  const env = { ...process.env, DEBIAN_FRONTEND: 'noninteractive' };
  execFileSync('apt-get', ['update', '-qq'], { stdio: 'inherit', env });
  execFileSync('apt-get', ['install', '-y', '-qq', '--no-install-recommends', ...packages], { stdio: 'inherit', env });
  const stillMissing = missing.filter((name) => !dependencies[name].check());
  if (stillMissing.length > 0) {
    process.stderr.write(`These are still missing after apt-get install: ${stillMissing.join(', ')}\n`);
    process.exit(1);
  }
}
