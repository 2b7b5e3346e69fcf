/**
 * The resource-server library (artifact {@code dev.jwtauth:jwt-auth-verifier}): what a Vert.x
 * service needs to trust jwt-auth-server's access tokens. Entry point: {@link
 * dev.jwtauth.verifier.ResourceServerAuth#create}, configured by {@link
 * dev.jwtauth.verifier.ResourceServerOptions}. Inside: {@link dev.jwtauth.verifier.TokenVerifier}
 * (vertx-auth-jwt with the checks it lacks, fail-closed), {@link dev.jwtauth.verifier.RemoteJwks}
 * (conditional JWKS fetches), {@link dev.jwtauth.verifier.RevocationSet} and {@link
 * dev.jwtauth.verifier.RevocationFeedClient} (live revocation over Server-Sent Events). The server
 * compiles these same sources: its {@code ROLES=resource} verifies with them.
 */
package dev.jwtauth.verifier;
