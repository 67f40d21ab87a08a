/**
 * A local stand-in for the official `node:<major>-<suite>-slim` image that docker/Dockerfile builds on
 * (its `NODE_IMAGE` argument), made from the package registries only, for machines that reach neither
 * Docker Hub nor nodejs.org (`npm run image:check`, scripts/image-check.ts):
 *
 * - Debian: `debootstrap --variant=minbase <suite>` from the machine's own apt mirror, slimmed the way
 *   debian:<suite>-slim is (no documentation but the copyright files, no man pages, locales or apt lists,
 *   and dpkg told to keep it so); the root filesystem is cached under var/image-base/;
 * - Node: bin/node of the npm package `node-linux-<arch>` at the version package-lock.json pins for the
 *   `node` devDependency (the official build the project's own scripts run on), at /usr/local/bin/node as
 *   in the official image;
 * - npm: the `npm` package at the version that Node release bundles (its CHANGELOG.md, shipped in the same
 *   package, says which), under /usr/local/lib/node_modules/npm with the npm and npx links;
 * - the user `node`, uid and gid 1000, home /home/node, shell /bin/bash, as in the official image.
 *
 * Not reproduced: yarn, corepack and docker-entrypoint.sh (the portal's Dockerfile uses none of them).
 * Behind a TLS-intercepting proxy (the host's npm has a `cafile`, or NODE_EXTRA_CA_CERTS is set) npm in
 * the image is given the same CA file (/usr/local/etc/npmrc), or `npm ci` in the build could not fetch.
 *
 * The image is committed with buildah as localhost/puente-node-base:<node version>, labelled with a hash
 * of everything above, and reused while that hash holds. Runs as root (debootstrap, chroot, buildah mount).
 */
