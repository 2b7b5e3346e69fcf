package dev.jwtauth.tokens;

import dev.jwtauth.bus.Addresses;
import dev.jwtauth.ops.Audit;
import dev.jwtauth.ops.Metrics;
import io.vertx.core.Future;
import io.vertx.core.Vertx;
import io.vertx.core.json.JsonArray;
import io.vertx.core.json.JsonObject;
import io.vertx.sqlclient.Pool;
import io.vertx.sqlclient.Row;
import io.vertx.sqlclient.Tuple;

import java.time.Clock;
import java.time.Instant;
import java.time.OffsetDateTime;
import java.time.ZoneOffset;

/**
 * The revocation list: single access tokens ({@code jti}) and whole sessions ({@code sid}), kept in
 * PostgreSQL until the tokens concerned would have expired anyway, and announced on
 * {@link Addresses#TOKEN_REVOKED} so every resource verticle rejects them at once.
 */
public final class Revocations {
  private final Vertx vertx;
  private final Pool pool;
  private final Clock clock;

  public Revocations(Vertx vertx, Pool pool, Clock clock) {
    this.vertx = vertx;
    this.pool = pool;
    this.clock = clock;
  }

  // A token or session revoked twice is written and announced once (RETURNING nothing on a conflict).
  private static final String INSERT = "INSERT INTO revocations (kind, value, expires_at) VALUES ($1, $2, $3)"
      + " ON CONFLICT (kind, value) DO NOTHING RETURNING kind";
  // A cut-off moves forward on every call: tokens issued before the latest one are revoked.
  private static final String INSERT_CUTOFF =
      "INSERT INTO revocations (kind, value, expires_at, created_at) VALUES ($1, $2, $3, $4)"
      + " ON CONFLICT (kind, value) DO UPDATE SET expires_at = greatest(revocations.expires_at, excluded.expires_at),"
      + " created_at = greatest(revocations.created_at, excluded.created_at) RETURNING kind";

  /**
   * Stores and announces a revocation of one token or one session, once: revoking what is already
   * revoked writes and publishes nothing.
   *
   * @param kind      {@code jti} or {@code sid}
   * @param value     the token id or session id
   * @param expiresAt epoch seconds after which no token concerned can be valid
   */
  public Future<Void> revoke(String kind, String value, long expiresAt) {
    JsonObject entry = entry(kind, value, expiresAt);
    return pool.preparedQuery(INSERT).execute(Tuple.of(kind, value, at(expiresAt)))
        .compose(rows -> rows.rowCount() == 0 ? Future.succeededFuture() : announced(entry));
  }

  /**
   * Revokes every token of a client ({@code kind} {@code client}, by the {@code client_id} claim) or
   * of a subject ({@code sub}) issued up to now: tokens issued later are not affected.
   *
   * @param expiresAt epoch seconds after which no token concerned can be valid
   */
  public Future<Void> revokeIssuedBefore(String kind, String value, long expiresAt) {
    long now = clock.millis() / 1000;
    JsonObject entry = entry(kind, value, expiresAt).put("before", now);
    return pool.preparedQuery(INSERT_CUTOFF).execute(Tuple.of(kind, value, at(expiresAt), at(now)))
        .compose(rows -> announced(entry));
  }

  /** Adds to this process's set before answering, then tells every other member. */
  private Future<Void> announced(JsonObject entry) {
    RevocationSet.shared(vertx, clock).add(entry);
    Metrics.of(vertx).revocation(entry.getString("kind"));
    Audit.record(vertx, Audit.event("token_revoked").put("details", entry));
    vertx.eventBus().publish(Addresses.TOKEN_REVOKED, entry);
    return Future.succeededFuture();
  }

  private static OffsetDateTime at(long epochSeconds) {
    return OffsetDateTime.ofInstant(Instant.ofEpochSecond(epochSeconds), ZoneOffset.UTC);
  }

  private static final String ACTIVE = "SELECT kind, value, expires_at, created_at FROM revocations WHERE expires_at > $1";

  /** Every revocation still in force, as {@code {"revoked":[{"kind","value","exp","before"?}…]}}. */
  public Future<JsonObject> active() {
    return pool.preparedQuery(ACTIVE).execute(Tuple.of(OffsetDateTime.ofInstant(clock.instant(), ZoneOffset.UTC)))
        .map(rows -> {
          JsonArray list = new JsonArray();
          for (Row r : rows) {
            JsonObject e = entry(r.getString("kind"), r.getString("value"), r.getOffsetDateTime("expires_at").toEpochSecond());
            if (!e.getString("kind").equals("jti") && !e.getString("kind").equals("sid")) {
              e.put("before", r.getOffsetDateTime("created_at").toEpochSecond());
            }
            list.add(e);
          }
          return new JsonObject().put("revoked", list);
        });
  }

  private static final String PRUNE = "DELETE FROM revocations WHERE expires_at < $1";

  /** Drops revocations whose tokens have all expired. */
  public Future<Integer> prune() {
    return pool.preparedQuery(PRUNE).execute(Tuple.of(OffsetDateTime.ofInstant(clock.instant(), ZoneOffset.UTC)))
        .map(rows -> rows.rowCount());
  }

  /** One revocation as it travels on the bus. */
  public static JsonObject entry(String kind, String value, long exp) {
    return new JsonObject().put("kind", kind).put("value", value).put("exp", exp);
  }
}
