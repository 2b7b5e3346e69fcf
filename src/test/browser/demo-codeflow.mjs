// Drives part 2 of the demo page in headless Chromium (Debian's /usr/bin/chromium, playwright-core
// from npm): the code flow with PKCE on the server's sign-in page (typing the username and password
// into its form), back on the demo page a DPoP-bound token from a non-extractable WebCrypto key,
// /api/me 200 with a proof, the same token as Bearer 401, a proof for another URL 401, a refresh
// with a proof, logout, /api/me 401; screenshots of the sign-in page and the demo page.
// Run by DemoCodeFlowBrowserTest; by hand, against a server started with DEMO_CLIENT=true:
//   DEMO_PASSWORD=change-me-now node src/test/browser/demo-codeflow.mjs http://localhost:8080/demo/ [screenshot.png]
// Exit code 0 when every step behaved, 1 otherwise (the reason on stderr).

import { check, runInBrowser } from './browser.mjs';
import { mkdirSync } from 'node:fs';
import { dirname, join, resolve } from 'node:path';

const url = process.argv[2];
const screenshot = resolve(process.argv[3] ?? 'target/demo-codeflow-screenshot.png');
const signInShot = join(dirname(screenshot), 'demo-codeflow-signin.png');
const username = process.env.DEMO_USERNAME ?? 'admin';
const password = process.env.DEMO_PASSWORD ?? 'change-me-now';
const STEP_TIMEOUT = 20_000;

if (!url) {
  console.error('usage: node src/test/browser/demo-codeflow.mjs <demo page URL> [screenshot path]');
  process.exit(2);
}


/** What the page keeps in IndexedDB, read from inside the page's origin. */
function storedSignIn(page) {
  return page.evaluate(() => new Promise((resolve, reject) => {
    const open = indexedDB.open('jwt-demo', 1);
    open.onupgradeneeded = () => open.result.createObjectStore('signin');
    open.onerror = () => reject(open.error);
    open.onsuccess = () => {
      const db = open.result;
      const get = db.transaction('signin').objectStore('signin').get('pending');
      get.onerror = () => reject(get.error);
      get.onsuccess = async () => {
        const v = get.result;
        db.close();
        if (!v) {
          resolve(null);
          return;
        }
        let exported = true;
        try {
          await crypto.subtle.exportKey('jwk', v.keyPair.privateKey);
        } catch {
          exported = false;
        }
        resolve({
          fields: Object.keys(v).sort(),
          privateType: v.keyPair.privateKey.type,
          extractable: v.keyPair.privateKey.extractable,
          exported,
          algorithm: v.keyPair.privateKey.algorithm.namedCurve,
          stringValues: Object.values(v).filter((x) => typeof x === 'string'),
        });
      };
    };
  }));
}

/** The text of element id once it starts with "HTTP <status>"; on a timeout, what the page shows instead. */
async function resultOf(page, id) {
  try {
    await page.waitForFunction((el) => /^HTTP \d+/.test(document.getElementById(el).textContent), id);
  } catch (err) {
    const shown = await page.evaluate((el) => ['cf-notice', 'cf-callback', 'cf-token-status', el]
      .map((x) => `#${x}: ${document.getElementById(x)?.textContent}`).join('\n'), id);
    throw new Error(`no HTTP result in #${id} (${err.message.split('\n')[0]}); the page shows:\n${shown}`);
  }
  return page.textContent(`#${id}`);
}

