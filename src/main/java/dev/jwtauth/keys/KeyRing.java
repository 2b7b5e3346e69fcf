package dev.jwtauth.keys;

import io.vertx.core.json.JsonArray;
import io.vertx.core.json.JsonObject;

import java.util.Comparator;
import java.util.List;
import java.util.Optional;

/**
 * The signing keys the server knows, oldest first. The newest one is active: it alone signs, so
 * the issuer never picks among several keys (vertx-auth-jwt would pick at random). Every key is
 * published so that tokens signed by an older key keep verifying.
 */
public final class KeyRing {
  private final List<KeyEntry> keys;

  public KeyRing(List<KeyEntry> keys) {
    if (keys.isEmpty()) {
      throw new IllegalArgumentException("a key ring needs at least one key");
    }
    this.keys = keys.stream().sorted(Comparator.comparing(KeyEntry::kid, KeyRing::byCreation)).toList();
  }

  /** The key that signs new tokens. */
  public KeyEntry active() {
    return keys.get(keys.size() - 1);
  }

  public List<KeyEntry> all() {
    return keys;
  }

  public Optional<KeyEntry> byKid(String kid) {
    return keys.stream().filter(k -> k.kid().equals(kid)).findFirst();
  }

  /** The public key set (RFC 7517 §5): what resource servers trust. */
  public JsonObject publicJwks() {
    JsonArray arr = new JsonArray();
    keys.forEach(k -> arr.add(k.publicJwk()));
    return new JsonObject().put("keys", arr);
  }

  /** Kids are {@code ALG-<epoch seconds base 36>-rand}: order by creation time, then the whole kid. */
  private static int byCreation(String a, String b) {
    int c = Long.compare(created(a), created(b));
    return c != 0 ? c : a.compareTo(b);
  }

  private static long created(String kid) {
    int first = kid.indexOf('-');
    int last = kid.lastIndexOf('-');
    try {
      return first > 0 && last > first ? Long.parseLong(kid.substring(first + 1, last), 36) : 0;
    } catch (NumberFormatException e) {
      return 0;
    }
  }
}
