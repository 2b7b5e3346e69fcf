package dev.jwtauth.tokens;

import io.vertx.core.Context;
import io.vertx.core.Future;
import io.vertx.core.Promise;
import io.vertx.core.Vertx;
import io.vertx.core.buffer.Buffer;
import io.vertx.sqlclient.Pool;
import io.vertx.sqlclient.Row;
import io.vertx.sqlclient.RowSet;
import io.vertx.sqlclient.SqlConnection;
import io.vertx.sqlclient.Tuple;

import java.nio.charset.StandardCharsets;
import java.security.GeneralSecurityException;
import java.util.Base64;
import javax.crypto.Mac;
import javax.crypto.spec.SecretKeySpec;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.time.OffsetDateTime;
import java.time.ZoneOffset;
import java.util.ArrayDeque;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.UUID;

/**
 * Opaque refresh tokens: 256 bits, base64url, stored only as their SHA-256. Every token belongs
 * to a family, the login session (the access tokens' {@code sid}). Rotation consumes a token once,
 * under a row lock, inside one transaction; presenting a consumed token again revokes the whole
 * family (reuse detection), unless it comes within the grace period, when it gets the very same
 * successor again: a successor is derived from its predecessor with an HMAC under a server secret
 * (table {@code server_secrets}), so a retry never opens a second branch of the family.
 *
 * <p>Rotation and family revocation serialize on a transaction-scoped advisory lock per family:
 * a session revoked while one of its tokens is being rotated has no surviving token (without it the
 * revoking UPDATE's snapshot would miss the successor the rotation was inserting).
 */
public final class RefreshTokens {
  private static final Base64.Encoder B64URL = Base64.getUrlEncoder().withoutPadding();
  private final Pool pool;
  private final Duration ttl;
  private final Duration grace;
  private final Clock clock;
  private Future<Mac> successorMac;

  public RefreshTokens(Pool pool, Duration ttl, Duration grace, Clock clock) {
    this.pool = pool;
    this.ttl = ttl;
    this.grace = grace;
    this.clock = clock;
  }

  public Duration ttl() {
    return ttl;
  }

  /**
   * The outcome of presenting a refresh token.
   *
   * @param status   what happened
   * @param userId   owner (null when unknown)
   * @param familyId the session (null when unknown)
   * @param username owner's username
   * @param roles    owner's roles
   * @param clientId client the family was issued to, or null
   * @param token    the new refresh token when {@code status} is ROTATED
   * @param amr      how the session's login was authenticated (the access tokens' {@code amr}), empty when not recorded
   * @param jkt      the DPoP key the family is bound to, or null
   * @param scopes   the scopes the session was granted (empty: none)
   */
  public record Rotation(Status status, UUID userId, UUID familyId, String username, List<String> roles,
                         String clientId, String token, List<String> amr, String jkt, List<String> scopes) {
    /**
     * KEY_MISMATCH: the family is bound to a DPoP key and the request had no proof by it;
     * CLIENT_MISMATCH: the session is a client's (code flow) and was presented by no client or by
     * another. Nothing changed for either.
     */
    public enum Status { ROTATED, REUSED, INVALID, KEY_MISMATCH, CLIENT_MISMATCH }

    static Rotation invalid() {
      return new Rotation(Status.INVALID, null, null, null, List.of(), null, null, List.of(), null, List.of());
    }
  }

  private static final String INSERT =
      "INSERT INTO refresh_tokens (id, family_id, user_id, token_hash, client_id, expires_at, amr, dpop_jkt, scopes)"
          + " VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9)";

  /** Creates a refresh token in {@code familyId} for {@code userId}; returns the token (shown once). */
  public Future<String> create(UUID familyId, UUID userId, String clientId) {
    return create(familyId, userId, clientId, List.of(), List.of(), null);
  }

  /**
   * Same, for a session granted {@code scopes} (empty: none), recording how the login was
   * authenticated ({@code amr}) and bound to the DPoP key {@code jkt} (null: a bearer refresh
   * token): every rotation of the family keeps all three.
   */
  public Future<String> create(UUID familyId, UUID userId, String clientId, List<String> scopes, List<String> amr,
                               String jkt) {
    return pool.withConnection(conn -> insert(conn, UUID.randomUUID(), familyId, userId, clientId, amr, jkt, scopes));
  }

