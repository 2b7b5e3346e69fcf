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
  private final Map<String, Cutoff> clients = new ConcurrentHashMap<>();
  private final Map<String, Cutoff> subjects = new ConcurrentHashMap<>();
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

  /**
   * Tokens issued up to {@code before} (epoch s, their {@code iat}) are revoked; the entry is kept until {@code exp}.
   */
  private record Cutoff(long before, long exp) {
    Cutoff max(Cutoff other) {
      return new Cutoff(Math.max(before, other.before), Math.max(exp, other.exp));
    }
  }

  /**
   * Adds one {@code {"kind","value","exp"}} entry; kinds {@code client} and {@code sub} also carry
   * {@code before}: the tokens of that client or subject issued up to then.
   */
  public void add(JsonObject entry) {
    String kind = entry.getString("kind");
    Object value = entry.getValue("value");
    Object expValue = entry.getValue("exp");
    if (!(value instanceof String v) || !(expValue instanceof Number n)) {
      return;
    }
    long exp = n.longValue();
    switch (kind == null ? "" : kind) {
      case "jti" -> jtis.merge(v, exp, Math::max);
      case "sid" -> sids.merge(v, exp, Math::max);
      case "client", "sub" -> {
        if (entry.getValue("before") instanceof Number before) {
          (kind.equals("client") ? clients : subjects).merge(v, new Cutoff(before.longValue(), exp), Cutoff::max);
        }
      }
      default -> {
      }
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
    if ((jti != null && jtis.containsKey(jti)) || (sid != null && sids.containsKey(sid))) {
      return true;
    }
    if (clients.isEmpty() && subjects.isEmpty()) {
      return false;
    }
    long iat = claims.getValue("iat") instanceof Number n ? n.longValue() : Long.MIN_VALUE;
    return issuedBefore(clients, claims.getValue("client_id"), iat) || issuedBefore(subjects, claims.getValue("sub"), iat);
  }

  private static boolean issuedBefore(Map<String, Cutoff> cutoffs, Object key, long iat) {
    Cutoff c = key instanceof String k ? cutoffs.get(k) : null;
    return c != null && iat <= c.before();
  }

  public int size() {
    return jtis.size() + sids.size() + clients.size() + subjects.size();
  }

  /** Forgets entries whose tokens have all expired. */
  public void prune(long leewaySeconds) {
    long now = clock.millis() / 1000 - leewaySeconds;
    jtis.values().removeIf(exp -> exp < now);
    sids.values().removeIf(exp -> exp < now);
    clients.values().removeIf(c -> c.exp() < now);
    subjects.values().removeIf(c -> c.exp() < now);
  }
}
