/**
 * Signing keys as values and files: the algorithms, one key, the ring of keys (which one signs,
 * which retire) and the PEM files of KEYS_DIR. Start at {@link dev.jwtauth.keys.KeyRing}.
 */
package dev.jwtauth.keys;
