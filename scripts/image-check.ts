/**
 * `npm run image:check`: builds docker/Dockerfile with buildah and runs the image with podman, read-only and
 * as its non-root user (scripts/lib/image-check.ts); `npm test` runs the same check. Exits non-zero on any failure.
 */
import { checkContainerImage } from './lib/image-check.ts';

try {
  const { failed } = await checkContainerImage();
  process.exit(failed > 0 ? 1 : 0);
} catch (error) {
  process.stdout.write(`  ✗ ${(error as Error).message}\n`);
  process.exit(1);
}
