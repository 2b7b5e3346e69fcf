// The demo page's script: no framework, no build step. The access token lives only in the
// variable below (never localStorage or sessionStorage); the refresh token lives only in the
// HttpOnly cookie, which this script cannot read and never sends by hand. Part 2 of the page, the
// code flow with PKCE and DPoP, is codeflow.js.

import { $, base64UrlDecode, describeError, readJson, setStatus } from './page.js';
import { initCodeFlow } from './codeflow.js';

let accessToken = null;
let loggedOut = false;
let resourceUrl = null;
let expiryTimer = null;

const CLAIMS = {
  iss: 'issuer: who signed the token (the auth server)',
  sub: 'subject: the user id',
  aud: 'audience: which servers should accept it',
  exp: 'expires at (seconds since 1970): after this it is worthless',
  iat: 'issued at',
  jti: 'token id: lets one token be revoked',
  sid: 'session id: logout revokes every token of this login',
  roles: 'what the user may do, checked by the resource server',
  username: 'shown for convenience',
  client_id: 'the OAuth 2 client that asked for the token',
};

function when(seconds) {
  return new Date(seconds * 1000).toLocaleTimeString();
}

/** Shows the token's three parts in colour, its decoded header and payload, and what each claim means. */
function showToken(token) {
  const [header, payload, signature] = token.split('.');
  const tokenEl = $('token');
  tokenEl.replaceChildren();
  [[header, 'part-header'], [payload, 'part-payload'], [signature, 'part-signature']].forEach(([text, cls], i) => {
    if (i > 0) {
      const dot = document.createElement('span');
      dot.className = 'dot';
      dot.textContent = '.';
      tokenEl.append(dot);
    }
    const span = document.createElement('span');
    span.className = cls;
    span.textContent = text;
    tokenEl.append(span);
  });

  const claims = JSON.parse(base64UrlDecode(payload));
  $('header').textContent = JSON.stringify(JSON.parse(base64UrlDecode(header)), null, 2);
  $('payload').textContent = JSON.stringify(claims, null, 2);

  const list = $('claims');
  list.replaceChildren();
  for (const [name, meaning] of Object.entries(CLAIMS)) {
    if (!(name in claims)) {
      continue;
    }
    const dt = document.createElement('dt');
    dt.textContent = name;
    const dd = document.createElement('dd');
    dd.textContent = name === 'exp' || name === 'iat' ? `${meaning} — ${when(claims[name])}` : meaning;
    list.append(dt, dd);
  }

  clearInterval(expiryTimer);
  const tick = () => {
    const left = claims.exp - Math.floor(Date.now() / 1000);
    setStatus($('expiry'), left > 0
      ? `Expires at ${when(claims.exp)} (in ${Math.floor(left / 60)} min ${left % 60} s). No server remembers it: the expiry is inside the token.`
      : 'Expired: the resource server now rejects it. Refresh to get a new one.', left > 0);
  };
  tick();
  expiryTimer = setInterval(tick, 1000);
}

function setButtons() {
  $('call-me').disabled = accessToken === null;
  $('refresh').disabled = accessToken === null || loggedOut;
  $('logout').disabled = accessToken === null || loggedOut;
}

async function login(event) {
  event.preventDefault();
  const status = $('login-status');
  setStatus(status, 'Logging in…');
  try {
    const res = await fetch('/auth/login', {
      method: 'POST',
      headers: { 'Content-Type': 'application/json' },
      body: JSON.stringify({ username: $('username').value, password: $('password').value, refresh_cookie: true }),
    });
    const body = await readJson(res);
    if (!res.ok) {
      setStatus(status, `HTTP ${res.status} — ${describeError(body)}`, false);
      return;
    }
    accessToken = body.access_token;
    loggedOut = false;
    $('password').value = '';
    setStatus(status, `HTTP ${res.status}: access token received (expires_in ${body.expires_in} s); `
      + 'the refresh token went into an HttpOnly cookie — the response body has none.', true);
    setStatus($('logout-status'), '');
    showToken(accessToken);
    setButtons();
  } catch (err) {
    setStatus(status, `The request failed: ${err.message}`, false);
  }
}

