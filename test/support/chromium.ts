// Real Chromium (the Debian `chromium` package) driven by playwright-core for the browser tests:
// launched headless with the flags a closed network needs, screenshots saved under
// test-artifacts/ (git-ignored), and axe-core run inside the page.
import { accessSync, constants, mkdirSync, readFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { chromium, type Browser, type Page } from 'playwright-core';
import { describe, it } from 'vitest';

export const CHROMIUM_BIN = '/usr/bin/chromium';

/** Where browser tests put their screenshots: test-artifacts/<name>/ at the repository's root. */
export function artifactsDir(name: string): string {
  const dir = path.join(fileURLToPath(new URL('../../', import.meta.url)), 'test-artifacts', name);
  mkdirSync(dir, { recursive: true });
  return dir;
}

export function chromiumAvailable(): boolean {
  try {
    accessSync(CHROMIUM_BIN, constants.X_OK);
    return true;
  } catch {
    return false;
  }
}

/**
 * Declares a suite that needs Chromium: left out with a warning when it is not installed, failing
 * instead in CI (`CI` set, as .ci/run sets it) or with STEWARD_REQUIRE_CHROMIUM=1.
 */
export function describeChromium(title: string, body: () => void): void {
  if (chromiumAvailable()) describe(title, body);
  else if (process.env.CI || process.env.STEWARD_REQUIRE_CHROMIUM === '1')
    describe(title, () => {
      it('needs Chromium (CI or STEWARD_REQUIRE_CHROMIUM=1)', () => {
        throw new Error(`${CHROMIUM_BIN} not found: apt-get install chromium`);
      });
    });
  else console.warn(`${CHROMIUM_BIN} not found: skipping "${title}"`);
}

export function launchChromium(): Promise<Browser> {
  return chromium.launch({
    executablePath: CHROMIUM_BIN,
    headless: true,
    args: [
      '--no-sandbox',
      '--disable-background-networking',
      '--disable-component-update',
      '--disable-gpu',
      '--no-first-run',
      '--disable-sync',
    ],
  });
}

const AXE = readFileSync(createRequire(import.meta.url).resolve('axe-core/axe.min.js'), 'utf8');

export interface AxeViolation {
  id: string;
  impact: string | null;
  help: string;
  nodes: { target: string[]; html: string }[];
}

/**
 * Runs axe-core in the page (evaluated through the browser's protocol, so the page's own
 * Content-Security-Policy, which allows no script, stays in force) against WCAG 2.x A and AA.
 */
export async function axe(page: Page): Promise<{ violations: AxeViolation[]; passes: number }> {
  await page.evaluate(AXE);
  return page.evaluate(async () => {
    const w = window as unknown as {
      axe: { run(o: object): Promise<{ violations: AxeViolation[]; passes: unknown[] }> };
    };
    const r = await w.axe.run({
      runOnly: { type: 'tag', values: ['wcag2a', 'wcag2aa', 'wcag21a', 'wcag21aa', 'best-practice'] },
    });
    return {
      passes: r.passes.length,
      violations: r.violations.map((v) => ({
        id: v.id,
        impact: v.impact,
        help: v.help,
        nodes: v.nodes.map((n) => ({ target: n.target, html: n.html })),
      })),
    };
  });
}