  private Future<String> insert(SqlConnection conn, UUID id, UUID familyId, UUID userId, String clientId,
                                List<String> amr, String jkt, List<String> scopes) {
    String token = AccessTokens.randomId(32);
    return conn.preparedQuery(INSERT)
        .execute(Tuple.from(new Object[] {id, familyId, userId, hash(token), clientId, at(clock.instant().plus(ttl)),
            amrArray(amr), jkt, amrArray(scopes)}))
        .map(rows -> token);
  }

  private static List<String> scopeList(Row row) {
    String[] granted = row.getArrayOfStrings("scopes");
    return granted == null ? List.of() : Arrays.asList(granted);
  }

  private static List<String> amrList(Row row) {
    String[] amr = row.getArrayOfStrings("amr");
    return amr == null ? List.of() : Arrays.asList(amr);
  }

  private static String[] amrArray(List<String> amr) {
    return amr == null || amr.isEmpty() ? null : amr.toArray(String[]::new);
  }

  private static final String FAMILY_LOCK =
      "SELECT pg_advisory_xact_lock(hashtextextended(family_id::text, 7)) FROM refresh_tokens WHERE token_hash = $1";
  private static final String LOCK_FAMILY = "SELECT pg_advisory_xact_lock(hashtextextended(CAST($1 AS uuid)::text, 7))";
  private static final String LOCK =
      "SELECT rt.id, rt.family_id, rt.user_id, rt.client_id, rt.expires_at, rt.used_at, rt.revoked_at, rt.amr, rt.dpop_jkt,"
          + " rt.scopes,"
          + " u.username, u.roles, u.disabled"
          + " FROM refresh_tokens rt JOIN users u ON u.id = rt.user_id WHERE rt.token_hash = $1 FOR UPDATE OF rt";
  private static final String CONSUME = "UPDATE refresh_tokens SET used_at = $2, replaced_by = $3 WHERE id = $1";
  private static final String REVOKE_FAMILY =
      "UPDATE refresh_tokens SET revoked_at = $2 WHERE family_id = $1 AND revoked_at IS NULL";

  /**
   * Consumes {@code token} and issues its successor in the same family, in one transaction.
   * A consumed token presented again revokes its family (status REUSED, committed) unless it was
   * consumed less than the grace period ago, in which case it gets a successor too. For a request
   * whose DPoP proof has the thumbprint {@code proofJkt} (null: no proof), made
   * by the client {@code clientId} (null: none identified). A token of a family bound to another
   * key, or to a key while there is no proof, is left as it is (status KEY_MISMATCH): neither
   * consumed nor taken as a reuse. A token of a session issued to a client (the code flow) is
   * rotated only for that client: for anyone else it is INVALID, and left as it is too.
   */
  public Future<Rotation> rotate(String token, String proofJkt, String clientId) {
    Buffer hash = hash(token);
    return successorKey().compose(mac -> {
      String successor = successor(mac, token);
      return batches.consume(new Consume(hash, UUID.randomUUID(), hash(successor), proofJkt, clientId))
          .compose(row -> {
            if (row != null) {
              return Future.succeededFuture(new Rotation(Rotation.Status.ROTATED, row.getUUID("user_id"),
                  row.getUUID("family_id"), row.getString("username"), Arrays.asList(row.getArrayOfStrings("roles")),
                  row.getString("client_id"), successor, amrList(row), row.getString("dpop_jkt"), scopeList(row)));
            }
            // not an unused, live token presented with its key: unknown, expired, revoked, bound to
            // another DPoP key, or used (a retry within the grace period, or a reuse) — decided under
            // the family's lock
            return pool.withTransaction(conn -> conn.preparedQuery(FAMILY_LOCK).execute(Tuple.of(hash))
                .compose(locked -> locked.size() == 0 ? Future.succeededFuture(Rotation.invalid())
                    : conn.preparedQuery(LOCK).execute(Tuple.of(hash))
                        .compose(found -> rotateLocked(conn, found.iterator().next(), successor, proofJkt,
                            clientId))));
          });
    });
  }

