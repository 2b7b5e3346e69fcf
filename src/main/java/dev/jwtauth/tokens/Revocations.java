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

  private static final String INSERT = "INSERT INTO revocations (kind, value, expires_at) VALUES ($1, $2, $3)"
      + " ON CONFLICT (kind, value) DO UPDATE SET expires_at = greatest(revocations.expires_at, excluded.expires_at)";

  /**
   * Stores and announces a revocation.
   *
   * @param kind      {@code jti} or {@code sid}
   * @param value     the token id or session id
   * @param expiresAt epoch seconds after which no token concerned can be valid
   */
  public Future<Void> revoke(String kind, String value, long expiresAt) {
    return pool.preparedQuery(INSERT)
        .execute(Tuple.of(kind, value, OffsetDateTime.ofInstant(Instant.ofEpochSecond(expiresAt), ZoneOffset.UTC)))
        .onSuccess(v -> {
          RevocationSet.shared(vertx, clock).add(entry(kind, value, expiresAt));
          Metrics.of(vertx).revocation(kind);
          Audit.record(vertx, Audit.event("token_revoked").put("details", entry(kind, value, expiresAt)));
          vertx.eventBus().publish(Addresses.TOKEN_REVOKED, entry(kind, value, expiresAt));
        })
        .mapEmpty();
  }

  private static final String ACTIVE = "SELECT kind, value, expires_at FROM revocations WHERE expires_at > $1";

  /** Every revocation still in force, as {@code {"revoked":[{"kind","value","exp"}…]}}. */
  public Future<JsonObject> active() {
    return pool.preparedQuery(ACTIVE).execute(Tuple.of(OffsetDateTime.ofInstant(clock.instant(), ZoneOffset.UTC)))
        .map(rows -> {
          JsonArray list = new JsonArray();
          for (Row r : rows) {
            list.add(entry(r.getString("kind"), r.getString("value"), r.getOffsetDateTime("expires_at").toEpochSecond()));
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
