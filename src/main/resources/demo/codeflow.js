// Part 2 of the demo page: the authorization code flow with PKCE (RFC 6749 §4.1, RFC 7636) on the
// server's own sign-in page, and tokens bound to a key of this browser (DPoP, RFC 9449).
//
// Tokens live in the variables below only (never localStorage, sessionStorage or a cookie). The
// page forgets everything when it navigates to the sign-in page, so the key pair and the pending
// request (PKCE verifier, state, nonce) wait in IndexedDB during that trip: the key as a
// non-extractable CryptoKey object (the browser keeps its private part; script can sign with it
// but never read it), and both are deleted as soon as the page is back.

import { $, decodeJwt, describeError, readJson, setStatus } from './page.js';
import { newKeyPair, pkceChallenge, proof, publicJwk, randomString, thumbprint } from './dpop.js';

const SCOPE = 'openid profile';
const PENDING_MAX_AGE_MS = 10 * 60 * 1000;
const FORM = 'application/x-www-form-urlencoded';

let config = null; // /demo/config.json: resource_url, client_id, redirect_uri, code_flow
let discovery = null; // /.well-known/openid-configuration
let keyPair = null; // the DPoP key pair, in memory once the page is back
let jwk = null; // its public key
let jkt = null; // its RFC 7638 thumbprint
let tokens = null; // access_token, refresh_token, id_token: memory only
let loggedOut = false;
const dpopNonces = new Map(); // origin → the last DPoP-Nonce it sent (RFC 9449 §8)

// ---- IndexedDB: one record, the sign-in in progress ----

const DB_NAME = 'jwt-demo';
const STORE = 'signin';
const KEY = 'pending';

function openDb() {
  return new Promise((resolve, reject) => {
    const req = indexedDB.open(DB_NAME, 1);
    req.onupgradeneeded = () => req.result.createObjectStore(STORE);
    req.onsuccess = () => resolve(req.result);
    req.onerror = () => reject(req.error);
  });
}

async function inStore(mode, action) {
  const db = await openDb();
  try {
    return await new Promise((resolve, reject) => {
      const tx = db.transaction(STORE, mode);
      const req = action(tx.objectStore(STORE));
      tx.oncomplete = () => resolve(req.result);
      tx.onerror = () => reject(tx.error);
    });
  } finally {
    db.close();
  }
}

const pending = {
  put: (value) => inStore('readwrite', (s) => s.put(value, KEY)),
  /** Reads and deletes the pending request in one transaction: it can be used once. */
  take: () => inStore('readwrite', (s) => {
    const req = s.get(KEY);
    s.delete(KEY);
    return req;
  }),
};

// ---- display ----

function short(value) {
  return value.length > 16 ? `${value.slice(0, 10)}…(${value.length} characters)` : value;
}

function showResult(el, status, body, extra) {
  let text = `HTTP ${status}\n${JSON.stringify(body, null, 2)}`;
  if (extra) {
    text += `\n${extra}`;
  }
  el.textContent = text;
  el.className = `result ${status >= 200 && status < 300 ? 'ok' : 'bad'}`;
}

function showProof(dpop) {
  const { header, payload } = decodeJwt(dpop);
  $('cf-proof').textContent = `${JSON.stringify(header, null, 2)}\n${JSON.stringify(payload, null, 2)}`;
}

function showTokens() {
  if (tokens.id_token) {
    $('cf-id-token').textContent = JSON.stringify(decodeJwt(tokens.id_token).payload, null, 2);
  }
  const access = decodeJwt(tokens.access_token).payload;
  $('cf-access-token').textContent = JSON.stringify(access, null, 2);
  const bound = access.cnf && access.cnf.jkt;
  setStatus($('cf-jkt'), bound === jkt
    ? `cnf.jkt in the access token is ${bound}: the thumbprint of this browser's key. The token is worth nothing without it.`
    : `cnf.jkt in the access token is ${bound}, not this browser's key (${jkt}).`, bound === jkt);
}

async function showKey() {
  let exported;
  try {
    await crypto.subtle.exportKey('jwk', keyPair.privateKey);
    exported = 'yet the browser exported it!';
  } catch (err) {
    exported = `asking the browser to export it fails (${err.name})`;
  }
  const info = $('cf-key-info');
  info.replaceChildren(`This browser's DPoP key: ECDSA P-256; the private key has extractable: `
    + `${keyPair.privateKey.extractable}, and ${exported}. Thumbprint (RFC 7638): `);
  const code = document.createElement('code');
  code.id = 'cf-thumbprint';
  code.textContent = jkt;
  info.append(code);
  info.classList.toggle('ok', keyPair.privateKey.extractable === false);
}