async function callMe() {
  const out = $('me-result');
  out.textContent = `GET ${resourceUrl}/api/me …`;
  out.className = 'result';
  try {
    const res = await fetch(`${resourceUrl}/api/me`, {
      headers: { Authorization: `Bearer ${accessToken}` },
      credentials: 'omit',
    });
    const body = await readJson(res);
    const challenge = res.headers.get('WWW-Authenticate');
    let text = `HTTP ${res.status}\n${JSON.stringify(body, null, 2)}`;
    if (challenge) {
      text += `\nWWW-Authenticate: ${challenge}`;
    }
    if (res.status === 401 && loggedOut) {
      text += '\n\nThe token still has a valid signature and has not expired, but its session was revoked at logout.';
    }
    out.textContent = text;
    out.classList.add(res.ok ? 'ok' : 'bad');
  } catch (err) {
    out.textContent = `The browser blocked the call (${err.message}). Is this page's origin, ${location.origin}, `
      + 'in CORS_ALLOWED_ORIGINS of the server?';
    out.classList.add('bad');
  }
}

async function refresh() {
  const status = $('refresh-status');
  setStatus(status, 'Refreshing…');
  try {
    // No body and no token: the browser adds the HttpOnly refresh cookie (Path=/auth) by itself.
    const res = await fetch('/auth/refresh', { method: 'POST' });
    const body = await readJson(res);
    if (!res.ok) {
      setStatus(status, `HTTP ${res.status} — ${describeError(body)}`, false);
      return;
    }
    const previous = accessToken;
    accessToken = body.access_token;
    showToken(accessToken);
    setStatus(status, `HTTP ${res.status}: a new access token${accessToken !== previous ? ' (different from the old one)' : ''}`
      + ' and a new refresh cookie; the old refresh token is used up.', true);
  } catch (err) {
    setStatus(status, `The request failed: ${err.message}`, false);
  }
}

async function logout() {
  const status = $('logout-status');
  setStatus(status, 'Logging out…');
  try {
    const res = await fetch('/auth/logout', { method: 'POST', headers: { Authorization: `Bearer ${accessToken}` } });
    if (res.status !== 204) {
      setStatus(status, `HTTP ${res.status} — ${describeError(await readJson(res))}`, false);
      return;
    }
    loggedOut = true;
    setStatus(status, 'HTTP 204: session revoked and refresh cookie expired. The page still holds the old access '
      + 'token — call /api/me again to see the resource server reject it.', true);
    setButtons();
  } catch (err) {
    setStatus(status, `The request failed: ${err.message}`, false);
  }
}

async function init() {
  $('login-form').addEventListener('submit', login);
  $('call-me').addEventListener('click', callMe);
  $('refresh').addEventListener('click', refresh);
  $('logout').addEventListener('click', logout);
  setButtons();

  const notes = [];
  let config = null;
  try {
    config = await (await fetch('/demo/config.json')).json();
    resourceUrl = config.resource_url;
    $('resource-url').textContent = resourceUrl;
    if (!config.cors_allowed) {
      notes.push(`This page's origin, ${location.origin}, is not in the server's CORS_ALLOWED_ORIGINS, so the browser `
        + 'will refuse the calls to the resource server. Open the page at an allowed origin (by default '
        + 'http://localhost:8080/demo) or add this one to the setting.');
    }
  } catch (err) {
    notes.push(`Could not read /demo/config.json: ${err.message}`);
  }
  if (!window.isSecureContext) {
    notes.push('This page is not served over HTTPS or from localhost, so the browser will drop the Secure refresh '
      + 'cookie and refresh will fail. Use https (TLS_CERT_FILE/TLS_KEY_FILE) or localhost.');
  }
  if (notes.length > 0) {
    $('notice').textContent = notes.join(' ');
    $('notice').hidden = false;
  }
  await initCodeFlow(config);
}

init();
