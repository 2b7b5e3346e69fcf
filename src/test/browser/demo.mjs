// Drives the demo page in headless Chromium (Debian's /usr/bin/chromium, playwright-core from npm):
// log in, check the decoded payload, call /api/me, refresh, log out, see /api/me rejected, and save
// a screenshot (part 1 of the page; part 2, the code flow, is demo-codeflow.mjs's). With
// DEMO_CODE_FLOW=off it also checks that part 2 says it needs DEMO_CLIENT. Run by DemoPageBrowserTest; by hand:
//   DEMO_PASSWORD=change-me-now node src/test/browser/demo.mjs http://localhost:8080/demo [screenshot.png]
// Exit code 0 when every step behaved, 1 otherwise (the reason on stderr).

import { check, runInBrowser } from './browser.mjs';
import { mkdirSync } from 'node:fs';
import { dirname, resolve } from 'node:path';

const url = process.argv[2];
const screenshot = resolve(process.argv[3] ?? 'target/demo-screenshot.png');
const username = process.env.DEMO_USERNAME ?? 'admin';
const password = process.env.DEMO_PASSWORD ?? 'change-me-now';
const STEP_TIMEOUT = 15_000;
// the refresh cookie is scoped to Path=/auth, so only URLs under /auth see it
const authUrl = url ? new URL('/auth/refresh', url).href : null;

if (!url) {
  console.error('usage: node src/test/browser/demo.mjs <demo page URL> [screenshot path]');
  process.exit(2);
}


await runInBrowser({ label: 'demo page', profile: 'demo', viewport: { width: 1100, height: 900 }, stepTimeout: STEP_TIMEOUT }, async (page) => {

  const problems = [];
  page.on('console', (msg) => {
    if (msg.type() === 'error' && !msg.text().includes('status of 401')) {
      problems.push(`console: ${msg.text()}`);
    }
  });
  page.on('pageerror', (err) => problems.push(`page error: ${err.message}`));

  const res = await page.goto(url);
  check(res && res.status() === 200, `GET ${url} answered ${res && res.status()}`);
  await page.waitForFunction(() => !document.getElementById('resource-url').textContent.includes('…'));
  const notice = await page.locator('#notice').isVisible();
  check(!notice, `the page shows a set-up warning: ${await page.locator('#notice').textContent()}`);
  if (process.env.DEMO_CODE_FLOW === 'off') {
    // part 2 (the code flow) needs DEMO_CLIENT: without it the page says so and offers no button
    await page.waitForFunction(() => !document.getElementById('cf-notice').hidden);
    const cfNotice = await page.textContent('#cf-notice');
    check(cfNotice.includes('DEMO_CLIENT=true') && await page.locator('#cf-start').isDisabled(),
      `part 2 without DEMO_CLIENT shows: ${cfNotice}`);
  }

  // 1. log in: the payload shows the username; the token has three coloured parts
  await page.fill('#username', username);
  await page.fill('#password', password);
  await page.click('#login');
  await page.waitForFunction(() => document.getElementById('payload').textContent.includes('"username"'));
  const payload = JSON.parse(await page.textContent('#payload'));
  check(payload.username === username, `payload username is ${payload.username}`);
  const header = JSON.parse(await page.textContent('#header'));
  check(header.typ === 'at+jwt' && header.kid, `header is ${JSON.stringify(header)}`);
  for (const part of ['part-header', 'part-payload', 'part-signature']) {
    check(await page.locator(`#token .${part}`).count() === 1, `token part ${part} missing`);
  }
  const firstToken = await page.textContent('#token');
  check(firstToken.split('.').length === 3, 'the token is not three dot-separated parts');

  // the refresh token is out of the page's reach: HttpOnly cookie, nothing in web storage
  const storage = await page.evaluate(() => ({
    cookie: document.cookie, local: localStorage.length, session: sessionStorage.length,
  }));
  check(!storage.cookie.includes('refresh_token'), 'document.cookie exposes the refresh token');
  check(storage.local === 0 && storage.session === 0, 'the page wrote to web storage');
  const cookies = await page.context().cookies(authUrl);
  const refreshCookie = cookies.find((c) => c.name === 'refresh_token');
  check(refreshCookie && refreshCookie.httpOnly && refreshCookie.sameSite === 'Strict' && refreshCookie.path === '/auth',
    `refresh cookie in the browser is ${JSON.stringify(refreshCookie)}`);

  // 2. call /api/me on the resource origin
  await page.click('#call-me');
  await page.waitForFunction(() => /HTTP \d+/.test(document.getElementById('me-result').textContent));
  let me = await page.textContent('#me-result');
  check(me.startsWith('HTTP 200') && me.includes(`"username": "${username}"`), `/api/me showed: ${me}`);

  // 3. refresh with the cookie only: a new access token
  await page.click('#refresh');
  await page.waitForFunction(() => document.getElementById('refresh-status').textContent.startsWith('HTTP'));
  const refreshed = await page.textContent('#refresh-status');
  check(refreshed.startsWith('HTTP 200'), `refresh showed: ${refreshed}`);
  const secondToken = await page.textContent('#token');
  check(secondToken !== firstToken, 'the token did not change after refresh');
  const rotated = (await page.context().cookies(authUrl)).find((c) => c.name === 'refresh_token');
  check(rotated && rotated.value !== refreshCookie.value, 'the refresh cookie was not rotated');

  await page.click('#call-me');
  await page.waitForFunction(() => document.getElementById('me-result').textContent.startsWith('HTTP 200'));

  // 4. log out: the same access token is now rejected
  await page.click('#logout');
  await page.waitForFunction(() => document.getElementById('logout-status').textContent.startsWith('HTTP'));
  const loggedOut = await page.textContent('#logout-status');
  check(loggedOut.startsWith('HTTP 204'), `logout showed: ${loggedOut}`);
  check(!(await page.context().cookies(authUrl)).some((c) => c.name === 'refresh_token'), 'the refresh cookie survived logout');
  await page.click('#call-me');
  await page.waitForFunction(() => document.getElementById('me-result').textContent.startsWith('HTTP 401'));
  me = await page.textContent('#me-result');
  check(me.includes('invalid_token'), `/api/me after logout showed: ${me}`);

  check(problems.length === 0, `the browser reported problems:\n${problems.join('\n')}`);

  mkdirSync(dirname(screenshot), { recursive: true });
  await page.screenshot({ path: screenshot, fullPage: true });
  console.log(`demo page OK; screenshot ${screenshot}`);
});
