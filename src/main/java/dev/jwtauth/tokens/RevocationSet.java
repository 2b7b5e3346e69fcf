package dev.jwtauth.tokens;

import io.vertx.core.json.JsonArray;
import io.vertx.core.json.JsonObject;

import java.time.Clock;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;

/**
 * In-memory copy of the revocation list held by each verifier: a lookup per request, no database
 * call. Entries leave once their tokens have expired anyway.
 */
public final class RevocationSet {
  private final Map<String, Long> jtis = new ConcurrentHashMap<>();
  private final Map<String, Long> sids = new ConcurrentHashMap<>();
  private final Clock clock;

  public RevocationSet(Clock clock) {
    this.clock = clock;
  }

  /** Adds one {@code {"kind","value","exp"}} entry. */
  public void add(JsonObject entry) {
    String kind = entry.getString("kind");
    String value = entry.getString("value");
    long exp = entry.getLong("exp", Long.MAX_VALUE);
    if (value == null) {
      return;
    }
    if ("jti".equals(kind)) {
      jtis.merge(value, exp, Math::max);
    } else if ("sid".equals(kind)) {
      sids.merge(value, exp, Math::max);
    }
  }

  /** Adds every entry of {@code {"revoked":[…]}}. */
  public void addAll(JsonObject list) {
    JsonArray arr = list.getJsonArray("revoked", new JsonArray());
    arr.forEach(o -> add((JsonObject) o));
  }

  /** Whether the token with these claims was revoked (by its id or its session). */
  public boolean isRevoked(JsonObject claims) {
    String jti = claims.getString("jti");
    String sid = claims.getString("sid");
    return (jti != null && jtis.containsKey(jti)) || (sid != null && sids.containsKey(sid));
  }

  public int size() {
    return jtis.size() + sids.size();
  }

  /** Forgets entries whose tokens have all expired. */
  public void prune(long leewaySeconds) {
    long now = clock.millis() / 1000 - leewaySeconds;
    jtis.values().removeIf(exp -> exp < now);
    sids.values().removeIf(exp -> exp < now);
  }
}
