/**
 * The revocation feed over HTTP: the auth origin streams every revocation in force, then each new
 * one, as Server-Sent Events at {@code GET /oauth2/revocations} ({@link dev.jwtauth.feed.RevocationFeed},
 * {@link dev.jwtauth.feed.RevocationFeedHandler}); a resource-only process outside the cluster
 * follows it ({@link dev.jwtauth.verifier.RevocationFeedClient}, in the resource-server library) and applies it to its revocation set.
 */
package dev.jwtauth.feed;
