// Drives the admin console in headless Chromium (Debian's /usr/bin/chromium, playwright-core from npm):
// sign in as an admin, create a user, change its roles, disable it, and read the audit entry of each of
// the three changes in the console's audit view; screenshots along the way. Run by ConsoleBrowserTest;
// by hand:
//   CONSOLE_PASSWORD=change-me-now node src/test/browser/console.mjs http://localhost:8080/console [screenshot dir]
// Exit code 0 when every step behaved, 1 otherwise (the reason on stderr).

import { check, runInBrowser } from './browser.mjs';
import { createHmac } from 'node:crypto';
import { mkdirSync } from 'node:fs';
import { join, resolve } from 'node:path';

const url = process.argv[2];
const shots = resolve(process.argv[3] ?? 'target');
const username = process.env.CONSOLE_USERNAME ?? 'admin';
const password = process.env.CONSOLE_PASSWORD ?? 'change-me-now';
const STEP_TIMEOUT = 20_000;

if (!url) {
  console.error('usage: node src/test/browser/console.mjs <console page URL> [screenshot directory]');
  process.exit(2);
}

/** The RFC 6238 code (HMAC-SHA1, 6 digits, 30 s) of a base32 secret for the time step {@code step}. */
function totp(base32, step) {
  const alphabet = 'ABCDEFGHIJKLMNOPQRSTUVWXYZ234567';
  let bits = '';
  for (const c of base32.replace(/=+$/, '').toUpperCase()) {
    bits += alphabet.indexOf(c).toString(2).padStart(5, '0');
  }
  const key = Buffer.from(bits.match(/.{8}/g).map((b) => parseInt(b, 2)));
  const counter = Buffer.alloc(8);
  counter.writeBigUInt64BE(BigInt(step));
  const mac = createHmac('sha1', key).update(counter).digest();
  const offset = mac[mac.length - 1] & 0xf;
  return String((mac.readUInt32BE(offset) & 0x7fffffff) % 1_000_000).padStart(6, '0');
}


