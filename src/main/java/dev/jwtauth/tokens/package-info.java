/**
 * Tokens: signing and verifying access tokens, refresh-token rotation and reuse detection, and
 * revocations. Start at {@link dev.jwtauth.tokens.AccessTokens} (issue) and
 * {@link dev.jwtauth.tokens.TokenVerifier} (verify); refresh tokens are {@link dev.jwtauth.tokens.RefreshTokens};
 * DPoP proofs (RFC 9449) and key thumbprints are {@link dev.jwtauth.tokens.DpopProofs}.
 */
package dev.jwtauth.tokens;
