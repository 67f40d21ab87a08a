import { fileURLToPath } from 'node:url';
import { resolve } from 'node:path';

/** The repository root, whatever the working directory. */
export const repoRoot = resolve(fileURLToPath(new URL('../..', import.meta.url)));
export const fromRoot = (...parts: string[]) => resolve(repoRoot, ...parts);