  /**
   * One presentation for the common case: the token's hash, its successor's row id and hash, the
   * request's DPoP thumbprint and client (either may be null).
   */
  record Consume(Buffer hash, UUID next, Buffer successorHash, String proofJkt, String clientId) {
  }

  /**
   * The common case for a whole batch of presentations in one call (migration V11; V12 keeps its
   * statements on the indexes whatever the table's size when a session planned them): consumes each
   * unused live token of an enabled user presented with a proof by its DPoP key when the family is
   * bound to one, and by its client when the session is a client's, and inserts each one's
   * successor, which keeps the family's amr, binding and scopes, under the families' locks. A row
   * comes back for each presentation consumed, by its position ({@code n}, from 1); none for the
   * others, which {@link #rotate} then decides one by one. The same token twice in a batch is
   * consumed once; the other presentation then finds it used, within the grace period.
   */
  static final String ROTATE = "SELECT * FROM rotate_refresh_tokens($1, $2, $3, $4, $5, $6, $7)";

  private final Batches batches = new Batches();

  /** How many rotation statements (batches, and presentations retried alone) went to the database: for tests. */
  long rotationStatements() {
    synchronized (batches) {
      return batches.statements;
    }
  }

  /**
   * Presentations that arrive while a batch is at the database go out together as the next batch,
   * as soon as it returns: alone, a presentation goes at once (no timer, no added wait); under load,
   * one statement and one commit serve many, and those are what PostgreSQL's CPU per rotation is
   * made of. If a batch fails (the database unreachable, a statement error), each of its
   * presentations is tried alone, so that one cannot fail the others.
   */
  private final class Batches {
    private static final int MAX = 128;
    private final ArrayDeque<Waiting> queue = new ArrayDeque<>();
    private boolean sending;
    private long statements;

    /** The consumed row for {@code c} (its successor inserted), or null when it was not the common case. */
    Future<Row> consume(Consume c) {
      Waiting w = new Waiting(c, Promise.promise(), Vertx.currentContext());
      List<Waiting> batch;
      synchronized (this) {
        queue.add(w);
        batch = sending ? null : take();
      }
      if (batch != null) {
        send(batch);
      }
      return w.promise.future();
    }

    /** The next batch, marked as being sent; null (nothing being sent) when none waits. Holding the lock. */
    private List<Waiting> take() {
      if (queue.isEmpty()) {
        sending = false;
        return null;
      }
      List<Waiting> batch = new ArrayList<>(Math.min(queue.size(), MAX));
      while (!queue.isEmpty() && batch.size() < MAX) {
        batch.add(queue.poll());
      }
      sending = true;
      return batch;
    }

    private void send(List<Waiting> batch) {
      execute(batch).onComplete(ar -> {
        List<Waiting> next;
        synchronized (this) {
          next = take();
        }
        if (next != null) {
          send(next);
        }
        if (ar.succeeded()) {
          settle(batch, ar.result());
        } else if (batch.size() == 1) {
          batch.get(0).complete(null, ar.cause());
        } else {
          for (Waiting w : batch) {
            execute(List.of(w)).onComplete(one -> {
              if (one.succeeded()) {
                settle(List.of(w), one.result());
              } else {
                w.complete(null, one.cause());
              }
            });
          }
        }
      });
    }

    private void settle(List<Waiting> batch, RowSet<Row> rows) {
      Row[] byPosition = new Row[batch.size()];
      for (Row row : rows) {
        byPosition[(int) (row.getLong("n") - 1)] = row;
      }
      for (int i = 0; i < byPosition.length; i++) {
        batch.get(i).complete(byPosition[i], null);
      }
    }

    private Future<RowSet<Row>> execute(List<Waiting> batch) {
      synchronized (this) {
        statements++;
      }
      int n = batch.size();
      Buffer[] hashes = new Buffer[n];
      UUID[] next = new UUID[n];
      Buffer[] successors = new Buffer[n];
      String[] jkts = new String[n];
      String[] clients = new String[n];
      for (int i = 0; i < n; i++) {
        Consume c = batch.get(i).consume;
        hashes[i] = c.hash;
        next[i] = c.next;
        successors[i] = c.successorHash;
        jkts[i] = c.proofJkt;
        clients[i] = c.clientId;
      }
      Instant now = clock.instant();
      try {
        return pool.preparedQuery(ROTATE)
            .execute(Tuple.from(new Object[] {hashes, next, successors, jkts, clients, at(now), at(now.plus(ttl))}));
      } catch (RuntimeException e) {
        // a pool that throws (closed, say) must not leave the batcher "sending" for good
        return Future.failedFuture(e);
      }
    }
  }

