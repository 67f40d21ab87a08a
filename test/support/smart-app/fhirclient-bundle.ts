/**
 * SMART Health IT's fhirclient (Apache-2.0) browser bundle, taken from the npm registry with
 * `npm pack` (the package alone, without its dependencies). Installing fhirclient as a dependency
 * pulls in isomorphic-webcrypto's optional Expo/React Native tree, whose lock entries make
 * `npm ci` refuse the lock file; the browser bundle is all the test app needs.
 */
import { execFileSync } from 'node:child_process';
import { existsSync, mkdirSync } from 'node:fs';
import { join } from 'node:path';
import { fromRoot } from '../../../scripts/lib/paths.ts';

export const fhirclientVersion = '2.6.3';

export function fhirclientBundlePath(): string {
  const dir = fromRoot('node_modules', '.cache', 'puente', `fhirclient-${fhirclientVersion}`);
  const bundle = join(dir, 'package', 'build', 'fhir-client.js');
  if (existsSync(bundle)) return bundle;
  mkdirSync(dir, { recursive: true });
  const tarball = execFileSync('npm', ['pack', `fhirclient@${fhirclientVersion}`, '--pack-destination', dir, '--silent'], { encoding: 'utf8' })
    .trim()
    .split('\n')
    .pop()!;
  execFileSync('tar', ['-xzf', join(dir, tarball), '-C', dir, 'package/build/fhir-client.js', 'package/LICENSE']);
  if (!existsSync(bundle)) throw new Error(`fhirclient ${fhirclientVersion}: the browser bundle was not in the package`);
  return bundle;
}
