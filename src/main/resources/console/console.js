// The admin console's script: no framework, no build step. The access token lives only in the
// variable below (never localStorage or sessionStorage); the refresh token lives only in the
// HttpOnly cookie asked for at sign-in, which this script cannot read. Every value from the server
// reaches the page as text (textContent, Text nodes), never as HTML.

let accessToken = null;
let me = null;
let mfaToken = null;
let refreshing = null;
/** What this server offers beyond the base API, read from its OpenAPI document (null: unknown). */
const features = { adminMfaReset: null, adminMfaParam: 'username', totp: null };
const users = { offset: 0, limit: 20, total: 0, selected: null };
const audit = { query: null, lastId: null };

const $ = (id) => document.getElementById(id);

/** An element with properties and children; strings become Text nodes, so data never becomes markup. */
function el(tag, props = {}, ...children) {
  const e = document.createElement(tag);
  for (const [key, value] of Object.entries(props)) {
    if (value === undefined || value === null) {
      continue;
    }
    if (key === 'class') {
      e.className = value;
    } else if (key === 'text') {
      e.textContent = value;
    } else if (key.startsWith('on')) {
      e.addEventListener(key.slice(2), value);
    } else {
      e.setAttribute(key, value);
    }
  }
  e.append(...children.filter((c) => c !== null && c !== undefined));
  return e;
}

function setStatus(text, ok) {
  const s = $('status');
  s.textContent = text;
  s.classList.toggle('ok', ok === true);
  s.classList.toggle('bad', ok === false);
}

class ApiError extends Error {
  constructor(status, code, description) {
    super(status ? `HTTP ${status} — ${code}${description ? `: ${description}` : ''}` : `${code}: ${description}`);
    this.status = status;
    this.code = code;
    this.description = description;
  }

  static of(status, body) {
    if (body && typeof body === 'object' && body.error) {
      return new ApiError(status, body.error, body.error_description || '');
    }
    return new ApiError(status, 'error', typeof body === 'string' ? body.slice(0, 200) : '');
  }

  /** A 404 from the router itself: the route does not exist on this server (not "no such user"). */
  get noSuchRoute() {
    return this.status === 404 && this.description === 'No such resource.';
  }
}

async function readJson(res) {
  const text = await res.text();
  if (!text) {
    return null;
  }
  try {
    return JSON.parse(text);
  } catch {
    return text;
  }
}

function failed(err) {
  setStatus(err instanceof ApiError ? err.message : `The request failed: ${err.message}`, false);
}

/** Runs an action: its error text, whatever it is, goes to the status line. */
function action(fn) {
  return async (event) => {
    if (event && event.preventDefault && event.type === 'submit') {
      event.preventDefault();
    }
    try {
      await fn(event);
    } catch (err) {
      failed(err);
    }
  };
}

function base64UrlDecode(part) {
  const b64 = part.replace(/-/g, '+').replace(/_/g, '/') + '==='.slice((part.length + 3) % 4);
  const bytes = Uint8Array.from(atob(b64), (c) => c.charCodeAt(0));
  return new TextDecoder().decode(bytes);
}

function pad(n) {
  return String(n).padStart(2, '0');
}

/** Local time as YYYY-MM-DD HH:MM:SS. */
function formatDate(date) {
  if (!(date instanceof Date) || Number.isNaN(date.getTime())) {
    return '—';
  }
  return `${date.getFullYear()}-${pad(date.getMonth() + 1)}-${pad(date.getDate())} `
    + `${pad(date.getHours())}:${pad(date.getMinutes())}:${pad(date.getSeconds())}`;
}

function fromEpoch(seconds) {
  return seconds ? formatDate(new Date(seconds * 1000)) : '—';
}

function list(text, separators = /,/) {
  return text.split(separators).map((s) => s.trim()).filter((s) => s.length > 0);
}

function seg(value) {
  return encodeURIComponent(value);
}

// --- HTTP ------------------------------------------------------------------------------------