  /** A presentation waiting for its batch, answered on the context it came from. */
  private record Waiting(Consume consume, Promise<Row> promise, Context context) {
    void complete(Row row, Throwable failure) {
      if (context == null || context == Vertx.currentContext()) {
        settle(row, failure);
      } else {
        context.runOnContext(v -> settle(row, failure));
      }
    }

    private void settle(Row row, Throwable failure) {
      if (failure != null) {
        promise.fail(failure);
      } else {
        promise.complete(row);
      }
    }
  }

  private Future<Rotation> rotateLocked(SqlConnection conn, Row row, String successor, String proofJkt,
                                        String presenter) {
    OffsetDateTime now = at(clock.instant());
    UUID id = row.getUUID("id");
    UUID family = row.getUUID("family_id");
    UUID user = row.getUUID("user_id");
    String clientId = row.getString("client_id");
    List<String> roles = Arrays.asList(row.getArrayOfStrings("roles"));
    String username = row.getString("username");
    List<String> amr = amrList(row);
    List<String> scopes = scopeList(row);
    OffsetDateTime usedAt = row.getOffsetDateTime("used_at");
    String jkt = row.getString("dpop_jkt");
    if (clientId != null && !clientId.equals(presenter)) {
      // a client's session presented by another client, by none, or at /auth/refresh: refused, and
      // neither consumed nor taken as a reuse (only its client may end it that way)
      return Future.succeededFuture(new Rotation(Rotation.Status.CLIENT_MISMATCH, null, null, null, List.of(), null,
          null, List.of(), null, List.of()));
    }
    if (row.getOffsetDateTime("revoked_at") != null || row.getBoolean("disabled")
        || !row.getOffsetDateTime("expires_at").isAfter(now)) {
      return Future.succeededFuture(Rotation.invalid());
    }
    if (jkt != null && !jkt.equals(proofJkt)) {
      // RFC 9449 §5: a bound refresh token is usable only with a proof by its key; a thief without
      // the key can neither use it nor, by presenting it, revoke the owner's session
      return Future.succeededFuture(new Rotation(Rotation.Status.KEY_MISMATCH, user, family, username, roles,
          clientId, null, amr, jkt, scopes));
    }
    if (usedAt != null && !usedAt.plus(grace).isAfter(now)) {
      return conn.preparedQuery(REVOKE_FAMILY).execute(Tuple.of(family, now))
          .map(v -> new Rotation(Rotation.Status.REUSED, user, family, username, roles, clientId, null, amr, jkt, scopes));
    }
    Rotation rotated = new Rotation(Rotation.Status.ROTATED, user, family, username, roles, clientId, successor, amr, jkt,
        scopes);
    if (usedAt != null) {
      // a retry within the grace period: the successor made by the first presentation, again
      return Future.succeededFuture(rotated);
    }
    UUID next = UUID.randomUUID();
    return conn.preparedQuery(CONSUME).execute(Tuple.of(id, now, next))
        .compose(v -> conn.preparedQuery(INSERT).execute(Tuple.from(new Object[] {next, family, user, hash(successor),
            clientId, at(clock.instant().plus(ttl)), amrArray(amr), jkt, amrArray(scopes)})))
        .map(v -> rotated);
  }

  /** The successor of {@code token}: HMAC-SHA256 under the server secret, base64url (256 bits like any token). */
  private static String successor(Mac mac, String token) {
    try {
      Mac m = (Mac) mac.clone();
      return B64URL.encodeToString(m.doFinal(token.getBytes(StandardCharsets.UTF_8)));
    } catch (CloneNotSupportedException e) {
      throw new IllegalStateException(e);
    }
  }

  private static final String SECRET = "SELECT value FROM server_secrets WHERE name = 'refresh-successor'";

