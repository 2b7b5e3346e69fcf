/**
 * Tokens: signing and verifying access tokens, refresh-token rotation and reuse detection, and
 * revocations. Start at {@link dev.jwtauth.tokens.AccessTokens} (issue) and
 * {@link dev.jwtauth.tokens.TokenVerifier} (verify); refresh tokens are {@link dev.jwtauth.tokens.RefreshTokens}.
 */
package dev.jwtauth.tokens;
