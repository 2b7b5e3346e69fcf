package dev.jwtauth.bus;

import io.vertx.core.Vertx;
import io.vertx.core.eventbus.DeliveryOptions;
import io.vertx.core.eventbus.Message;
import io.vertx.core.json.JsonObject;
import io.vertx.core.shareddata.Shareable;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import javax.crypto.Mac;
import javax.crypto.spec.SecretKeySpec;
import java.nio.charset.StandardCharsets;
import java.security.GeneralSecurityException;
import java.security.MessageDigest;
import java.util.Base64;
import java.util.concurrent.atomic.AtomicBoolean;

/**
 * Seals the public key sets that cross the cluster ({@link Addresses#JWKS_CHANGED} publishes and
 * {@link Addresses#JWKS_GET} replies) with an HMAC-SHA256 header keyed from the cluster secret,
 * so a verifier trusts a key set only from a member holding the cluster's credentials, on top of
 * the mutually authenticated bus. Outside a cluster no seal is installed: sets are neither sealed
 * nor checked (they never leave the process).
 */
public final class KeySetSeal implements Shareable {
  /** The message header carrying the seal (base64url HMAC of the body's JSON text). */
  public static final String HEADER = "jwks-seal";
  private static final Logger log = LoggerFactory.getLogger(KeySetSeal.class);
  private static final String MAP = "jwt-auth-server.bus";
  private static final String KEY = "key-set-seal";

  private final byte[] key;
  private final AtomicBoolean warned = new AtomicBoolean();

  private KeySetSeal(byte[] key) {
    this.key = key;
  }

  /** Makes this Vert.x instance seal and require seals with a key derived from {@code credentials}. */
  public static void install(Vertx vertx, ClusterCredentials credentials) {
    vertx.sharedData().getLocalMap(MAP).put(KEY, new KeySetSeal(credentials.derive("auth.jwks seal")));
  }

  /** Delivery options carrying the seal of {@code keySet} (no header outside a cluster). */
  public static DeliveryOptions sealed(Vertx vertx, JsonObject keySet) {
    KeySetSeal seal = of(vertx);
    DeliveryOptions options = new DeliveryOptions();
    return seal == null ? options : options.addHeader(HEADER, seal.mac(keySet));
  }

  /**
   * Whether a received key set may be used: always outside a cluster; in a cluster only with a
   * valid seal. The first refusal is logged at WARN, later ones at DEBUG (no log flood).
   */
  public static boolean accepts(Vertx vertx, Message<JsonObject> msg) {
    KeySetSeal seal = of(vertx);
    if (seal == null) {
      return true;
    }
    String presented = msg.headers().get(HEADER);
    boolean ok = presented != null && MessageDigest.isEqual(
        presented.getBytes(StandardCharsets.US_ASCII), seal.mac(msg.body()).getBytes(StandardCharsets.US_ASCII));
    if (!ok) {
      String why = presented == null ? "unsealed" : "badly sealed";
      if (seal.warned.compareAndSet(false, true)) {
        log.warn("Dropped an {} key set on {}: only a member holding this cluster's CLUSTER_CREDENTIALS may publish"
            + " keys (further drops are logged at DEBUG)", why, msg.address());
      } else {
        log.debug("Dropped an {} key set on {}", why, msg.address());
      }
    }
    return ok;
  }

  private static KeySetSeal of(Vertx vertx) {
    Object s = vertx.sharedData().getLocalMap(MAP).get(KEY);
    return s instanceof KeySetSeal seal ? seal : null;
  }

  private String mac(JsonObject keySet) {
    try {
      Mac mac = Mac.getInstance("HmacSHA256");
      mac.init(new SecretKeySpec(key, "HmacSHA256"));
      return Base64.getUrlEncoder().withoutPadding()
          .encodeToString(mac.doFinal(keySet.encode().getBytes(StandardCharsets.UTF_8)));
    } catch (GeneralSecurityException e) {
      throw new IllegalStateException(e);
    }
  }
}