  /** The HMAC keyed with the server secret, read once (it never changes). */
  private synchronized Future<Mac> successorKey() {
    if (successorMac == null || successorMac.failed()) {
      successorMac = pool.query(SECRET).execute().map(rows -> {
        try {
          Mac mac = Mac.getInstance("HmacSHA256");
          mac.init(new SecretKeySpec(rows.iterator().next().getBuffer("value").getBytes(), "HmacSHA256"));
          return mac;
        } catch (GeneralSecurityException e) {
          throw new IllegalStateException(e);
        }
      });
    }
    return successorMac;
  }

  private static final String FIND_FAMILY = "SELECT family_id, user_id FROM refresh_tokens WHERE token_hash = $1";

  /**
   * Revokes the family of {@code token}, if the token exists and (when {@code userId} is given)
   * belongs to that user. Answers the family id, or null.
   */
  public Future<UUID> revokeFamilyOf(String token, UUID userId) {
    return pool.preparedQuery(FIND_FAMILY).execute(Tuple.of(hash(token))).compose(rows -> {
      if (rows.size() == 0) {
        return Future.succeededFuture(null);
      }
      Row row = rows.iterator().next();
      if (userId != null && !userId.equals(row.getUUID("user_id"))) {
        return Future.succeededFuture(null);
      }
      UUID family = row.getUUID("family_id");
      return revokeFamily(family).map(family);
    });
  }

  /** Revokes every refresh token of a session, after any rotation of it in flight (family lock). */
  public Future<Void> revokeFamily(UUID familyId) {
    return pool.withTransaction(conn -> conn.preparedQuery(LOCK_FAMILY).execute(Tuple.of(familyId))
        .compose(v -> conn.preparedQuery(REVOKE_FAMILY).execute(Tuple.of(familyId, at(clock.instant()))))).mapEmpty();
  }

  /**
   * A live session of a user: a refresh family with a token that can still be used.
   *
   * @param familyId   the family (its {@code sid} is {@link SessionIds#of})
   * @param createdAt  when the session began (the login), epoch seconds
   * @param lastUsedAt when its latest token was issued (login or last refresh), epoch seconds
   * @param clientId   the client it was issued to, or null
   */
  public record Session(UUID familyId, long createdAt, long lastUsedAt, String clientId) {
    /** {@code {"sid","created_at","last_used_at","client_id"}}. */
    public io.vertx.core.json.JsonObject toJson() {
      return new io.vertx.core.json.JsonObject().put("sid", SessionIds.of(familyId)).put("created_at", createdAt)
          .put("last_used_at", lastUsedAt).put("client_id", clientId);
    }
  }

  private static final String SESSIONS =
      "SELECT family_id, min(created_at) AS created, max(created_at) AS last_used, max(client_id) AS client_id"
          + " FROM refresh_tokens WHERE user_id = $1 GROUP BY family_id"
          + " HAVING bool_or(used_at IS NULL AND revoked_at IS NULL AND expires_at > $2)"
          + " ORDER BY max(created_at) DESC";

  /** The live sessions of a user, most recently used first. */
  public Future<List<Session>> sessions(UUID userId) {
    return pool.preparedQuery(SESSIONS).execute(Tuple.of(userId, at(clock.instant()))).map(rows -> {
      List<Session> list = new java.util.ArrayList<>();
      for (Row r : rows) {
        list.add(new Session(r.getUUID("family_id"), r.getOffsetDateTime("created").toEpochSecond(),
            r.getOffsetDateTime("last_used").toEpochSecond(), r.getString("client_id")));
      }
      return list;
    });
  }

  private static final String LOCK_USER_FAMILIES =
      "SELECT pg_advisory_xact_lock(hashtextextended(f.family_id::text, 7)) FROM (SELECT DISTINCT family_id"
          + " FROM refresh_tokens WHERE user_id = $1 AND revoked_at IS NULL AND ($2::uuid IS NULL OR family_id <> $2)"
          + " ORDER BY family_id) f";
  private static final String REVOKE_USER =
      "UPDATE refresh_tokens SET revoked_at = $3 WHERE user_id = $1 AND revoked_at IS NULL"
          + " AND ($2::uuid IS NULL OR family_id <> $2) RETURNING family_id";

