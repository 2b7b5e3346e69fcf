/**
 * Signing keys, the one capability that owns them: the algorithms ({@link dev.jwtauth.keys.SigningAlgorithm},
 * the one list), key files in KEYS_DIR, the ring (which key signs, which retire), the key manager
 * verticle of a process (create, rotate, retire, hand the private key to this process's issuers),
 * and what is published: the JWKS document and the discovery metadata, with their routes. Start at
 * {@link dev.jwtauth.keys.KeyManagerVerticle}; other verticles reach it through
 * {@link dev.jwtauth.keys.KeysClient} and serve the documents through {@link dev.jwtauth.keys.KeyPublication}.
 */
package dev.jwtauth.keys;
