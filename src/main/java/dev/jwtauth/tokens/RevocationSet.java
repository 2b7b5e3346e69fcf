package dev.jwtauth.tokens;

import io.vertx.core.Vertx;
import io.vertx.core.json.JsonArray;
import io.vertx.core.json.JsonObject;
import io.vertx.core.shareddata.LocalMap;
import io.vertx.core.shareddata.Shareable;

import java.time.Clock;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;

/**
 * In-memory copy of the revocation list, one per process, shared by every verifier of it: a
 * lookup per request, no database call. A revocation made in this process is added before the
 * request that made it is answered, so the next request in this process is rejected whatever
 * event loop serves it; other processes add it from the {@code auth.token.revoked} publish.
 * Entries leave once their tokens have expired anyway.
 */
public final class RevocationSet implements Shareable {
  private static final String MAP = "jwt-auth-server";
  private static final String KEY = "revocations";

  private final Map<String, Long> jtis = new ConcurrentHashMap<>();
  private final Map<String, Long> sids = new ConcurrentHashMap<>();
  private final Clock clock;

  public RevocationSet(Clock clock) {
    this.clock = clock;
  }

  /** The set of this process (this Vert.x instance), made on first use. */
  public static RevocationSet shared(Vertx vertx, Clock clock) {
    LocalMap<String, RevocationSet> map = vertx.sharedData().getLocalMap(MAP);
    RevocationSet fresh = new RevocationSet(clock);
    RevocationSet existing = map.putIfAbsent(KEY, fresh);
    return existing != null ? existing : fresh;
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
