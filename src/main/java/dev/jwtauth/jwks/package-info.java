/**
 * The key manager of a process: loads, rotates and retires the signing keys, answers the public key
 * set and hands the private key to this process's issuers. Start at {@link dev.jwtauth.jwks.JwksVerticle};
 * other verticles reach it through {@link dev.jwtauth.jwks.KeysClient}.
 */
package dev.jwtauth.jwks;
