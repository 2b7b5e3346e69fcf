package dev.jwtauth.verifier;

import io.vertx.core.json.JsonArray;
import io.vertx.core.json.JsonObject;
import io.vertx.core.shareddata.Shareable;

import java.time.Clock;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;

/**
 * In-memory copy of the revocation list, shared by every verifier of a process: a lookup per
 * request, no call to the auth server. Filled from the revocation feed ({@link RevocationFeedClient})
 * outside the auth server's cluster, from the event bus inside it. Entries are {@code jti}s (one
 * token), {@code sid}s (a login session) and per-client or per-subject cut-offs ("issued up to
 * then"); they leave once their tokens have expired anyway. Thread-safe.
 */
public class RevocationSet implements Shareable {

  private final Map<String, Long> jtis = new ConcurrentHashMap<>();
  private final Map<String, Long> sids = new ConcurrentHashMap<>();
  private final Map<String, Cutoff> clients = new ConcurrentHashMap<>();
  private final Map<String, Cutoff> subjects = new ConcurrentHashMap<>();
  private final Clock clock;

  public RevocationSet(Clock clock) {
    this.clock = clock;
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

  /** How many entries are held. */
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
