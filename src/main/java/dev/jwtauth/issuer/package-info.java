/**
 * The auth origin: login, refresh, logout, the OAuth 2 endpoints, administration, discovery and the
 * event-bus token API. Start at {@link dev.jwtauth.issuer.IssuerVerticle} (its router lists every route).
 */
package dev.jwtauth.issuer;
