// WebCrypto for the code flow: PKCE (RFC 7636), DPoP proofs (RFC 9449) and the key's thumbprint
// (RFC 7638). The private key is made with extractable: false, so script can sign with it but the
// browser never hands out its bytes, not even to this page.

const utf8 = new TextEncoder();

/** base64url without padding (RFC 7515 §2) of bytes (an ArrayBuffer or a typed array). */
export function base64Url(bytes) {
  const view = bytes instanceof ArrayBuffer ? new Uint8Array(bytes)
    : new Uint8Array(bytes.buffer, bytes.byteOffset, bytes.byteLength);
  let binary = '';
  for (const b of view) {
    binary += String.fromCharCode(b);
  }
  return btoa(binary).replace(/\+/g, '-').replace(/\//g, '_').replace(/=+$/, '');
}

/** base64url of n random bytes: state, nonce, jti, and the PKCE verifier (32 bytes: 43 characters). */
export function randomString(n) {
  return base64Url(crypto.getRandomValues(new Uint8Array(n)));
}

async function sha256(text) {
  return crypto.subtle.digest('SHA-256', utf8.encode(text));
}

/** The S256 code_challenge of a verifier: base64url(SHA-256(ASCII(verifier))) (RFC 7636 §4.2). */
export async function pkceChallenge(verifier) {
  return base64Url(await sha256(verifier));
}

/** A new ECDSA P-256 key pair whose private key cannot be exported. */
export function newKeyPair() {
  return crypto.subtle.generateKey({ name: 'ECDSA', namedCurve: 'P-256' }, false, ['sign', 'verify']);
}

/** The public key as a JWK with only its public members (a public key is always exportable). */
export async function publicJwk(keyPair) {
  const { kty, crv, x, y } = await crypto.subtle.exportKey('jwk', keyPair.publicKey);
  return { kty, crv, x, y };
}

/** RFC 7638 thumbprint: SHA-256 of the required members in lexicographic order, no spaces; base64url. */
export async function thumbprint(jwk) {
  return base64Url(await sha256(JSON.stringify({ crv: jwk.crv, kty: jwk.kty, x: jwk.x, y: jwk.y })));
}

/**
 * A DPoP proof (RFC 9449 §4.2): header {typ dpop+jwt, alg ES256, jwk}, claims {jti, htm, htu, iat}
 * plus ath (the access token's SHA-256) when a token goes with it and nonce when the server asked
 * for one. WebCrypto's ECDSA signature is already r‖s, the JWS form (RFC 7518 §3.4).
 */
export async function proof(keyPair, jwk, htm, htu, accessToken, nonce) {
  const header = { typ: 'dpop+jwt', alg: 'ES256', jwk };
  const claims = { jti: randomString(16), htm, htu, iat: Math.floor(Date.now() / 1000) };
  if (accessToken) {
    claims.ath = base64Url(await sha256(accessToken));
  }
  if (nonce) {
    claims.nonce = nonce;
  }
  const input = `${base64Url(utf8.encode(JSON.stringify(header)))}.${base64Url(utf8.encode(JSON.stringify(claims)))}`;
  const signature = await crypto.subtle.sign({ name: 'ECDSA', hash: 'SHA-256' }, keyPair.privateKey, utf8.encode(input));
  return `${input}.${base64Url(signature)}`;
}