/** Gets a new access token with the HttpOnly refresh cookie; one refresh at a time (the cookie rotates). */
function refreshToken() {
  if (!refreshing) {
    refreshing = (async () => {
      try {
        const res = await fetch('/auth/refresh', { method: 'POST', credentials: 'same-origin' });
        const body = await readJson(res);
        if (!res.ok || !body || !body.access_token) {
          return false;
        }
        accessToken = body.access_token;
        return true;
      } catch {
        return false;
      } finally {
        refreshing = null;
      }
    })();
  }
  return refreshing;
}

/** Calls this origin's API with the access token; an expired token is refreshed once. Throws ApiError. */
async function api(method, path, body, retry = true) {
  const headers = {};
  if (accessToken) {
    headers.Authorization = `Bearer ${accessToken}`;
  }
  const init = { method, headers, credentials: 'same-origin' };
  if (body !== undefined) {
    headers['Content-Type'] = 'application/json';
    init.body = JSON.stringify(body);
  }
  let res;
  try {
    res = await fetch(path, init);
  } catch (err) {
    throw new ApiError(0, 'network_error', err.message);
  }
  const data = await readJson(res);
  if (res.status === 401 && data && data.error === 'invalid_token' && retry && accessToken) {
    if (await refreshToken()) {
      return api(method, path, body, false);
    }
    signedOut();
    throw new ApiError(401, 'invalid_token', 'Your session has ended; sign in again.');
  }
  if (!res.ok) {
    throw ApiError.of(res.status, data);
  }
  return data;
}

// --- sign-in ---------------------------------------------------------------------------------

async function login(body) {
  const res = await fetch('/auth/login', {
    method: 'POST',
    headers: { 'Content-Type': 'application/json' },
    credentials: 'same-origin',
    body: JSON.stringify({ ...body, refresh_cookie: true }),
  });
  return { res, body: await readJson(res) };
}

async function signIn(event) {
  event.preventDefault();
  setStatus('Signing in…');
  try {
    const { res, body } = await login({ username: $('signin-username').value, password: $('signin-password').value });
    $('signin-password').value = '';
    if (res.ok) {
      await signedIn(body.access_token);
      return;
    }
    if (body && body.error === 'mfa_required' && body.mfa_token) {
      mfaToken = body.mfa_token;
      $('signin-form').hidden = true;
      $('mfa-form').hidden = false;
      $('mfa-code').focus();
      setStatus('Password accepted. Enter your second factor.', true);
      return;
    }
    if (body && body.error === 'mfa_enrollment_required' && body.mfa_token) {
      await enrolAtSignIn(body.mfa_token);
      return;
    }
    failed(ApiError.of(res.status, body));
  } catch (err) {
    failed(err);
  }
}

async function secondFactor(event) {
  event.preventDefault();
  const code = $('mfa-code').value.trim();
  setStatus('Checking the code…');
  try {
    const step = /^\d{6,8}$/.test(code) ? { code } : { recovery_code: code };
    const { res, body } = await login({ mfa_token: mfaToken, ...step });
    $('mfa-code').value = '';
    if (!res.ok) {
      failed(ApiError.of(res.status, body));
      return;
    }
    mfaToken = null;
    $('mfa-form').hidden = true;
    $('signin-form').hidden = false;
    await signedIn(body.access_token);
  } catch (err) {
    failed(err);
  }
}

function cancelSecondFactor() {
  mfaToken = null;
  $('mfa-form').hidden = true;
  $('enrol-signin').hidden = true;
  $('signin-form').hidden = false;
  setStatus('');
}

/**
 * A role that requires two-factor sign-in, on an account without it: the login's mfa_token (no
 * bearer token yet) starts the enrolment, and its confirmation signs in.
 */
async function enrolAtSignIn(token) {
  mfaToken = token;
  const body = await api('POST', '/account/mfa/totp', { mfa_token: token });
  showEnrolment(body, 'enrol');
  $('signin-form').hidden = true;
  $('enrol-signin').hidden = false;
  $('enrol-code').focus();
  setStatus('Password accepted. This account must set up two-factor sign-in first.', true);
}