import { spawnSync } from 'node:child_process';
import { createHash } from 'node:crypto';
import { existsSync, mkdirSync, readdirSync, readFileSync, renameSync, rmSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { formatElapsed } from './build-progress.ts';
import { fromRoot } from './paths.ts';

/** Bump when the recipe below changes, so cached base images are rebuilt. */
const recipeVersion = 2;
const cacheDir = fromRoot('var/image-base');
const downloadsDir = join(cacheDir, 'downloads');
export const imageLogDir = fromRoot('var/log');
export const nodeUid = 1000;

/** Runs a command and returns its standard output; on failure the error names the command and carries its stderr. */
export function run(file: string, args: readonly string[], options: { input?: string; cwd?: string } = {}): string {
  const result = spawnSync(file, args, { encoding: 'utf8', maxBuffer: 64 * 1024 * 1024, ...options });
  if (result.error) throw new Error(`${file}: ${result.error.message}`);
  if (result.status !== 0) {
    const output = `${result.stderr}${result.stdout}`.trim().split('\n').slice(-15).join('\n');
    throw new Error(`${file} ${args.slice(0, 3).join(' ')}… exited with ${result.status ?? result.signal}:\n${output}`);
  }
  return result.stdout;
}

export interface BaseImageSpec {
  /** Node's major version and the Debian suite, from the Dockerfile's default `ARG NODE_IMAGE=node:<major>-<suite>-slim`. */
  readonly nodeMajor: number;
  readonly suite: string;
}

/** Reads the official base image the Dockerfile names by default. */
export function dockerfileBase(dockerfile: string): BaseImageSpec {
  const match = /^ARG NODE_IMAGE=node:(\d+)-([a-z]+)-slim\s*$/m.exec(readFileSync(dockerfile, 'utf8'));
  if (!match) throw new Error(`${dockerfile}: no "ARG NODE_IMAGE=node:<major>-<suite>-slim" line (the official image its stages build FROM)`);
  return { nodeMajor: Number(match[1]), suite: match[2]! };
}

/** The Node version package-lock.json pins for the `node` devDependency. */
export function lockedNodeVersion(): string {
  const lock = JSON.parse(readFileSync(fromRoot('package-lock.json'), 'utf8')) as { packages?: Record<string, { version?: string }> };
  const version = lock.packages?.['node_modules/node']?.version;
  if (!version) throw new Error('package-lock.json pins no version of the `node` devDependency');
  return version;
}

/**
 * The machine's Debian mirror for `suite` (deb822 .sources or one-line .list files), so debootstrap fetches
 * from where apt already does; IMAGE_BASE_DEBIAN_MIRROR overrides it.
 */
export function debianMirror(suite: string): string {
  const override = process.env['IMAGE_BASE_DEBIAN_MIRROR'];
  if (override) return override;
  const files = ['/etc/apt/sources.list', ...(existsSync('/etc/apt/sources.list.d') ? readdirSync('/etc/apt/sources.list.d').map((f) => `/etc/apt/sources.list.d/${f}`) : [])];
  for (const file of files.filter((f) => /\.(list|sources)$/.test(f) && existsSync(f))) {
    const text = readFileSync(file, 'utf8');
    if (file.endsWith('.sources')) {
      for (const stanza of text.split(/\n\s*\n/)) {
        const field = (name: string) => new RegExp(`^${name}:\\s*(.+)$`, 'mi').exec(stanza)?.[1]?.trim().split(/\s+/) ?? [];
        if (field('Types').includes('deb') && field('Suites').includes(suite)) {
          const uri = field('URIs').find((u) => /^https?:\/\//.test(u) && !u.includes('security'));
          if (uri) return uri;
        }
      }
    } else {
      for (const line of text.split('\n')) {
        const match = /^deb\s+(?:\[[^\]]*\]\s+)?(https?:\/\/\S+)\s+(\S+)/.exec(line.trim());
        if (match && match[2] === suite && !match[1]!.includes('security')) return match[1]!;
      }
    }
  }
  return 'http://deb.debian.org/debian';
}

const sha256 = (data: Buffer | string) => createHash('sha256').update(data).digest('hex');

/** `npm pack name@version` into the downloads cache (integrity checked by npm against the registry); returns the tarball. */
function npmPack(name: string, version: string): string {
  mkdirSync(downloadsDir, { recursive: true });
  const file = join(downloadsDir, `${name}-${version}.tgz`);
  if (!existsSync(file)) run('npm', ['pack', `${name}@${version}`, '--pack-destination', downloadsDir, '--silent'], { cwd: downloadsDir });
  if (!existsSync(file)) throw new Error(`npm pack ${name}@${version} wrote no ${file}`);
  return file;
}

/** The npm release bundled with Node `version`: the first "upgrade npm to" at or below its section of the release's CHANGELOG.md. */
function bundledNpmVersion(nodeTarball: string, version: string): string {
  const changelog = run('tar', ['-xzOf', nodeTarball, 'package/CHANGELOG.md']);
  const section = changelog.indexOf(`<a id="${version}"></a>`);
  const match = section < 0 ? null : /\*\*deps\*\*: (?:upgrade|update) npm to (\d+\.\d+\.\d+)/.exec(changelog.slice(section));
  if (!match) throw new Error(`could not tell from Node ${version}'s CHANGELOG.md which npm it bundles; set IMAGE_BASE_NPM_VERSION`);
  return match[1]!;
}

/** The CA file npm on this machine trusts beyond its own (an intercepting proxy's), if any. */
function hostNpmCaFile(): string | undefined {
  const cafile = spawnSync('npm', ['config', 'get', 'cafile'], { encoding: 'utf8' }).stdout?.trim();
  if (cafile && cafile !== 'null' && cafile !== 'undefined' && existsSync(cafile)) return cafile;
  const extra = process.env['NODE_EXTRA_CA_CERTS'];
  return extra && existsSync(extra) ? extra : undefined;
}

/** Unmounts whatever is still mounted below `dir` (a failed debootstrap leaves /proc and /sys), then removes it without crossing file systems. */
function removeTree(dir: string): void {
  if (!existsSync(dir)) return;
  const mounts = readFileSync('/proc/self/mounts', 'utf8')
    .split('\n')
    .map((line) => line.split(' ')[1] ?? '')
    .filter((point) => point === dir || point.startsWith(`${dir}/`))
    .sort((a, b) => b.length - a.length);
  for (const point of mounts) spawnSync('umount', ['-l', point], { stdio: 'ignore' });
  run('rm', ['-rf', '--one-file-system', dir]);
}

// What debian:<suite>-slim leaves out (debuerreotype's slimify), also for packages installed later.
const dpkgSlim = `path-exclude /usr/share/doc/*
path-include /usr/share/doc/*/copyright
path-exclude /usr/share/man/*
path-exclude /usr/share/groff/*
path-exclude /usr/share/info/*
path-exclude /usr/share/lintian/*
path-exclude /usr/share/linda/*
path-exclude /usr/share/locale/*
path-include /usr/share/locale/locale.alias
`;

interface RootfsStamp {
  readonly suite: string;
  readonly mirror: string;
  readonly created: string;
}

/** The slimmed Debian root filesystem, from the cache or made now (about a minute). */
function ensureDebianRootfs(suite: string, mirror: string, log: (line: string) => void): { dir: string; stamp: RootfsStamp } {
  const dir = join(cacheDir, `debian-${suite}-minbase`);
  const stampFile = join(cacheDir, `debian-${suite}-minbase.json`);
  if (existsSync(dir) && existsSync(stampFile) && process.env['IMAGE_BASE_REFRESH'] !== '1') {
    const stamp = JSON.parse(readFileSync(stampFile, 'utf8')) as RootfsStamp;
    if (stamp.suite === suite && stamp.mirror === mirror) {
      log(`  Debian ${suite} root filesystem: cached (${dir.replace(`${fromRoot()}/`, '')}, made ${stamp.created}; IMAGE_BASE_REFRESH=1 remakes it)`);
      return { dir, stamp };
    }
  }
  const partial = `${dir}.partial`;
  removeTree(partial);
  removeTree(dir);
  mkdirSync(imageLogDir, { recursive: true });
  const logFile = join(imageLogDir, 'image-base-debootstrap.log');
  log(`  debootstrap --variant=minbase ${suite} from ${mirror} (log: ${logFile.replace(`${fromRoot()}/`, '')})…`);
  const started = Date.now();
  const result = spawnSync('nice', ['-n', '10', 'debootstrap', '--variant=minbase', suite, partial, mirror], { encoding: 'utf8', maxBuffer: 64 * 1024 * 1024 });
  writeFileSync(logFile, `${result.stdout ?? ''}${result.stderr ?? ''}`);
  if (result.status !== 0) {
    removeTree(partial);
    throw new Error(`debootstrap failed (exit ${result.status ?? result.signal}); see ${logFile}:\n${`${result.stdout}${result.stderr}`.trim().split('\n').slice(-10).join('\n')}`);
  }
  // Slim it the way debian:<suite>-slim is.
  writeFileSync(join(partial, 'etc/dpkg/dpkg.cfg.d/docker-slim'), dpkgSlim);
  run('find', [join(partial, 'usr/share/doc'), '-xdev', '-not', '-name', 'copyright', '-not', '-type', 'd', '-delete']);
  run('find', [join(partial, 'usr/share/doc'), '-xdev', '-mindepth', '1', '-type', 'd', '-empty', '-delete']);
  const empty = (sub: string, keep: readonly string[] = []) => {
    const path = join(partial, sub);
    if (!existsSync(path)) return;
    for (const entry of readdirSync(path)) if (!keep.includes(entry)) rmSync(join(path, entry), { recursive: true, force: true });
  };
  for (const sub of ['usr/share/man', 'usr/share/groff', 'usr/share/info', 'usr/share/lintian', 'usr/share/linda', 'var/lib/apt/lists']) empty(sub);
  empty('usr/share/locale', ['locale.alias']);
  empty('var/cache/apt', ['archives']);
  empty('var/cache/apt/archives', ['partial', 'lock']);
  rmSync(join(partial, 'var/log/bootstrap.log'), { force: true });
  // The host's name and resolver stay out of the image (the runtimes mount their own).
  writeFileSync(join(partial, 'etc/hostname'), '');
  writeFileSync(join(partial, 'etc/resolv.conf'), '');
  renameSync(partial, dir);
  const stamp: RootfsStamp = { suite, mirror, created: new Date().toISOString() };
  writeFileSync(stampFile, `${JSON.stringify(stamp, null, 2)}\n`);
  log(`  Debian ${suite} root filesystem made in ${formatElapsed(Date.now() - started)} (${run('du', ['-sh', '--one-file-system', dir]).split('\t')[0]})`);
  return { dir, stamp };
}

export interface BaseImage {
  readonly ref: string;
  readonly nodeVersion: string;
  readonly npmVersion: string;
  readonly reused: boolean;
  readonly sizeBytes: number;
  readonly caFile: string | undefined;
}

const imageLabel = (ref: string, label: string): string | undefined => {
  const result = spawnSync('podman', ['image', 'inspect', ref, '--format', `{{index .Labels "${label}"}}`], { encoding: 'utf8' });
  return result.status === 0 ? result.stdout.trim() : undefined;
};
export const imageId = (ref: string): string | undefined => {
  const result = spawnSync('podman', ['image', 'inspect', ref, '--format', '{{.Id}}'], { encoding: 'utf8' });
  return result.status === 0 ? result.stdout.trim() : undefined;
};
export const imageSize = (ref: string): number => Number(run('podman', ['image', 'inspect', ref, '--format', '{{.Size}}']).trim());

/** The local Node base image for docker/Dockerfile's NODE_IMAGE, reused while its inputs are the same. */
export function ensureNodeBaseImage(spec: BaseImageSpec, log: (line: string) => void): BaseImage {
  const nodeVersion = lockedNodeVersion();
  if (Number(nodeVersion.split('.')[0]) !== spec.nodeMajor) {
    throw new Error(`package-lock.json pins Node ${nodeVersion} but docker/Dockerfile builds on Node ${spec.nodeMajor}: make them agree`);
  }
  const arch = ({ x64: { npm: 'x64', oci: 'amd64' }, arm64: { npm: 'arm64', oci: 'arm64' } } as const)[process.arch as 'x64' | 'arm64'];
  if (!arch) throw new Error(`no node-linux-* package for ${process.arch}`);
  const mirror = debianMirror(spec.suite);
  const nodeTarball = npmPack(`node-linux-${arch.npm}`, nodeVersion);
  const npmVersion = process.env['IMAGE_BASE_NPM_VERSION'] ?? bundledNpmVersion(nodeTarball, nodeVersion);
  const npmTarball = npmPack('npm', npmVersion);
  const caFile = hostNpmCaFile();
  const rootfs = ensureDebianRootfs(spec.suite, mirror, log);
  const ref = `localhost/puente-node-base:${nodeVersion}`;
  const key = sha256(
    JSON.stringify({
      recipeVersion,
      rootfs: rootfs.stamp,
      node: sha256(readFileSync(nodeTarball)),
      npm: sha256(readFileSync(npmTarball)),
      ca: caFile ? sha256(readFileSync(caFile)) : null,
    }),
  );
  const describe = `Debian ${spec.suite} (minbase, slim) + Node ${nodeVersion} (npm node-linux-${arch.npm}) + npm ${npmVersion}, user node 1000:1000`;
  if (imageLabel(ref, 'org.puente.base-key') === key) {
    log(`  ${ref}: cached (${describe})`);
    return { ref, nodeVersion, npmVersion, reused: true, sizeBytes: imageSize(ref), caFile };
  }

  const previous = imageId(ref);
  const container = run('buildah', ['from', '--name', `puente-node-base-${process.pid}`, 'scratch']).trim();
  try {
    const root = run('buildah', ['mount', container]).trim();
    run('cp', ['-a', `${rootfs.dir}/.`, `${root}/`]);
    run('tar', ['-xzf', nodeTarball, '-C', join(root, 'usr/local'), '--strip-components=1', '--no-same-owner', 'package/bin/node']);
    const npmDir = join(root, 'usr/local/lib/node_modules/npm');
    mkdirSync(npmDir, { recursive: true });
    run('tar', ['-xzf', npmTarball, '-C', npmDir, '--strip-components=1', '--no-same-owner']);
    run('ln', ['-s', '../lib/node_modules/npm/bin/npm-cli.js', join(root, 'usr/local/bin/npm')]);
    run('ln', ['-s', '../lib/node_modules/npm/bin/npx-cli.js', join(root, 'usr/local/bin/npx')]);
    if (caFile) {
      // Only npm reads it (the build's `npm ci`); the portal never runs npm.
      run('cp', [caFile, join(root, 'usr/local/share/npm-ca.crt')]);
      mkdirSync(join(root, 'usr/local/etc'), { recursive: true });
      writeFileSync(join(root, 'usr/local/etc/npmrc'), 'cafile=/usr/local/share/npm-ca.crt\n');
    }
    run('chroot', [root, 'groupadd', '--gid', String(nodeUid), 'node']);
    run('chroot', [root, 'useradd', '--uid', String(nodeUid), '--gid', 'node', '--shell', '/bin/bash', '--create-home', 'node']);
    const nodeSays = run('chroot', [root, '/usr/local/bin/node', '--version']).trim();
    const npmSays = run('chroot', [root, '/usr/local/bin/npm', '--version']).trim();
    // npm enables Node's compile cache (/tmp/node-compile-cache) and keeps logs in ~/.npm: leave neither in the image, as the
    // official image does (podman copies an image's /tmp into a --tmpfs /tmp, root-owned).
    run('rm', ['-rf', join(root, 'root/.npm')]);
    run('find', [join(root, 'tmp'), '-mindepth', '1', '-delete']);
    if (nodeSays !== `v${nodeVersion}` || npmSays !== npmVersion) throw new Error(`the base image's node says ${nodeSays} and npm ${npmSays}`);
    run('buildah', ['umount', container]);
    run('buildah', [
      'config',
      '--os',
      'linux',
      '--arch',
      arch.oci,
      '--env',
      'PATH=/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin',
      '--env',
      `NODE_VERSION=${nodeVersion}`,
      '--cmd',
      '["node"]',
      '--label',
      `org.puente.base-key=${key}`,
      '--label',
      `org.opencontainers.image.description=Local stand-in for node:${spec.nodeMajor}-${spec.suite}-slim: ${describe}`,
      container,
    ]);
    run('buildah', ['commit', '--quiet', '--rm', '--format', 'docker', container, ref]);
  } catch (error) {
    spawnSync('buildah', ['rm', container], { stdio: 'ignore' });
    throw error;
  }
  // The image this one replaced under the same name, now untagged.
  if (previous && previous !== imageId(ref)) spawnSync('buildah', ['rmi', previous], { stdio: 'ignore' });
  log(`  ${ref}: made (${describe})`);
  return { ref, nodeVersion, npmVersion, reused: false, sizeBytes: imageSize(ref), caFile };
}
