package dev.jwtauth.keys;

import io.vertx.core.json.JsonObject;

import java.security.PrivateKey;
import java.security.PublicKey;

/**
 * One signing key. Its {@code kid} is {@code <alg>-<created>-<random>}, {@code created} being the
 * creation time in epoch seconds, base 36: kids order by creation and name their algorithm.
 *
 * @param kid        key id, also the file name stem in {@code keys/}
 * @param alg        the JWS algorithm this key signs with
 * @param privateKey the private key (held by the auth side only)
 * @param publicKey  the public key, published in the JWKS
 */
public record KeyEntry(String kid, SigningAlgorithm alg, PrivateKey privateKey, PublicKey publicKey) {

  /** Creation time in epoch seconds, read from the kid (0 when the kid does not carry one). */
  public long created() {
    int first = kid.indexOf('-');
    int last = kid.lastIndexOf('-');
    try {
      return first > 0 && last > first ? Long.parseLong(kid.substring(first + 1, last), 36) : 0;
    } catch (NumberFormatException e) {
      return 0;
    }
  }

  /** The public JWK of this key. */
  public JsonObject publicJwk() {
    return alg.publicJwk(kid, publicKey);
  }
}