async function confirmAtSignIn() {
  const body = await api('POST', '/account/mfa/totp/confirm', { mfa_token: mfaToken, code: $('enrol-code').value.trim() });
  $('enrol-code').value = '';
  mfaToken = null;
  clearEnrolment('enrol');
  $('enrol-signin').hidden = true;
  $('signin-form').hidden = false;
  // the answer's refresh token (if any) is not kept: this page holds no refresh token in script
  await signedIn(body.access_token, 'account');
  showRecoveryCodes(body);
  setStatus('Two-factor sign-in is on and you are signed in. Store the recovery codes shown under My account.', true);
}

async function signedIn(token, tab) {
  accessToken = token;
  const claims = JSON.parse(base64UrlDecode(token.split('.')[1]));
  me = { sub: claims.sub, username: claims.username || claims.sub, roles: claims.roles || [] };
  $('whoami-name').textContent = me.username;
  $('whoami-roles').textContent = me.roles.length ? `(${me.roles.join(', ')})` : '';
  $('whoami').hidden = false;
  $('signin').hidden = true;
  $('app').hidden = false;
  await detectFeatures();
  if (me.roles.includes('admin')) {
    setStatus(`Signed in as ${me.username}.`, true);
    showTab(tab || 'users');
  } else {
    setStatus(`Signed in as ${me.username}, without the admin role: only My account works.`, false);
    showTab('account');
  }
}

function signedOut(message) {
  accessToken = null;
  me = null;
  users.selected = null;
  $('app').hidden = true;
  $('whoami').hidden = true;
  $('signin').hidden = false;
  $('signin-form').hidden = false;
  $('mfa-form').hidden = true;
  $('enrol-signin').hidden = true;
  clearEnrolment('enrol');
  clearEnrolment('mfa');
  for (const id of ['user-detail', 'user-reset-result', 'client-secret-result', 'mfa-setup', 'mfa-recovery']) {
    $(id).hidden = true;
  }
  for (const id of ['user-reset-token', 'client-secret', 'mfa-recovery-codes']) {
    $(id).replaceChildren();
  }
  if (message) {
    setStatus(message, false);
  }
}

async function signOut() {
  try {
    // the refresh cookie (Path=/auth) goes along, so its session ends and the cookie expires
    await api('POST', '/auth/logout', undefined, false);
    signedOut();
    setStatus('Signed out.', true);
  } catch (err) {
    signedOut();
    failed(err);
  }
}

/** Reads the OpenAPI document: is there an admin 2FA reset, and self-service TOTP enrolment? */
async function detectFeatures() {
  try {
    const res = await fetch('/.well-known/openapi.json', { credentials: 'omit' });
    const doc = await res.json();
    const paths = Object.keys(doc.paths || {});
    const reset = paths.find((p) => /^\/admin\/users\/\{[^}/]+\}\/mfa$/.test(p));
    features.adminMfaReset = Boolean(reset && doc.paths[reset].delete);
    if (reset) {
      const param = reset.match(/\{([^}]+)\}/)[1];
      features.adminMfaParam = param === 'username' ? 'username' : 'id';
    }
    features.totp = paths.includes('/account/mfa/totp');
  } catch {
    features.adminMfaReset = null;
    features.totp = null;
  }
}

// --- tabs ------------------------------------------------------------------------------------

const LOADERS = {
  users: () => loadUsers(),
  clients: () => loadClients(),
  keys: () => loadKeys(),
  audit: () => (audit.query ? loadAudit(audit.query) : searchAudit()),
  account: () => loadAccount(),
};

function showTab(name) {
  for (const tab of document.querySelectorAll('.tab')) {
    tab.setAttribute('aria-selected', String(tab.dataset.tab === name));
  }
  for (const panel of document.querySelectorAll('.panel')) {
    panel.hidden = panel.id !== `tab-${name}`;
  }
  action(LOADERS[name])();
}

