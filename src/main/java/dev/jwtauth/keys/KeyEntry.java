package dev.jwtauth.keys;

import io.vertx.core.json.JsonObject;

import java.security.PrivateKey;
import java.security.PublicKey;

/**
 * One signing key. Its {@code kid} is {@code <created>-<random>}, {@code created} being the creation
 * time in epoch seconds, base 36: kids order by creation and stay short (the kid travels in every
 * token). Its files are named {@code <alg>-<kid>}, so the algorithm is known before the key is read.
 *
 * @param kid        key id; the file name stem in {@code keys/} is {@code <alg>-<kid>} ({@link #fileStem()})
 * @param alg        the JWS algorithm this key signs with
 * @param privateKey the private key (held by the auth side only)
 * @param publicKey  the public key, published in the JWKS
 */
public record KeyEntry(String kid, SigningAlgorithm alg, PrivateKey privateKey, PublicKey publicKey) {

  /** Creation time in epoch seconds, read from the kid (0 when the kid does not carry one). */
  public long created() {
    int dash = kid.indexOf('-');
    try {
      return dash > 0 ? Long.parseLong(kid.substring(0, dash), 36) : 0;
    } catch (NumberFormatException e) {
      return 0;
    }
  }

  /** The file-name stem in {@code keys/}: {@code <alg>-<kid>}. */
  public String fileStem() {
    return alg.name() + "-" + kid;
  }

  /** The public JWK of this key. */
  public JsonObject publicJwk() {
    return alg.publicJwk(kid, publicKey);
  }
}