await runInBrowser({ label: 'demo code flow', profile: 'demo-codeflow', viewport: { width: 1100, height: 900 }, stepTimeout: STEP_TIMEOUT }, async (page) => {

  const problems = [];
  page.on('console', (msg) => {
    // the refused calls (401) are the point of some steps; anything else is a problem
    if (msg.type() === 'error' && !/status of 40[01]/.test(msg.text())) {
      problems.push(`console: ${msg.text()}`);
    }
  });
  page.on('pageerror', (err) => problems.push(`page error: ${err.message}`));

  const res = await page.goto(url);
  check(res && res.status() === 200, `GET ${url} answered ${res && res.status()}`);
  await page.waitForFunction(() => !document.getElementById('cf-start').disabled
    || !document.getElementById('cf-notice').hidden);
  check(await page.locator('#cf-notice').isHidden(),
    `part 2 shows a set-up warning: ${await page.locator('#cf-notice').textContent()}`);

  // 1. to the server's sign-in page; the key and the pending request wait in IndexedDB
  await Promise.all([page.waitForURL(/\/oauth2\/authorize\?/), page.click('#cf-start')]);
  const authorize = new URL(page.url());
  check(authorize.searchParams.get('code_challenge_method') === 'S256', `authorize URL ${authorize}`);
  check(authorize.searchParams.get('code_challenge')?.length === 43, 'no S256 code_challenge');
  check(authorize.searchParams.get('client_id') === 'demo', 'client_id is not demo');
  check(!authorize.searchParams.has('code_verifier'), 'the verifier left the browser');
  const stored = await storedSignIn(page);
  check(stored && stored.privateType === 'private' && stored.extractable === false && !stored.exported
    && stored.algorithm === 'P-256', `the stored key is ${JSON.stringify(stored)}`);
  check(JSON.stringify(stored.fields) === JSON.stringify(['created', 'keyPair', 'nonce', 'state', 'verifier']),
    `IndexedDB holds ${JSON.stringify(stored.fields)}`);
  check(await page.locator('input[name="username"]').count() === 1
    && await page.locator('input[name="password"]').count() === 1, 'the sign-in page has no username/password form');
  mkdirSync(dirname(screenshot), { recursive: true });
  await page.screenshot({ path: signInShot, fullPage: true });

  // 2. sign in on the server's page: 303 back to the demo page, which redeems the code with a proof
  await page.fill('input[name="username"]', username);
  await page.fill('input[name="password"]', password);
  await Promise.all([page.waitForURL(/\/demo\//), page.click('button[type="submit"]')]);
  const tokenStatus = await resultOf(page, 'cf-token-status');
  check(!page.url().includes('code='), `the code stayed in the address bar: ${page.url()}`);
  check(tokenStatus.startsWith('HTTP 200') && tokenStatus.includes('token_type DPoP') && !tokenStatus.includes('✗'),
    `the code exchange showed: ${tokenStatus}`);
  const callback = await page.textContent('#cf-callback');
  check(callback.includes('✓ state') && callback.includes('✓ iss'), `the callback checks showed: ${callback}`);
  check(await storedSignIn(page) === null, 'the pending sign-in (verifier, key) stayed in IndexedDB');
  const keyInfo = await page.textContent('#cf-key-info');
  check(keyInfo.includes('extractable: false') && keyInfo.includes('fails'), `key info: ${keyInfo}`);

  const idToken = JSON.parse(await page.textContent('#cf-id-token'));
  check(idToken.preferred_username === username && idToken.aud === 'demo' && idToken.nonce && idToken.auth_time,
    `ID token payload ${JSON.stringify(idToken)}`);
  const access = JSON.parse(await page.textContent('#cf-access-token'));
  const thumb = await page.textContent('#cf-thumbprint');
  check(access.cnf && access.cnf.jkt === thumb && thumb.length === 43,
    `access token cnf ${JSON.stringify(access.cnf)}, page key thumbprint ${thumb}`);
  check(access.username === username, `access token username ${access.username}`);

  // 3. /api/me with a proof: 200; the same token without the key: 401; a proof for another URL: 401
  await page.click('#cf-call-me');
  let me = await resultOf(page, 'cf-me-result');
  check(me.startsWith('HTTP 200') && me.includes(`"username": "${username}"`), `/api/me with DPoP showed: ${me}`);
  const lastProof = await page.textContent('#cf-proof');
  check(lastProof.includes('"typ": "dpop+jwt"') && lastProof.includes('"ath"') && lastProof.includes('"htm": "GET"')
    && !lastProof.includes('"d"'), `the proof shown: ${lastProof}`);

  await page.click('#cf-bearer');
  await page.waitForFunction(() => document.getElementById('cf-me-result').textContent.startsWith('HTTP 401'));
  me = await page.textContent('#cf-me-result');
  check(me.includes('invalid_token') && me.includes('DPoP'), `the token as Bearer showed: ${me}`);

  await page.click('#cf-wrong-url');
  await page.waitForFunction(() => document.getElementById('cf-me-result').textContent.startsWith('HTTP 401'));
  me = await page.textContent('#cf-me-result');
  check(me.includes('invalid_dpop_proof') && me.includes('/api/admin/stats'), `a proof for another URL showed: ${me}`);

  // 4. refresh with a proof: a new token, bound to the same key
  await page.click('#cf-refresh');
  const refreshed = await resultOf(page, 'cf-refresh-status');
  check(refreshed.startsWith('HTTP 200') && refreshed.includes('token_type DPoP'), `refresh showed: ${refreshed}`);
  const access2 = JSON.parse(await page.textContent('#cf-access-token'));
  check(access2.jti !== access.jti && access2.cnf.jkt === thumb, `after refresh: ${JSON.stringify(access2)}`);
  await page.click('#cf-call-me');
  await page.waitForFunction(() => /^HTTP 200/.test(document.getElementById('cf-me-result').textContent)
    && document.getElementById('cf-me-result').textContent.includes('username'));

  // tokens only in script variables: nothing in web storage or readable cookies
  const storage = await page.evaluate(() => ({
    cookie: document.cookie, local: localStorage.length, session: sessionStorage.length,
  }));
  check(storage.cookie === '' && storage.local === 0 && storage.session === 0,
    `the page left something in web storage or cookies: ${JSON.stringify(storage)}`);

  // 5. log out: revocation and end of the sign-in session; /api/me refuses the token, proof or not
  await page.click('#cf-logout');
  await page.waitForFunction(() => /^(HTTP|Revocation|The request)/.test(document.getElementById('cf-logout-status').textContent));
  const loggedOut = await page.textContent('#cf-logout-status');
  check(loggedOut.startsWith('HTTP 200'), `logout showed: ${loggedOut}`);
  await page.click('#cf-call-me');
  await page.waitForFunction(() => document.getElementById('cf-me-result').textContent.startsWith('HTTP 401'));
  me = await page.textContent('#cf-me-result');
  check(me.includes('invalid_token'), `/api/me after logout showed: ${me}`);

  check(problems.length === 0, `the browser reported problems:\n${problems.join('\n')}`);

  await page.screenshot({ path: screenshot, fullPage: true });
  console.log(`demo code flow OK; screenshots ${signInShot} and ${screenshot}`);
});