function emptyRow(tbody, columns, text) {
  tbody.replaceChildren(el('tr', {}, el('td', { class: 'empty', colspan: String(columns), text })));
}

function stateCell(disabled) {
  return el('td', { class: disabled ? 'state-disabled' : 'state-enabled', text: disabled ? 'disabled' : 'enabled' });
}

// --- users -----------------------------------------------------------------------------------

async function loadUsers() {
  users.limit = Number($('users-limit').value);
  const q = $('users-q').value.trim();
  const query = new URLSearchParams({ limit: String(users.limit), offset: String(users.offset) });
  if (q) {
    query.set('q', q);
  }
  const page = await api('GET', `/admin/users?${query}`);
  users.total = page.total;
  const tbody = $('users-table').tBodies[0];
  if (page.users.length === 0) {
    emptyRow(tbody, 4, 'No users match.');
  } else {
    tbody.replaceChildren(...page.users.map((u) => el('tr', {
      class: `selectable${u.username === users.selected ? ' selected' : ''}`,
      'data-username': u.username,
      onclick: action(() => openUser(u.username)),
    }, el('td', { class: 'username', text: u.username }), el('td', { class: 'roles', text: u.roles.join(', ') }),
    stateCell(u.disabled), el('td', { text: fromEpoch(u.created_at) }))));
  }
  const first = page.total === 0 ? 0 : users.offset + 1;
  $('users-page').textContent = `${first}–${users.offset + page.users.length} of ${page.total}`;
  $('users-prev').disabled = users.offset === 0;
  $('users-next').disabled = users.offset + page.users.length >= page.total;
}

async function openUser(username) {
  const u = await api('GET', `/admin/users/${seg(username)}`);
  users.selected = u.username;
  users.current = u;
  for (const row of $('users-table').tBodies[0].rows) {
    row.classList.toggle('selected', row.dataset.username === u.username);
  }
  $('user-name').textContent = u.username;
  $('user-id').textContent = u.id;
  $('user-roles').textContent = u.roles.length ? u.roles.join(', ') : '(none)';
  $('user-state').textContent = u.disabled ? 'disabled' : 'enabled';
  $('user-state').className = u.disabled ? 'state-disabled' : 'state-enabled';
  $('user-created').textContent = fromEpoch(u.created_at);
  $('user-roles-input').value = u.roles.join(', ');
  $('user-toggle').textContent = u.disabled ? 'Enable' : 'Disable';
  $('user-toggle').className = u.disabled ? '' : 'danger';
  $('user-mfa-reset').hidden = features.adminMfaReset === false;
  $('user-reset-result').hidden = true;
  $('user-reset-token').textContent = '';
  $('user-detail').hidden = false;
  await loadSessions();
}

async function reloadUser() {
  await loadUsers();
  if (users.selected) {
    await openUser(users.selected);
  }
}

async function createUser() {
  const username = $('new-username').value.trim();
  const created = await api('POST', '/admin/users', {
    username, password: $('new-password').value, roles: list($('new-roles').value),
  });
  $('new-password').value = '';
  $('new-username').value = '';
  setStatus(`User ${created.username} created with roles ${created.roles.join(', ') || '(none)'}.`, true);
  users.selected = created.username;
  await loadUsers();
  await openUser(created.username);
}

async function saveRoles() {
  const roles = list($('user-roles-input').value);
  const u = await api('PATCH', `/admin/users/${seg(users.selected)}`, { roles });
  setStatus(`Roles of ${u.username} set to ${u.roles.join(', ') || '(none)'}.`, true);
  await reloadUser();
}

async function toggleUser() {
  const u = users.current;
  const verb = u.disabled ? 'enable' : 'disable';
  await api('POST', `/admin/users/${seg(u.username)}/${verb}`);
  setStatus(u.disabled ? `User ${u.username} enabled.` : `User ${u.username} disabled; their sessions and tokens ended.`, true);
  await reloadUser();
}

