/** `npm run check:helm`: the Helm chart rendered with helm v4 and validated offline (scripts/lib/helm-chart-check.ts). */
import { checkHelmChart } from './lib/helm-chart-check.ts';

const { passed, failed } = checkHelmChart();
process.stdout.write(`\n${passed} passed, ${failed} failed\n`);
process.exit(failed > 0 ? 1 : 0);