  private static final String END_SIGNIN_SESSIONS =
      "UPDATE signin_sessions SET ended_at = $2 WHERE user_id = $1 AND ended_at IS NULL";

  /**
   * Revokes every session of a user except {@code keep} (null: all), after any rotation in flight
   * (each family's lock, taken in one order), and ends the user's browser sign-in sessions of the
   * code flow (the next authorization asks for the password). Answers the families revoked.
   */
  public Future<java.util.Set<UUID>> revokeUser(UUID userId, UUID keep) {
    return pool.withTransaction(conn -> conn.preparedQuery(LOCK_USER_FAMILIES).execute(Tuple.of(userId, keep))
        .compose(v -> conn.preparedQuery(END_SIGNIN_SESSIONS).execute(Tuple.of(userId, at(clock.instant()))))
        .compose(v -> conn.preparedQuery(REVOKE_USER).execute(Tuple.of(userId, keep, at(clock.instant()))))
        .map(rows -> {
          java.util.Set<UUID> families = new java.util.HashSet<>();
          rows.forEach(r -> families.add(r.getUUID("family_id")));
          return families;
        }));
  }

  private static final String FAMILY_OWNER = "SELECT 1 FROM refresh_tokens WHERE family_id = $1 AND user_id = $2 LIMIT 1";

  /** Whether {@code familyId} is a session of {@code userId}. */
  public Future<Boolean> ownedBy(UUID familyId, UUID userId) {
    return pool.preparedQuery(FAMILY_OWNER).execute(Tuple.of(familyId, userId)).map(rows -> rows.size() > 0);
  }

  private static final String STATE =
      "SELECT rt.user_id, rt.family_id, rt.client_id, rt.expires_at, rt.used_at, rt.revoked_at, u.username, u.disabled"
          + " FROM refresh_tokens rt JOIN users u ON u.id = rt.user_id WHERE rt.token_hash = $1";

  /**
   * A refresh token that can still be used, as introspection shows it (RFC 7662).
   *
   * @param userId   its owner
   * @param username the owner's name
   * @param familyId its session
   * @param expiresAt when it expires, epoch seconds
   */
  public record Active(UUID userId, String username, UUID familyId, long expiresAt) {
    /** The RFC 7662 answer for it. */
    public io.vertx.core.json.JsonObject toIntrospection() {
      return new io.vertx.core.json.JsonObject().put("active", true).put("token_type", "refresh_token")
          .put("sub", userId.toString()).put("username", username).put("sid", SessionIds.of(familyId))
          .put("exp", expiresAt);
    }
  }

  /** Introspection of a refresh token: its state when it is still usable, else empty. */
  public Future<java.util.Optional<Active>> active(String token) {
    return pool.preparedQuery(STATE).execute(Tuple.of(hash(token))).map(rows -> {
      if (rows.size() == 0) {
        return java.util.Optional.empty();
      }
      Row row = rows.iterator().next();
      boolean active = row.getValue("used_at") == null && row.getValue("revoked_at") == null
          && !row.getBoolean("disabled") && row.getOffsetDateTime("expires_at").isAfter(at(clock.instant()));
      return active ? java.util.Optional.of(new Active(row.getUUID("user_id"), row.getString("username"),
          row.getUUID("family_id"), row.getOffsetDateTime("expires_at").toEpochSecond())) : java.util.Optional.empty();
    });
  }

  private static final String PRUNE = "DELETE FROM refresh_tokens WHERE expires_at < $1";

  /** Deletes refresh tokens expired for more than a day (reuse of those is just "invalid"). */
  public Future<Integer> prune() {
    return pool.preparedQuery(PRUNE).execute(Tuple.of(at(clock.instant().minus(Duration.ofDays(1)))))
        .map(rows -> rows.rowCount());
  }

  /** SHA-256 of the token: what the database holds. */
  public static Buffer hash(String token) {
    return Buffer.buffer(Digests.sha256(token));
  }

  private static OffsetDateTime at(java.time.Instant instant) {
    return OffsetDateTime.ofInstant(instant, ZoneOffset.UTC);
  }
}