async function unlockUser() {
  const u = users.current;
  await api('POST', `/admin/users/${seg(u.username)}/unlock`);
  setStatus(`Lockouts of ${u.username} lifted at every address.`, true);
}

async function resetPassword() {
  const u = users.current;
  if (!window.confirm(`Reset the password of ${u.username}? Their password stops working and their sessions end.`)) {
    return;
  }
  const reset = await api('POST', `/admin/users/${seg(u.username)}/password-reset`);
  $('user-reset-token').textContent = reset.reset_token;
  $('user-reset-ttl').textContent = `${Math.round(reset.expires_in / 3600)} h`;
  $('user-reset-result').hidden = false;
  setStatus(`Password of ${u.username} reset; the one-time token is shown below.`, true);
  await loadSessions();
}

async function resetMfa() {
  const u = users.current;
  if (!window.confirm(`Remove the second factor of ${u.username}? They sign in with their password alone until they enrol again.`)) {
    return;
  }
  const target = features.adminMfaParam === 'id' ? u.id : u.username;
  try {
    await api('DELETE', `/admin/users/${seg(target)}/mfa`);
    setStatus(`Two-factor sign-in of ${u.username} reset.`, true);
  } catch (err) {
    if (err instanceof ApiError && err.noSuchRoute) {
      features.adminMfaReset = false;
      $('user-mfa-reset').hidden = true;
      setStatus('This server cannot reset two-factor sign-in (no such endpoint); the button is hidden.', false);
      return;
    }
    throw err;
  }
}

async function deleteUser() {
  const u = users.current;
  if (!window.confirm(`Delete the user ${u.username}? This cannot be undone.`)) {
    return;
  }
  await api('DELETE', `/admin/users/${seg(u.username)}`);
  setStatus(`User ${u.username} deleted.`, true);
  users.selected = null;
  $('user-detail').hidden = true;
  await loadUsers();
}

async function loadSessions() {
  const u = users.current;
  const { sessions } = await api('GET', `/admin/users/${seg(u.username)}/sessions`);
  const tbody = $('user-sessions').tBodies[0];
  if (sessions.length === 0) {
    emptyRow(tbody, 5, 'No live sessions.');
    return;
  }
  tbody.replaceChildren(...sessions.map((s) => el('tr', {},
    el('td', { class: 'mono', text: s.sid }), el('td', { text: fromEpoch(s.created_at) }),
    el('td', { text: fromEpoch(s.last_used_at) }), el('td', { text: s.client_id || '—' }),
    el('td', { class: 'buttons' }, el('button', {
      type: 'button', class: 'small danger', text: 'End',
      onclick: action(async () => {
        await api('DELETE', `/admin/users/${seg(u.username)}/sessions/${seg(s.sid)}`);
        setStatus(`Session ${s.sid} of ${u.username} ended.`, true);
        await loadSessions();
      }),
    })))));
}

async function endAllSessions() {
  const u = users.current;
  await api('DELETE', `/admin/users/${seg(u.username)}/sessions`);
  setStatus(`Every session of ${u.username} ended; their access tokens are refused from now on.`, true);
  await loadSessions();
}

// --- clients ---------------------------------------------------------------------------------

function showSecret(clientId, secret) {
  $('client-secret-id').textContent = clientId;
  $('client-secret').textContent = secret;
  $('client-secret-result').hidden = false;
}

