/**
 * The OpenID Connect authorization code flow's state (RFC 6749 §4.1, RFC 7636, OIDC Core): pending
 * authorization requests between the sign-in page and the password, the browser's sign-in
 * sessions, and single-use authorization codes, all in PostgreSQL so that any event loop or auth
 * process can continue what another began. Start at {@link dev.jwtauth.oidc.AuthorizationStore};
 * {@link dev.jwtauth.oidc.Pkce} checks proof keys. The HTTP side lives in {@code issuer}.
 */
package dev.jwtauth.oidc;
