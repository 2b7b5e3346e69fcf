package dev.jwtauth.keys;

import io.vertx.core.json.JsonArray;
import io.vertx.core.json.JsonObject;

import java.time.Duration;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.List;

/**
 * The signing keys the server knows, oldest first (an immutable value). The newest one is active:
 * it alone signs, so the issuer never picks among several keys (vertx-auth-jwt would pick at
 * random). Older keys stay published until every token they signed has expired, then retire.
 */
public final class KeyRing {
  private final List<KeyEntry> keys;

  public KeyRing(List<KeyEntry> keys) {
    if (keys.isEmpty()) {
      throw new IllegalArgumentException("a key ring needs at least one key");
    }
    this.keys = keys.stream().sorted(Comparator.comparingLong(KeyEntry::created).thenComparing(KeyEntry::kid)).toList();
  }

  /** The key that signs new tokens. */
  public KeyEntry active() {
    return keys.get(keys.size() - 1);
  }

  public List<KeyEntry> all() {
    return keys;
  }

  /** This ring plus a new key, which becomes active. */
  public KeyRing with(KeyEntry key) {
    List<KeyEntry> more = new ArrayList<>(keys);
    more.add(key);
    return new KeyRing(more);
  }

  /**
   * The keys to retire at {@code nowSeconds}: those replaced by a newer key more than {@code delay}
   * ago (a key stops signing when its successor is created). The active key never retires.
   */
  public List<KeyEntry> retiredAt(long nowSeconds, Duration delay) {
    List<KeyEntry> retired = new ArrayList<>();
    for (int i = 0; i < keys.size() - 1; i++) {
      if (keys.get(i + 1).created() + delay.toSeconds() < nowSeconds) {
        retired.add(keys.get(i));
      }
    }
    return retired;
  }

  /** This ring without the given keys. */
  public KeyRing without(List<KeyEntry> gone) {
    return new KeyRing(keys.stream().filter(k -> !gone.contains(k)).toList());
  }

  /** The public key set (RFC 7517 §5): what resource servers trust. */
  public JsonObject publicJwks() {
    JsonArray arr = new JsonArray();
    keys.forEach(k -> arr.add(k.publicJwk()));
    return new JsonObject().put("keys", arr);
  }
}