async function loadClients() {
  const { clients } = await api('GET', '/admin/clients');
  const tbody = $('clients-table').tBodies[0];
  if (clients.length === 0) {
    emptyRow(tbody, 6, 'No clients registered.');
    return;
  }
  tbody.replaceChildren(...clients.map((c) => el('tr', { 'data-client': c.client_id },
    el('td', { class: 'mono', text: c.client_id }), el('td', { text: c.roles.join(', ') }),
    el('td', { text: c.scopes.join(' ') }), stateCell(c.disabled), el('td', { text: fromEpoch(c.created_at) }),
    el('td', { class: 'buttons' },
      el('button', {
        type: 'button', class: 'small', text: c.disabled ? 'Enable' : 'Disable',
        onclick: action(async () => {
          await api('POST', `/admin/clients/${seg(c.client_id)}/${c.disabled ? 'enable' : 'disable'}`);
          setStatus(c.disabled ? `Client ${c.client_id} enabled.`
            : `Client ${c.client_id} disabled; every token issued to it is revoked.`, true);
          await loadClients();
        }),
      }),
      el('button', {
        type: 'button', class: 'small secondary', text: 'New secret',
        onclick: action(async () => {
          if (!window.confirm(`Give ${c.client_id} a new secret? The current one stops working at once.`)) {
            return;
          }
          const rotated = await api('POST', `/admin/clients/${seg(c.client_id)}/secret`);
          showSecret(rotated.client_id, rotated.client_secret);
          setStatus(`New secret for ${c.client_id}; the old one no longer works.`, true);
        }),
      }),
      el('button', {
        type: 'button', class: 'small danger', text: 'Delete',
        onclick: action(async () => {
          if (!window.confirm(`Delete the client ${c.client_id}? Its tokens are revoked.`)) {
            return;
          }
          await api('DELETE', `/admin/clients/${seg(c.client_id)}`);
          setStatus(`Client ${c.client_id} deleted.`, true);
          await loadClients();
        }),
      })))));
}

async function createClient() {
  const created = await api('POST', '/admin/clients', {
    client_id: $('new-client-id').value.trim(),
    roles: list($('new-client-roles').value),
    scopes: list($('new-client-scopes').value, /[\s,]+/),
  });
  $('new-client-id').value = '';
  showSecret(created.client_id, created.client_secret);
  setStatus(`Client ${created.client_id} registered; its secret is shown below, once.`, true);
  await loadClients();
}

// --- keys ------------------------------------------------------------------------------------

async function loadKeys() {
  const { keys } = await api('GET', '/admin/keys');
  const tbody = $('keys-table').tBodies[0];
  tbody.replaceChildren(...keys.slice().reverse().map((k) => el('tr', {},
    el('td', { class: 'mono', text: k.kid }), el('td', { text: k.alg }), el('td', { text: fromEpoch(k.created) }),
    el('td', k.active ? { class: 'state-active', text: 'active: signs new tokens' }
      : { text: `published, verifies older tokens; leaves the JWKS at ${fromEpoch(k.retires_at)}` }))));
}

async function rotateKey() {
  if (!window.confirm('Make a new signing key now? Tokens signed by the current key stay valid until they expire.')) {
    return;
  }
  const { kid } = await api('POST', '/admin/keys/rotate');
  setStatus(`Key ${kid} is active and signs new tokens.`, true);
  await loadKeys();
}

// --- audit -----------------------------------------------------------------------------------

function isoOrNull(localValue) {
  if (!localValue) {
    return null;
  }
  const d = new Date(localValue);
  return Number.isNaN(d.getTime()) ? null : d.toISOString();
}

function searchAudit() {
  const query = new URLSearchParams({ limit: $('audit-limit').value });
  const fields = {
    event: $('audit-event').value.trim(),
    username: $('audit-username').value.trim(),
    client_id: $('audit-client').value.trim(),
    since: isoOrNull($('audit-since').value),
    until: isoOrNull($('audit-until').value),
  };
  for (const [name, value] of Object.entries(fields)) {
    if (value) {
      query.set(name, value);
    }
  }
  audit.query = query;
  return loadAudit(query);
}

