// Small helpers shared by the demo page's two parts (demo.js: the password form; codeflow.js: the
// code flow with PKCE and DPoP).

export const $ = (id) => document.getElementById(id);

export function setStatus(el, text, ok) {
  el.textContent = text;
  el.classList.toggle('ok', ok === true);
  el.classList.toggle('bad', ok === false);
}

/** The text of a base64url part of a JWT. */
export function base64UrlDecode(part) {
  const b64 = part.replace(/-/g, '+').replace(/_/g, '/') + '==='.slice((part.length + 3) % 4);
  const bytes = Uint8Array.from(atob(b64), (c) => c.charCodeAt(0));
  return new TextDecoder().decode(bytes);
}

/** A JWT's decoded header and payload (not verified: for showing). */
export function decodeJwt(token) {
  const [header, payload] = token.split('.');
  return { header: JSON.parse(base64UrlDecode(header)), payload: JSON.parse(base64UrlDecode(payload)) };
}

/** The response body as JSON, as text when it is not JSON, or null when empty. */
export async function readJson(res) {
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

export function describeError(body) {
  return body && body.error ? `${body.error}: ${body.error_description}` : '';
}