function setButtons() {
  const has = tokens !== null;
  for (const id of ['cf-call-me', 'cf-bearer', 'cf-wrong-url']) {
    $(id).disabled = !has;
  }
  $('cf-refresh').disabled = !has || loggedOut;
  $('cf-logout').disabled = !has || loggedOut;
}

// ---- requests with a proof ----

/**
 * A request with a fresh DPoP proof for {method, htu} (htu: the URL itself unless a test of a wrong
 * one), and the access token under the DPoP scheme when given. When the server demands a nonce
 * (use_dpop_nonce with a DPoP-Nonce header) it is tried once more with it.
 * Answers {status, body, challenge}.
 */
async function withProof(url, { method = 'GET', form = null, token = null, htu = url } = {}) {
  const origin = new URL(url).origin;
  for (let attempt = 0; ; attempt++) {
    const dpop = await proof(keyPair, jwk, method, htu, token, dpopNonces.get(origin));
    showProof(dpop);
    const headers = { DPoP: dpop };
    if (token) {
      headers.Authorization = `DPoP ${token}`;
    }
    if (form) {
      headers['Content-Type'] = FORM;
    }
    const res = await fetch(url, { method, headers, body: form ? new URLSearchParams(form) : undefined, credentials: 'omit' });
    const body = await readJson(res);
    const challenge = res.headers.get('WWW-Authenticate');
    const nonce = res.headers.get('DPoP-Nonce');
    if (nonce) {
      dpopNonces.set(origin, nonce);
    }
    const askedForNonce = (body && body.error === 'use_dpop_nonce') || (challenge && challenge.includes('use_dpop_nonce'));
    if (attempt === 0 && nonce && askedForNonce) {
      continue;
    }
    return { status: res.status, body, challenge };
  }
}

// ---- the steps ----

async function startSignIn() {
  const status = $('cf-start-status');
  try {
    const pair = await newKeyPair();
    const verifier = randomString(32);
    const request = { keyPair: pair, verifier, state: randomString(16), nonce: randomString(16), created: Date.now() };
    await pending.put(request);
    const url = new URL(discovery.authorization_endpoint);
    url.search = new URLSearchParams({
      response_type: 'code',
      client_id: config.client_id,
      redirect_uri: config.redirect_uri,
      scope: SCOPE,
      state: request.state,
      nonce: request.nonce,
      code_challenge: await pkceChallenge(verifier),
      code_challenge_method: 'S256',
    }).toString();
    setStatus(status, `Key pair, PKCE verifier, state and nonce made; going to ${url.origin}${url.pathname} …`);
    location.assign(url.href);
  } catch (err) {
    setStatus(status, `Could not start the sign-in: ${err.message}`, false);
  }
}

