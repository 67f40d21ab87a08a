/**
 * `npm run lighthouse:record`: Lighthouse (performance, accessibility, best practices) on the main
 * health record pages, signed in as the largest demo patient, in Debian's Chromium (never a
 * downloaded browser). Mobile form factor with Lighthouse's default simulated throttling. Prints the
 * scores and saves each report under test-results/lighthouse/. Settings: BENCH_HAPI_URL.
 */
import { mkdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import lighthouse from 'lighthouse';
import * as chromeLauncher from 'chrome-launcher';
import { startBenchPortal } from './lib/bench-portal.ts';
import { fromRoot } from './lib/paths.ts';

const say = (line: string) => process.stdout.write(`${line}\n`);
const pages = ['/', '/record/results', '/record/vitals', '/record/medications', '/record/visits'];
const categories = ['performance', 'accessibility', 'best-practices'] as const;
const outDir = fromRoot('test-results/lighthouse');

const portal = await startBenchPortal(say);
const chrome = await chromeLauncher.launch({
  chromePath: '/usr/bin/chromium',
  chromeFlags: [
    '--headless=new',
    '--no-sandbox',
    '--disable-gpu',
    '--disable-quic',
    '--no-first-run',
    '--disable-background-networking',
    '--disable-component-update',
    '--disable-sync',
    '--disable-dev-shm-usage',
  ],
});
try {
  mkdirSync(outDir, { recursive: true });
  // The session cookie the bench sign-in received, sent as a header so Lighthouse sees the signed-in page.
  const cookie = [...portal.browser.cookies].map(([name, value]) => `${name}=${value}`).join('; ');
  say(`\n${'page'.padEnd(22)} ${categories.map((c) => c.padStart(15)).join('')}`);
  for (const path of pages) {
    const result = await lighthouse(`${portal.url}${path}`, {
      port: chrome.port,
      output: 'html',
      onlyCategories: [...categories],
      extraHeaders: { Cookie: cookie },
      logLevel: 'error',
    });
    if (!result) throw new Error(`Lighthouse returned nothing for ${path}`);
    const name = path === '/' ? 'home' : path.slice(1).replace(/\//g, '-');
    writeFileSync(join(outDir, `${name}.html`), String(result.report));
    writeFileSync(join(outDir, `${name}.json`), JSON.stringify(result.lhr));
    const scores = categories.map((c) => Math.round((result.lhr.categories[c]?.score ?? 0) * 100));
    say(`${path.padEnd(22)} ${scores.map((s) => String(s).padStart(15)).join('')}`);
  }
  say(`\nReports: ${outDir}`);
} finally {
  await chrome.kill();
  await portal.stop();
}
