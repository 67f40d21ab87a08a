/**
 * Real Chromium for the browser journeys (Debian's /usr/bin/chromium driven by playwright-core; no
 * browser is ever downloaded), axe-core accessibility checks against WCAG 2.2 AA (DESIGN.md
 * "Standards in play"), and screenshots at a phone width and a desktop width.
 */
import { existsSync, mkdirSync, readFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import { dirname, join } from 'node:path';
import { chromium, type Browser, type Page } from 'playwright-core';
import { fromRoot } from '../../scripts/lib/paths.ts';

export const chromiumPath = '/usr/bin/chromium';

/** Headless Chromium. A missing browser fails the run with what to install: it never skips (DESIGN.md "Testing"). */
export async function launchChromium(): Promise<Browser> {
  if (!existsSync(chromiumPath)) {
    throw new Error(
      `Chromium is not installed at ${chromiumPath}: the browser journeys need it. Install it with:\n  sudo apt-get update && sudo apt-get install -y --no-install-recommends chromium`,
    );
  }
  return chromium.launch({
    executablePath: chromiumPath,
    headless: true,
    args: [
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
}

const axeSource = readFileSync(join(dirname(createRequire(import.meta.url).resolve('axe-core')), 'axe.min.js'), 'utf8');

/** The WCAG 2.0, 2.1 and 2.2 A/AA rules: the level DESIGN.md promises for every page. */
const wcagTags = ['wcag2a', 'wcag2aa', 'wcag21a', 'wcag21aa', 'wcag22aa'];

interface AxeResult {
  violations: { id: string; impact: string | null; help: string; nodes: { target: unknown[]; failureSummary?: string }[] }[];
}

/**
 * Runs axe-core on the page as it is now and returns one readable line per violating element
 * (rule id, impact, CSS target, what to fix), so `expect(...).to.deep.equal([])` prints them all.
 *
 * axe is injected with page.evaluate rather than addScriptTag: the portal's CSP (script-src 'self')
 * refuses an inline <script>, and `bypassCSP: true` would switch the CSP off for the whole context,
 * so the journeys would no longer run under the headers real users get. Scripts evaluated through
 * the DevTools protocol are not subject to the page's CSP, and axe itself needs no eval.
 */
export async function checkAccessibility(page: Page, label: string): Promise<string[]> {
  const loaded = await page.evaluate('typeof window.axe === "object"');
  if (!loaded) await page.evaluate(axeSource);
  const result = (await page.evaluate(`axe.run(document, { runOnly: { type: 'tag', values: ${JSON.stringify(wcagTags)} }, resultTypes: ['violations'] })`)) as AxeResult;
  return result.violations.flatMap((violation) =>
    violation.nodes.map(
      (node) =>
        `${label}: ${violation.id} (${violation.impact ?? 'n/a'}) at ${JSON.stringify(node.target)}: ${violation.help}${node.failureSummary ? ` — ${node.failureSummary.replace(/\s+/g, ' ').trim()}` : ''}`,
    ),
  );
}

export const screenshotWidths = [375, 1280] as const;
export const screenshotDir = fromRoot('test-results/screenshots');

/** Full-page PNGs at 375 px and 1280 px wide: test-results/screenshots/<name>-375.png and <name>-1280.png. */
export async function screenshot(page: Page, name: string): Promise<string[]> {
  mkdirSync(screenshotDir, { recursive: true });
  const original = page.viewportSize();
  const files: string[] = [];
  try {
    for (const width of screenshotWidths) {
      await page.setViewportSize({ width, height: original?.height ?? 800 });
      const file = join(screenshotDir, `${name}-${width}.png`);
      await page.screenshot({ path: file, fullPage: true });
      files.push(file);
    }
  } finally {
    if (original) await page.setViewportSize(original);
  }
  return files;
}

/** Text as a person reads it: runs of white space folded, ends trimmed. */
export const collapse = (text: string | null | undefined): string => (text ?? '').replace(/\s+/g, ' ').trim();

/** The page's main heading, as read. */
export const h1 = async (page: Page): Promise<string> => collapse(await page.locator('main h1').textContent());

/** Clicks a submit button and waits for the page the server answers with (after any redirects). */
export const submit = async (page: Page, selector: string): Promise<void> => {
  await Promise.all([page.waitForEvent('load'), page.click(selector)]);
};