await runInBrowser({ label: 'console', profile: 'console', viewport: { width: 1280, height: 800 }, stepTimeout: STEP_TIMEOUT, failureShot: join(shots, 'console-failure.png') }, async (page) => {
  mkdirSync(shots, { recursive: true });
  const shot = (name) => page.screenshot({ path: join(shots, `console-${name}.png`), fullPage: true });

  const problems = [];
  page.on('console', (msg) => {
    // the browser logs the refused requests the test provokes (wrong password, duplicate user) itself
    if (msg.type() === 'error' && !/status of (401|404|409)/.test(msg.text())) {
      problems.push(`console: ${msg.text()}`);
    }
  });
  page.on('pageerror', (err) => problems.push(`page error: ${err.message}`));
  page.on('dialog', (dialog) => dialog.accept());

  const status = () => page.textContent('#status');
  /** Waits until the status line is a success or failure after an action, and answers its text. */
  async function settled(expectOk, what) {
    await page.waitForFunction(() => {
      const s = document.getElementById('status');
      return s.classList.contains('ok') || s.classList.contains('bad');
    });
    const text = await status();
    const ok = await page.locator('#status.ok').count() === 1;
    check(ok === expectOk, `${what}: the status line says "${text}"`);
    return text;
  }
  async function clearStatus() {
    await page.evaluate(() => {
      const s = document.getElementById('status');
      s.textContent = '';
      s.className = 'status';
    });
  }

  const res = await page.goto(url);
  check(res && res.status() === 200, `GET ${url} answered ${res && res.status()}`);
  const csp = res.headers()['content-security-policy'] ?? '';
  check(csp.includes("frame-ancestors 'none'") && csp.includes("script-src 'self'"), `the page's CSP is ${csp}`);
  check(await page.locator('#signin').isVisible(), 'the sign-in form is not shown');
  check(!(await page.locator('#app').isVisible()), 'the console is shown before sign-in');

  // a wrong password shows the API's error text
  await page.fill('#signin-username', username);
  await page.fill('#signin-password', 'not-the-password');
  await page.click('#signin-submit');
  const refused = await settled(false, 'sign-in with a wrong password');
  check(refused.includes('HTTP 401') && refused.includes('invalid_grant'), `a wrong password showed: ${refused}`);

  // 1. sign in
  await clearStatus();
  await page.fill('#signin-password', password);
  await page.click('#signin-submit');
  await page.waitForSelector('#app', { state: 'visible' });
  check((await page.textContent('#whoami-name')) === username, 'the header does not name the admin');
  await page.waitForSelector('#users-table tbody tr[data-username]');
  const storage = await page.evaluate(() => ({
    cookie: document.cookie, local: localStorage.length, session: sessionStorage.length,
  }));
  check(!storage.cookie.includes('refresh_token'), 'document.cookie exposes the refresh token');
  check(storage.local === 0 && storage.session === 0, 'the page wrote to web storage');
  const cookie = (await page.context().cookies(new URL('/auth/refresh', url).href)).find((c) => c.name === 'refresh_token');
  check(cookie && cookie.httpOnly && cookie.path === '/auth', `refresh cookie is ${JSON.stringify(cookie)}`);
  await shot('users');

  // 2. create a user; its name is text in the table, even when it looks like markup
  const name = `console-${Date.now().toString(36)}`;
  await clearStatus();
  await page.fill('#new-username', name);
  await page.fill('#new-password', 'Console-user-password-1');
  await page.fill('#new-roles', 'user');
  await page.click('#user-create-submit');
  let text = await settled(true, 'create a user');
  check(text.includes(name), `creating the user showed: ${text}`);
  await page.waitForFunction((n) => document.getElementById('user-name').textContent === n, name);
  check((await page.textContent('#user-roles')) === 'user', 'the new user does not show role user');

  // a duplicate shows the API's error text
  await clearStatus();
  await page.fill('#new-username', name);
  await page.fill('#new-password', 'Console-user-password-1');
  await page.click('#user-create-submit');
  text = await settled(false, 'create the same user again');
  check(text.includes('HTTP 409') && text.includes('user_exists'), `a duplicate showed: ${text}`);
  await page.fill('#new-username', '');
  await page.fill('#new-password', '');

  // 3. change its roles
  await clearStatus();
  await page.fill('#user-roles-input', 'user, editor');
  await page.click('#user-roles-save');
  text = await settled(true, 'change roles');
  check(text.includes('editor'), `changing roles showed: ${text}`);
  await page.waitForFunction(() => document.getElementById('user-roles').textContent === 'user, editor');
  const row = page.locator(`#users-table tbody tr[data-username="${name}"] td.roles`);
  check((await row.textContent()) === 'user, editor', 'the users table does not show the new roles');

  // 4. disable it
  await clearStatus();
  check((await page.textContent('#user-toggle')) === 'Disable', 'the toggle does not offer Disable');
  await page.click('#user-toggle');
  text = await settled(true, 'disable the user');
  check(text.includes('disabled'), `disabling showed: ${text}`);
  await page.waitForFunction(() => document.getElementById('user-state').textContent === 'disabled');
  check((await page.textContent('#user-toggle')) === 'Enable', 'the toggle does not offer Enable after disabling');
  // Reset 2FA is offered exactly when the server has the route (read from its OpenAPI document)
  const api = await (await fetch(new URL('/.well-known/openapi.json', url))).json();
  const hasMfaReset = Object.keys(api.paths).some((p) => /^\/admin\/users\/\{[^}/]+\}\/mfa$/.test(p));
  check(await page.locator('#user-mfa-reset').isVisible() === hasMfaReset,
    `the Reset 2FA button is ${hasMfaReset ? 'hidden' : 'shown'} though the server ${hasMfaReset ? 'has' : 'lacks'} the route`);
  if (hasMfaReset) {
    // wired, and the API's answer for a user without a second factor is shown (the button stays)
    await clearStatus();
    await page.click('#user-mfa-reset');
    text = await settled(false, 'Reset 2FA of a user without one');
    check(text.includes('HTTP 404') && text.includes('second factor'), `Reset 2FA showed: ${text}`);
    check(await page.locator('#user-mfa-reset').isVisible(), 'Reset 2FA was hidden after a 404 about the user');
  }
  await shot('user-detail');

  // 5. the audit view: one entry for each of the three changes, by this admin
  await page.click('.tab[data-tab="audit"]');
  await page.waitForSelector('#tab-audit', { state: 'visible' });
  await page.fill('#audit-username', name);
  const wanted = ['user_created', 'user_roles_changed', 'user_disabled'];
  let rows = [];
  for (let i = 0; i < 50; i++) {
    await clearStatus();
    await page.click('#audit-search');
    await settled(true, 'search the audit log');
    rows = await page.$$eval('#audit-table tbody tr[data-id]', (trs) => trs.map((tr) => ({
      event: tr.querySelector('td.event').textContent,
      user: tr.querySelector('td.user').textContent,
      details: tr.querySelector('td.details').textContent,
    })));
    if (wanted.every((w) => rows.some((r) => r.event === w))) {
      break;
    }
    await page.waitForTimeout(100);
  }
  for (const w of wanted) {
    const found = rows.filter((r) => r.event === w);
    check(found.length === 1, `audit rows for ${name}: expected one ${w}, got ${JSON.stringify(rows)}`);
    check(found[0].user === name, `the ${w} row names ${found[0].user}`);
  }
  check(rows.length === wanted.length, `unexpected audit rows: ${JSON.stringify(rows)}`);
  check(rows.map((r) => r.event).join(',') === [...wanted].reverse().join(','), `audit rows not newest first: ${JSON.stringify(rows)}`);
  const rolesRow = JSON.parse(rows.find((r) => r.event === 'user_roles_changed').details);
  check(JSON.stringify(rolesRow.from) === '["user"]' && JSON.stringify(rolesRow.to) === '["user","editor"]',
    `the role change row says ${JSON.stringify(rolesRow)}`);

  // the event filter narrows to one row
  await clearStatus();
  await page.fill('#audit-event', 'user_disabled');
  await page.click('#audit-search');
  await settled(true, 'search by event');
  const filtered = await page.$$eval('#audit-table tbody tr[data-id] td.event', (tds) => tds.map((td) => td.textContent));
  check(filtered.length === 1 && filtered[0] === 'user_disabled', `event filter showed ${JSON.stringify(filtered)}`);
  await page.fill('#audit-event', '');
  await clearStatus();
  await page.click('#audit-search');
  await settled(true, 'search again');
  await shot('audit');

  // the other views load without error
  for (const tab of ['clients', 'keys', 'account']) {
    await clearStatus();
    await page.click(`.tab[data-tab="${tab}"]`);
    await page.waitForSelector(`#tab-${tab}`, { state: 'visible' });
    await page.waitForFunction((t) => {
      const body = document.querySelector(`#tab-${t} tbody`);
      return document.getElementById('status').classList.contains('bad') || (body && body.rows.length > 0);
    }, tab);
    check(await page.locator('#status.bad').count() === 0, `the ${tab} view showed: ${await status()}`);
  }
  const hasTotp = Object.keys(api.paths).includes('/account/mfa/totp');
  check(await page.locator('#mfa-start').isVisible() === hasTotp && await page.locator('#mfa-unavailable').isVisible() === !hasTotp,
    `two-factor enrolment is ${hasTotp ? 'not offered' : 'offered'} though the server ${hasTotp ? 'has' : 'lacks'} it`);
  const active = await page.$$eval('#keys-table tbody td.state-active', (tds) => tds.length);
  check(active === 1, `${active} keys are marked active`);
  await shot('account');

  if (hasTotp) {
    // the admin's own enrolment: QR code and secret, confirmed with a code computed here; then a
    // two-step sign-in with the next step's code (the confirmed one may not be replayed)
    await clearStatus();
    await page.click('#mfa-start');
    await settled(true, 'start the enrolment');
    const secret = await page.textContent('#mfa-secret');
    check(/^[A-Z2-7]{16,}=*$/.test(secret), `the enrolment secret is ${secret}`);
    check((await page.textContent('#mfa-uri')).startsWith('otpauth://totp/'), 'no otpauth URI shown');
    await page.waitForFunction(() => document.getElementById('mfa-qr').naturalWidth > 0);
    await shot('mfa-enrolment');
    const step = Math.floor(Date.now() / 30_000);
    await clearStatus();
    await page.fill('#mfa-confirm-code', totp(secret, step));
    await page.click('#mfa-confirm-submit');
    await settled(true, 'confirm the enrolment');
    const codes = await page.$$eval('#mfa-recovery-codes li', (lis) => lis.map((li) => li.textContent));
    check(codes.length === 10, `recovery codes shown: ${JSON.stringify(codes)}`);
    await page.click('#signout');
    await page.waitForSelector('#signin-form', { state: 'visible' });
    await clearStatus();
    await page.fill('#signin-username', username);
    await page.fill('#signin-password', password);
    await page.click('#signin-submit');
    await page.waitForSelector('#mfa-form', { state: 'visible' });
    await page.fill('#mfa-code', totp(secret, step + 1));
    await page.click('#mfa-submit');
    await page.waitForSelector('#app', { state: 'visible' });
    check((await page.textContent('#whoami-name')) === username, 'not signed in after the second step');
    await page.click('.tab[data-tab="account"]');
    await page.waitForFunction(() => document.getElementById('mfa-state').textContent.startsWith('On'));
    await shot('mfa-on');
  }

  check(problems.length === 0, `the browser reported problems:\n${problems.join('\n')}`);
  console.log(`console OK; screenshots in ${shots}/console-*.png`);
});
