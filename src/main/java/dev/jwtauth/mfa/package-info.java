/**
 * The second factor of a login: TOTP (RFC 6238) secrets encrypted at rest, one-time recovery
 * codes, and the short-lived challenges between the password and the code.
 */
package dev.jwtauth.mfa;
