// What the headless-browser scripts (demo.mjs, demo-codeflow.mjs, console.mjs) share: Debian's Chromium
// through playwright-core in a throw-away profile, and the failure convention BrowserScript reads
// (a line on stderr, exit code 1).
import { chromium } from 'playwright-core';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';

/** Throws {@code message} unless {@code condition} holds. */
export function check(condition, message) {
  if (!condition) {
    throw new Error(message);
  }
}

/**
 * Runs {@code steps(page)} in headless Chromium with a fresh profile. A failure prints
 * "<label> test failed: <why>", saves a full-page screenshot to {@code failureShot} when given, and
 * sets exit code 1; the browser is closed and its profile deleted either way.
 */
export async function runInBrowser({ label, profile, viewport, stepTimeout, failureShot }, steps) {
  const userDataDir = mkdtempSync(join(tmpdir(), `${profile}-chromium-`));
  let context;
  let page;
  try {
    context = await chromium.launchPersistentContext(userDataDir, {
      executablePath: process.env.CHROMIUM ?? '/usr/bin/chromium',
      headless: true,
      args: ['--headless', '--no-sandbox', '--disable-gpu', '--disable-quic', '--no-first-run',
        '--disable-background-networking', '--disable-component-update', '--disable-sync'],
      viewport,
      timeout: 60_000,
    });
    page = context.pages()[0] ?? await context.newPage();
    page.setDefaultTimeout(stepTimeout);
    await steps(page);
  } catch (err) {
    console.error(`${label} test failed: ${err.message}`);
    if (page && failureShot) {
      await page.screenshot({ path: failureShot, fullPage: true }).catch(() => {});
    }
    process.exitCode = 1;
  } finally {
    if (context) {
      await context.close();
    }
    rmSync(userDataDir, { recursive: true, force: true });
  }
}
