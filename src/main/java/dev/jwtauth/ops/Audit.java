package dev.jwtauth.ops;

import dev.jwtauth.bus.Addresses;
import io.vertx.core.Future;
import io.vertx.core.Vertx;
import io.vertx.core.json.JsonArray;
import io.vertx.core.json.JsonObject;
import io.vertx.sqlclient.Pool;
import io.vertx.sqlclient.Row;
import io.vertx.sqlclient.Tuple;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import java.time.Instant;
import java.time.OffsetDateTime;
import java.time.ZoneOffset;
import java.util.UUID;

/**
 * The audit trail of security events (login success and failure, lockout, refresh reuse, logout,
 * revocation, user and client created, user unlocked, key rotated), kept for
 * {@code AUDIT_RETENTION} ({@link #prune}). Any component records an
 * event with {@link #record}; it travels on the bus to an issuer verticle, which stores it in
 * {@code audit_events}. Recording never fails the request that caused it. Events never carry a
 * password, a token or a key.
 */
public final class Audit {
  private static final Logger log = LoggerFactory.getLogger(Audit.class);

  private Audit() {
  }

  /** An event for {@code event}, with the optional subject fields set by the caller. */
  public static JsonObject event(String event) {
    return new JsonObject().put("event", event);
  }

  /** Sends an event to be stored (at most once; lost only when no auth process is up). */
  public static void record(Vertx vertx, JsonObject event) {
    vertx.eventBus().send(Addresses.AUDIT_RECORD, event);
  }

  private static final String INSERT = "INSERT INTO audit_events (event, user_id, username, client_id, address, details)"
      + " VALUES ($1, $2, $3, $4, $5, $6)";

  /** Stores one event (run by the issuer's consumer). */
  public static Future<Void> store(Pool pool, JsonObject e) {
    UUID userId = null;
    try {
      userId = e.getString("user_id") == null ? null : UUID.fromString(e.getString("user_id"));
    } catch (IllegalArgumentException notAUser) {
      // a client or service subject: keep it in details only
    }
    return pool.preparedQuery(INSERT)
        .execute(Tuple.of(e.getString("event"), userId, e.getString("username"), e.getString("client_id"),
            e.getString("address"), e.getJsonObject("details", new JsonObject())))
        .<Void>mapEmpty()
        .onFailure(err -> log.warn("audit event {} not stored: {}", e.getString("event"), err.getMessage()));
  }

  private static final int PRUNE_BATCH = 10_000;
  private static final int PRUNE_MAX_BATCHES = 100;
  private static final String PRUNE = "DELETE FROM audit_events WHERE id IN"
      + " (SELECT id FROM audit_events WHERE at < $1 ORDER BY id LIMIT " + PRUNE_BATCH + ")";

  /**
   * Deletes the events older than {@code cutoff} ({@code AUDIT_RETENTION} ago), in batches of
   * {@value #PRUNE_BATCH} rows so that no statement holds locks for long, at most
   * {@value #PRUNE_MAX_BATCHES} batches a call (the rest goes on the next call).
   *
   * @return how many rows were deleted
   */
  public static Future<Integer> prune(Pool pool, Instant cutoff) {
    return pruneBatches(pool, OffsetDateTime.ofInstant(cutoff, ZoneOffset.UTC), 0, 0);
  }

  private static Future<Integer> pruneBatches(Pool pool, OffsetDateTime cutoff, int batches, int deleted) {
    return pool.preparedQuery(PRUNE).execute(Tuple.of(cutoff)).compose(rows -> {
      int total = deleted + rows.rowCount();
      return rows.rowCount() < PRUNE_BATCH || batches + 1 >= PRUNE_MAX_BATCHES
          ? Future.succeededFuture(total)
          : pruneBatches(pool, cutoff, batches + 1, total);
    });
  }

  private static final String QUERY = "SELECT id, at, event, user_id, username, client_id, address, details"
      + " FROM audit_events WHERE ($1::text IS NULL OR event = $1) AND ($2::text IS NULL OR username = $2)"
      + " AND ($3::bigint IS NULL OR id < $3) AND ($5::text IS NULL OR client_id = $5)"
      + " AND ($6::timestamptz IS NULL OR at >= $6) AND ($7::timestamptz IS NULL OR at < $7)"
      + " ORDER BY id DESC LIMIT $4";

  /**
   * What {@link #query} selects; a null field does not filter.
   *
   * @param event    the event name, exactly
   * @param username the username, exactly
   * @param clientId the client id, exactly
   * @param since    events at or after this instant
   * @param until    events before this instant
   * @param before   events with a smaller id (paging)
   * @param limit    at most this many events
   */
  public record Filter(String event, String username, String clientId, Instant since, Instant until, Long before,
                       int limit) {
  }

  /** The newest events first, filtered by event and username, paged by {@code before} (an id). */
  public static Future<JsonObject> query(Pool pool, String event, String username, Long before, int limit) {
    return query(pool, new Filter(event, username, null, null, null, before, limit));
  }

  /** The newest events first that match {@code f}. */
  public static Future<JsonObject> query(Pool pool, Filter f) {
    Tuple args = Tuple.tuple().addValue(f.event()).addValue(f.username()).addValue(f.before()).addValue(f.limit())
        .addValue(f.clientId())
        .addValue(f.since() == null ? null : OffsetDateTime.ofInstant(f.since(), ZoneOffset.UTC))
        .addValue(f.until() == null ? null : OffsetDateTime.ofInstant(f.until(), ZoneOffset.UTC));
    return pool.preparedQuery(QUERY).execute(args).map(rows -> {
      JsonArray list = new JsonArray();
      for (Row r : rows) {
        list.add(new JsonObject()
            .put("id", r.getLong("id"))
            .put("at", r.getOffsetDateTime("at").toString())
            .put("event", r.getString("event"))
            .put("user_id", r.getUUID("user_id") == null ? null : r.getUUID("user_id").toString())
            .put("username", r.getString("username"))
            .put("client_id", r.getString("client_id"))
            .put("address", r.getString("address"))
            .put("details", r.getJsonObject("details")));
      }
      return new JsonObject().put("events", list);
    });
  }
}