async function loadAudit(query, before) {
  const q = new URLSearchParams(query);
  if (before) {
    q.set('before', String(before));
  }
  const { events } = await api('GET', `/admin/audit?${q}`);
  const tbody = $('audit-table').tBodies[0];
  if (events.length === 0) {
    emptyRow(tbody, 7, before ? 'No older events.' : 'No events match.');
  } else {
    tbody.replaceChildren(...events.map((e) => el('tr', { 'data-id': String(e.id) },
      el('td', { text: String(e.id) }), el('td', { class: 'at', text: formatDate(new Date(e.at)) }),
      el('td', { class: 'event', text: e.event }), el('td', { class: 'user', text: e.username || '—' }),
      el('td', { class: 'client', text: e.client_id || '—' }), el('td', { text: e.address || '—' }),
      el('td', { class: 'details', text: e.details && Object.keys(e.details).length ? JSON.stringify(e.details) : '' }))));
  }
  audit.lastId = events.length ? events[events.length - 1].id : null;
  $('audit-older').disabled = events.length < Number(q.get('limit'));
  setStatus(`${events.length} audit event${events.length === 1 ? '' : 's'}${before ? ' (older page)' : ''}.`, true);
}

// --- my account and two-factor sign-in -------------------------------------------------------

async function loadAccount() {
  const account = await api('GET', '/account');
  $('me-name').textContent = account.username;
  $('me-id').textContent = account.id;
  $('me-roles').textContent = account.roles.join(', ') || '(none)';
  const tbody = $('me-sessions').tBodies[0];
  if (!account.sessions || account.sessions.length === 0) {
    emptyRow(tbody, 4, 'No live sessions.');
  } else {
    tbody.replaceChildren(...account.sessions.map((s) => el('tr', {},
      el('td', { class: 'mono', text: `${s.sid}${s.current ? ' (this one)' : ''}` }),
      el('td', { text: fromEpoch(s.created_at) }), el('td', { text: fromEpoch(s.last_used_at) }),
      el('td', { class: 'buttons' }, s.current ? null : el('button', {
        type: 'button', class: 'small danger', text: 'End',
        onclick: action(async () => {
          await api('DELETE', `/account/sessions/${seg(s.sid)}`);
          setStatus(`Session ${s.sid} ended.`, true);
          await loadAccount();
        }),
      })))));
  }
  showMfaState(account.mfa);
}

function showMfaState(mfa) {
  if (features.totp === false) {
    $('mfa-unavailable').hidden = false;
    $('mfa-enrol').hidden = true;
    $('mfa-state').textContent = '';
    return;
  }
  $('mfa-unavailable').hidden = true;
  $('mfa-enrol').hidden = false;
  const on = Boolean(mfa && mfa.totp);
  const left = mfa && Number.isInteger(mfa.recovery_codes_left) ? ` ${mfa.recovery_codes_left} recovery codes left.` : '';
  $('mfa-state').textContent = on ? `On: signing in asks for a code from your authenticator app.${left}`
    : 'Off: signing in needs your password only.';
  $('mfa-start').hidden = on;
  $('mfa-remove').hidden = !on;
}

function showEnrolment(body, prefix) {
  $(`${prefix}-uri`).textContent = body.otpauth_uri || body.uri || '';
  $(`${prefix}-secret`).textContent = body.secret || '';
  const qr = qrImage(body);
  if (qr) {
    $(`${prefix}-qr`).src = qr;
    $(`${prefix}-qr`).hidden = false;
  } else {
    $(`${prefix}-qr`).removeAttribute('src');
    $(`${prefix}-qr`).hidden = true;
  }
}

function clearEnrolment(prefix) {
  $(`${prefix}-uri`).textContent = '';
  $(`${prefix}-secret`).textContent = '';
  $(`${prefix}-qr`).removeAttribute('src');
}

function showRecoveryCodes(body) {
  const codes = (body && (body.recovery_codes || body.codes)) || [];
  $('mfa-recovery-codes').replaceChildren(...codes.map((c) => el('li', { text: String(c) })));
  $('mfa-recovery').hidden = codes.length === 0;
}

async function removeMfa() {
  const code = $('mfa-remove-code').value.trim();
  const step = /^\d{6,8}$/.test(code) ? { code } : { recovery_code: code };
  await api('DELETE', '/account/mfa/totp', { password: $('mfa-remove-password').value, ...step });
  $('mfa-remove-password').value = '';
  $('mfa-remove-code').value = '';
  $('mfa-recovery').hidden = true;
  setStatus('Two-factor sign-in is off.', true);
  await loadAccount();
}

