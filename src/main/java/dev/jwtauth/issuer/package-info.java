/**
 * The auth origin: login, refresh, logout, the OAuth 2 endpoints, the OpenID Connect code flow
 * ({@link dev.jwtauth.issuer.AuthorizeHandler}, its sign-in page and step, userinfo, logout),
 * administration, discovery and the event-bus token API. Start at {@link dev.jwtauth.issuer.IssuerVerticle} (its router lists every route).
 */
package dev.jwtauth.issuer;