/** Back from the sign-in page: check state and iss, then redeem the code with the verifier and a proof. */
async function completeSignIn(params) {
  const request = await pending.take();
  const out = $('cf-callback');
  const lines = ['Back from the sign-in page with:'];
  for (const name of ['code', 'state', 'iss', 'error', 'error_description']) {
    if (params.has(name)) {
      lines.push(`  ${name} = ${name === 'code' ? short(params.get(name)) : params.get(name)}`);
    }
  }
  const refuse = (why) => {
    out.textContent = [...lines, '', why].join('\n');
    out.className = 'result bad';
  };
  if (!request || Date.now() - request.created > PENDING_MAX_AGE_MS) {
    refuse('No sign-in was started from this page (or it is older than 10 minutes): the answer is ignored.');
    return;
  }
  if (params.get('state') !== request.state) {
    refuse('✗ state is not the one this page sent: the answer belongs to another sign-in (CSRF); the code is not used.');
    return;
  }
  lines.push('✓ state is the one this page sent');
  if (params.get('iss') !== discovery.issuer) {
    refuse(`✗ iss is not ${discovery.issuer} (RFC 9207): the answer comes from another server; the code is not used.`);
    return;
  }
  lines.push(`✓ iss is this server, ${discovery.issuer}`);
  if (params.has('error')) {
    refuse(`The sign-in ended with ${params.get('error')}: ${params.get('error_description') || ''}`);
    return;
  }
  out.textContent = lines.join('\n');
  out.className = 'result ok';

  keyPair = request.keyPair;
  jwk = await publicJwk(keyPair);
  jkt = await thumbprint(jwk);
  await showKey();

  const status = $('cf-token-status');
  setStatus(status, 'Exchanging the code…');
  try {
    const res = await withProof(discovery.token_endpoint, {
      method: 'POST',
      form: {
        grant_type: 'authorization_code',
        code: params.get('code'),
        redirect_uri: config.redirect_uri,
        client_id: config.client_id,
        code_verifier: request.verifier,
      },
    });
    if (res.status !== 200) {
      setStatus(status, `HTTP ${res.status} — ${describeError(res.body)}`, false);
      return;
    }
    tokens = { access_token: res.body.access_token, refresh_token: res.body.refresh_token, id_token: res.body.id_token };
    const id = decodeJwt(tokens.id_token).payload;
    const checks = [
      `token_type ${res.body.token_type}`,
      `ID token aud ${id.aud === config.client_id ? '✓' : '✗'}`,
      `nonce ${id.nonce === request.nonce ? '✓' : '✗'}`,
      `iss ${id.iss === discovery.issuer ? '✓' : '✗'}`,
    ];
    const good = res.body.token_type === 'DPoP' && id.aud === config.client_id && id.nonce === request.nonce
      && id.iss === discovery.issuer;
    // OIDC Core §3.1.3.7: an ID token received straight from the token endpoint over TLS may skip the signature check
    setStatus(status, `HTTP 200: ${checks.join(', ')}; access token, refresh token and ID token kept in script `
      + `variables only (expires_in ${res.body.expires_in} s).`, good);
    showTokens();
    setButtons();
  } catch (err) {
    setStatus(status, `The request failed: ${err.message}`, false);
  }
}

function meUrl() {
  return `${config.resource_url}/api/me`;
}

async function callMe() {
  const out = $('cf-me-result');
  out.textContent = `GET ${meUrl()} with Authorization: DPoP and a proof …`;
  out.className = 'result';
  try {
    const res = await withProof(meUrl(), { token: tokens.access_token });
    let extra = res.challenge ? `WWW-Authenticate: ${res.challenge}` : '';
    if (res.status === 401 && loggedOut) {
      extra += '\n\nThe token and the proof are both valid, but the session was revoked at logout.';
    }
    showResult(out, res.status, res.body, extra);
  } catch (err) {
    out.textContent = `The browser blocked the call (${err.message}).`;
    out.className = 'result bad';
  }
}

async function callAsBearer() {
  const out = $('cf-me-result');
  out.textContent = `GET ${meUrl()} with Authorization: Bearer (the copied token, no proof) …`;
  out.className = 'result';
  try {
    const res = await fetch(meUrl(), { headers: { Authorization: `Bearer ${tokens.access_token}` }, credentials: 'omit' });
    const body = await readJson(res);
    const challenge = res.headers.get('WWW-Authenticate');
    showResult(out, res.status, body, `${challenge ? `WWW-Authenticate: ${challenge}\n` : ''}\n`
      + (res.status === 401 ? 'Refused: the token carries cnf.jkt, so it is accepted only with a proof signed by that key —'
        + ' which never leaves this browser. A copied token is useless.' : ''));
  } catch (err) {
    out.textContent = `The browser blocked the call (${err.message}).`;
    out.className = 'result bad';
  }
}

async function callWithWrongUrl() {
  const out = $('cf-me-result');
  const other = `${config.resource_url}/api/admin/stats`;
  out.textContent = `GET ${meUrl()} with a proof whose htu is ${other} …`;
  out.className = 'result';
  try {
    const res = await withProof(meUrl(), { token: tokens.access_token, htu: other });
    showResult(out, res.status, res.body, `${res.challenge ? `WWW-Authenticate: ${res.challenge}\n` : ''}\n`
      + (res.status === 401 ? `Refused: the proof names ${other} (htu), not the URL called. A proof captured on its`
        + ' way to one endpoint opens no other, and its jti cannot be used twice.' : ''));
  } catch (err) {
    out.textContent = `The browser blocked the call (${err.message}).`;
    out.className = 'result bad';
  }
}

