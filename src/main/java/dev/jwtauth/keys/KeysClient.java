package dev.jwtauth.keys;

import dev.jwtauth.bus.Addresses;
import dev.jwtauth.bus.KeySetSeal;
import io.vertx.core.Future;
import io.vertx.core.Vertx;
import io.vertx.core.eventbus.DeliveryOptions;
import io.vertx.core.eventbus.Message;
import io.vertx.core.json.JsonObject;

import java.security.PrivateKey;
import java.security.spec.PKCS8EncodedKeySpec;
import java.util.Base64;

/** Asks the {@link KeyManagerVerticle} for keys over the event bus. */
public final class KeysClient {
  private static final DeliveryOptions TIMEOUT = new DeliveryOptions().setSendTimeout(10_000);

  private KeysClient() {
  }

  /** The public key set ({@code {"keys":[…]}}); in a cluster, only a sealed one ({@link KeySetSeal}). */
  public static Future<JsonObject> jwks(Vertx vertx) {
    return vertx.eventBus().<JsonObject>request(Addresses.JWKS_GET, new JsonObject(), TIMEOUT)
        .compose(msg -> KeySetSeal.accepts(vertx, msg)
            ? Future.succeededFuture(msg.body())
            : Future.failedFuture("the key set received is not sealed with this cluster's credentials"));
  }

  /**
   * The active signing key of this process.
   *
   * @param kid the key id
   * @param alg the algorithm it signs with
   * @param key the private key
   */
  public record SigningKey(String kid, SigningAlgorithm alg, PrivateKey key) {
  }

  public static Future<SigningKey> signingKey(Vertx vertx) {
    return vertx.eventBus().<JsonObject>request(Addresses.SIGNING_KEY_GET, new JsonObject(), TIMEOUT)
        .map(Message::body)
        .map(KeysClient::signingKey);
  }

  /** Reads a {"kid","alg","pkcs8"} body (a reply or a {@link Addresses#SIGNING_KEY_CHANGED} publish). */
  public static SigningKey signingKey(JsonObject body) {
    SigningAlgorithm alg = SigningAlgorithm.parse(body.getString("alg"));
    try {
      PrivateKey key = CryptoProvider.current().keyFactory(alg.jcaKeyAlgorithm())
          .generatePrivate(new PKCS8EncodedKeySpec(Base64.getDecoder().decode(body.getString("pkcs8"))));
      return new SigningKey(body.getString("kid"), alg, key);
    } catch (java.security.GeneralSecurityException e) {
      throw new IllegalStateException("the signing key on the bus is unreadable", e);
    }
  }
}