/** The QR code image of an enrolment response: a data: image URI, whatever the field is named. */
function qrImage(body) {
  const named = [body.qr_code, body.qr, body.qr_data_uri, body.qr_image, body.qr_code_data_uri];
  const any = named.concat(Object.values(body)).find((v) => typeof v === 'string' && /^data:image\/(png|gif|svg\+xml)[;,]/.test(v));
  return any || null;
}

async function startEnrolment() {
  let body;
  try {
    body = await api('POST', '/account/mfa/totp', {});
  } catch (err) {
    if (err instanceof ApiError && err.noSuchRoute) {
      features.totp = false;
      showMfaState(null);
      setStatus('This server does not offer two-factor sign-in.', false);
      return;
    }
    throw err;
  }
  showEnrolment(body, 'mfa');
  $('mfa-setup').hidden = false;
  $('mfa-recovery').hidden = true;
  $('mfa-confirm-code').focus();
  setStatus('Scan the code, then confirm with the first code the app shows.', true);
}

async function confirmEnrolment() {
  const code = $('mfa-confirm-code').value.trim();
  const body = await api('POST', '/account/mfa/totp/confirm', { code });
  $('mfa-confirm-code').value = '';
  $('mfa-setup').hidden = true;
  clearEnrolment('mfa');
  showRecoveryCodes(body);
  setStatus('Two-factor sign-in is on. Store the recovery codes now: they are not shown again.', true);
  showMfaState({ totp: true, recovery_codes_left: (body.recovery_codes || []).length });
}

// --- start -----------------------------------------------------------------------------------

function init() {
  $('signin-form').addEventListener('submit', signIn);
  $('mfa-form').addEventListener('submit', secondFactor);
  $('mfa-cancel').addEventListener('click', cancelSecondFactor);
  $('signout').addEventListener('click', signOut);
  for (const tab of document.querySelectorAll('.tab')) {
    tab.addEventListener('click', () => showTab(tab.dataset.tab));
  }

  $('users-filter').addEventListener('submit', action(() => {
    users.offset = 0;
    return loadUsers();
  }));
  $('users-prev').addEventListener('click', action(() => {
    users.offset = Math.max(0, users.offset - users.limit);
    return loadUsers();
  }));
  $('users-next').addEventListener('click', action(() => {
    users.offset += users.limit;
    return loadUsers();
  }));
  $('user-create').addEventListener('submit', action(createUser));
  $('user-roles-form').addEventListener('submit', action(saveRoles));
  $('user-toggle').addEventListener('click', action(toggleUser));
  $('user-unlock').addEventListener('click', action(unlockUser));
  $('user-reset').addEventListener('click', action(resetPassword));
  $('user-mfa-reset').addEventListener('click', action(resetMfa));
  $('user-delete').addEventListener('click', action(deleteUser));
  $('user-sessions-refresh').addEventListener('click', action(loadSessions));
  $('user-sessions-end').addEventListener('click', action(endAllSessions));

  $('client-create').addEventListener('submit', action(createClient));
  $('keys-reload').addEventListener('click', action(loadKeys));
  $('keys-rotate').addEventListener('click', action(rotateKey));

  $('audit-filter').addEventListener('submit', action(searchAudit));
  $('audit-older').addEventListener('click', action(() => loadAudit(audit.query, audit.lastId)));

  $('mfa-start').addEventListener('click', action(startEnrolment));
  $('mfa-confirm').addEventListener('submit', action(confirmEnrolment));
  $('mfa-remove').addEventListener('submit', action(removeMfa));
  $('enrol-confirm').addEventListener('submit', action(confirmAtSignIn));
  $('enrol-cancel').addEventListener('click', cancelSecondFactor);
  $('signin-username').focus();
}

init();