async function refresh() {
  const status = $('cf-refresh-status');
  setStatus(status, 'Refreshing…');
  try {
    const res = await withProof(discovery.token_endpoint, {
      method: 'POST',
      form: { grant_type: 'refresh_token', refresh_token: tokens.refresh_token, client_id: config.client_id },
    });
    if (res.status !== 200) {
      setStatus(status, `HTTP ${res.status} — ${describeError(res.body)}`, false);
      return;
    }
    const previous = tokens.access_token;
    tokens.access_token = res.body.access_token;
    tokens.refresh_token = res.body.refresh_token;
    showTokens();
    setStatus(status, `HTTP 200: token_type ${res.body.token_type}, a new access token`
      + `${tokens.access_token !== previous ? ' (different from the old one)' : ''} bound to the same key, and a new`
      + ' refresh token; the old one is used up.', res.body.token_type === 'DPoP');
  } catch (err) {
    setStatus(status, `The request failed: ${err.message}`, false);
  }
}

async function logout() {
  const status = $('cf-logout-status');
  setStatus(status, 'Logging out…');
  try {
    const revoke = await fetch(discovery.revocation_endpoint, {
      method: 'POST',
      headers: { 'Content-Type': FORM },
      body: new URLSearchParams({ token: tokens.refresh_token, token_type_hint: 'refresh_token', client_id: config.client_id }),
      credentials: 'omit',
    });
    // the sign-in session is a cookie of the auth origin (path /oauth2): this same-origin request sends it
    const end = await fetch(discovery.end_session_endpoint, {
      method: 'POST',
      headers: { 'Content-Type': FORM },
      body: new URLSearchParams({ client_id: config.client_id }),
      credentials: 'same-origin',
    });
    if (revoke.status !== 200 || end.status !== 200) {
      setStatus(status, `Revocation answered HTTP ${revoke.status}, sign-out HTTP ${end.status}.`, false);
      return;
    }
    loggedOut = true;
    setButtons();
    setStatus(status, 'HTTP 200 and HTTP 200: refresh token revoked (RFC 7009: its session and access tokens end) and'
      + ' signed out of the auth server (the next sign-in asks for the password). The page still holds the access'
      + ' token and the key — call /api/me with DPoP again to see it refused.', true);
  } catch (err) {
    setStatus(status, `The request failed: ${err.message}`, false);
  }
}

// ---- start ----

/** Why the code flow cannot run here, or null when it can (then the discovery document is loaded). */
async function problem(pageConfig) {
  if (!pageConfig) {
    return 'The code flow needs /demo/config.json, which could not be read.';
  }
  if (!pageConfig.code_flow) {
    return `The code flow needs the page's OAuth 2 client: start the server with DEMO_CLIENT=true (it registers the public`
      + ` client ${pageConfig.client_id}, redirect URI ${pageConfig.redirect_uri}).`;
  }
  if (new URL(pageConfig.redirect_uri).origin !== location.origin) {
    return `The code flow comes back to ${pageConfig.redirect_uri} (ISSUER + /demo/): open the page there to try it`
      + ` (this page is at ${location.origin}).`;
  }
  if (!window.isSecureContext || !window.crypto || !crypto.subtle || !window.indexedDB) {
    return 'The code flow needs WebCrypto and IndexedDB, which browsers give only to https pages and localhost.';
  }
  try {
    discovery = await (await fetch('/.well-known/openid-configuration')).json();
  } catch (err) {
    return `Could not read the discovery document: ${err.message}`;
  }
  return null;
}

/** Wires part 2 of the page; when the page is the redirect URI of a sign-in, completes it. */
export async function initCodeFlow(pageConfig) {
  config = pageConfig;
  $('cf-start').addEventListener('click', startSignIn);
  $('cf-call-me').addEventListener('click', callMe);
  $('cf-bearer').addEventListener('click', callAsBearer);
  $('cf-wrong-url').addEventListener('click', callWithWrongUrl);
  $('cf-refresh').addEventListener('click', refresh);
  $('cf-logout').addEventListener('click', logout);
  setButtons();

  const params = new URLSearchParams(location.search);
  const callback = params.has('code') || params.has('error');
  if (callback) {
    // the code must not stay in the address bar, the history or a bookmark
    history.replaceState(null, '', location.pathname);
  }
  const why = await problem(pageConfig);
  if (why) {
    $('cf-notice').textContent = why;
    $('cf-notice').hidden = false;
    if (callback && window.indexedDB) {
      await pending.take().catch(() => null);
    }
    return;
  }
  if (config.client_id) {
    $('cf-client').textContent = config.client_id;
  }
  $('cf-start').disabled = false;
  if (callback) {
    try {
      await completeSignIn(params);
    } catch (err) {
      setStatus($('cf-token-status'), `The sign-in could not be completed: ${err.message}`, false);
    }
  }
}
