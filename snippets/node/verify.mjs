// Verify a jwt-auth-server access token in a Node service with `jose` (npm install jose).
//
//   ISSUER=https://auth.example.com AUDIENCE=api node verify.mjs <access token>
//   -> prints the verified claims and exits 0, or prints the reason and exits 1.
//
// In a service, build `jwks` once at start-up and call verifyAccessToken(token) per request.
//
// CAVEAT: this checks signature, typ, iss, aud and exp only. It cannot see revocations: a token
// revoked by logout (or a disabled client) stays valid here until it expires (15 min by default).
// For live revocation, use the Vert.x library (dev.jwtauth:jwt-auth-verifier) that follows the
// server's revocation feed, or ask POST /oauth2/introspect when a request must not outlive a logout.
import { createRemoteJWKSet, jwtVerify } from 'jose';
import { pathToFileURL } from 'node:url';

const issuer = process.env.ISSUER;                 // exactly the tokens' iss
const audience = process.env.AUDIENCE ?? 'api';

// Discovery (RFC 8414): the metadata's issuer must be identical to the one configured.
const meta = await (await fetch(`${issuer.replace(/\/$/, '')}/.well-known/openid-configuration`)).json();
if (meta.issuer !== issuer) {
  throw new Error(`discovery names the issuer ${meta.issuer}, not ${issuer}`);
}
// Caches the key set, honours Cache-Control, and refetches (rate-limited) on an unknown kid.
const jwks = createRemoteJWKSet(new URL(meta.jwks_uri));

export async function verifyAccessToken(token) {
  const { payload } = await jwtVerify(token, jwks, {
    issuer,
    audience,
    typ: 'at+jwt',                                                    // RFC 9068 access tokens only
    algorithms: meta.access_token_signing_alg_values_supported,       // never none, never HMAC
    clockTolerance: 30,
    requiredClaims: ['exp', 'sub', 'jti'],
  });
  return payload;
}

if (process.argv[1] && import.meta.url === pathToFileURL(process.argv[1]).href && process.argv[2]) {  // run as a command
  try {
    console.log(JSON.stringify(await verifyAccessToken(process.argv[2])));
  } catch (err) {
    console.log(`rejected: ${err.code ?? err.message}`);
    process.exitCode = 1;
  }
}
