package dev.jwtauth.tokens;

import io.vertx.core.Future;
import io.vertx.core.buffer.Buffer;
import io.vertx.sqlclient.Pool;
import io.vertx.sqlclient.Row;
import io.vertx.sqlclient.SqlConnection;
import io.vertx.sqlclient.Tuple;

import java.nio.charset.StandardCharsets;
import java.security.GeneralSecurityException;
import java.util.Base64;
import javax.crypto.Mac;
import javax.crypto.spec.SecretKeySpec;
import java.time.Clock;
import java.time.Duration;
import java.time.OffsetDateTime;
import java.time.ZoneOffset;
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
   */
  public record Rotation(Status status, UUID userId, UUID familyId, String username, List<String> roles,
                         String clientId, String token) {
    public enum Status { ROTATED, REUSED, INVALID }

    static Rotation invalid() {
      return new Rotation(Status.INVALID, null, null, null, List.of(), null, null);
    }
  }

  private static final String INSERT =
      "INSERT INTO refresh_tokens (id, family_id, user_id, token_hash, client_id, expires_at) VALUES ($1, $2, $3, $4, $5, $6)";

  /** Creates a refresh token in {@code familyId} for {@code userId}; returns the token (shown once). */
  public Future<String> create(UUID familyId, UUID userId, String clientId) {
    return pool.withConnection(conn -> insert(conn, UUID.randomUUID(), familyId, userId, clientId));
  }

  private Future<String> insert(SqlConnection conn, UUID id, UUID familyId, UUID userId, String clientId) {
    String token = AccessTokens.randomId(32);
    return conn.preparedQuery(INSERT)
        .execute(Tuple.of(id, familyId, userId, hash(token), clientId, at(clock.instant().plus(ttl))))
        .map(rows -> token);
  }

  private static final String FAMILY_LOCK =
      "SELECT pg_advisory_xact_lock(hashtextextended(family_id::text, 7)) FROM refresh_tokens WHERE token_hash = $1";
  private static final String LOCK_FAMILY = "SELECT pg_advisory_xact_lock(hashtextextended(CAST($1 AS uuid)::text, 7))";
  private static final String LOCK =
      "SELECT rt.id, rt.family_id, rt.user_id, rt.client_id, rt.expires_at, rt.used_at, rt.revoked_at,"
          + " u.username, u.roles, u.disabled"
          + " FROM refresh_tokens rt JOIN users u ON u.id = rt.user_id WHERE rt.token_hash = $1 FOR UPDATE OF rt";
  private static final String CONSUME = "UPDATE refresh_tokens SET used_at = $2, replaced_by = $3 WHERE id = $1";
  private static final String REVOKE_FAMILY =
      "UPDATE refresh_tokens SET revoked_at = $2 WHERE family_id = $1 AND revoked_at IS NULL";

  /**
   * Consumes {@code token} and issues its successor in the same family, in one transaction.
   * A consumed token presented again revokes its family (status REUSED, committed) unless it was
   * consumed less than the grace period ago, in which case it gets a successor too.
   */
  public Future<Rotation> rotate(String token) {
    Buffer hash = hash(token);
    return successorKey().compose(mac -> pool.withTransaction(conn -> conn.preparedQuery(FAMILY_LOCK).execute(Tuple.of(hash))
        .compose(locked -> locked.size() == 0 ? Future.succeededFuture(Rotation.invalid())
            : conn.preparedQuery(LOCK).execute(Tuple.of(hash)).compose(rows -> rotateLocked(conn, rows.iterator().next(),
                successor(mac, token))))));
  }

  private Future<Rotation> rotateLocked(SqlConnection conn, Row row, String successor) {
    OffsetDateTime now = at(clock.instant());
    UUID id = row.getUUID("id");
    UUID family = row.getUUID("family_id");
    UUID user = row.getUUID("user_id");
    String clientId = row.getString("client_id");
    List<String> roles = Arrays.asList(row.getArrayOfStrings("roles"));
    String username = row.getString("username");
    OffsetDateTime usedAt = row.getOffsetDateTime("used_at");
    if (row.getOffsetDateTime("revoked_at") != null || row.getBoolean("disabled")
        || !row.getOffsetDateTime("expires_at").isAfter(now)) {
      return Future.succeededFuture(Rotation.invalid());
    }
    if (usedAt != null && !usedAt.plus(grace).isAfter(now)) {
      return conn.preparedQuery(REVOKE_FAMILY).execute(Tuple.of(family, now))
          .map(v -> new Rotation(Rotation.Status.REUSED, user, family, username, roles, clientId, null));
    }
    Rotation rotated = new Rotation(Rotation.Status.ROTATED, user, family, username, roles, clientId, successor);
    if (usedAt != null) {
      // a retry within the grace period: the successor made by the first presentation, again
      return Future.succeededFuture(rotated);
    }
    UUID next = UUID.randomUUID();
    return conn.preparedQuery(CONSUME).execute(Tuple.of(id, now, next))
        .compose(v -> conn.preparedQuery(INSERT).execute(Tuple.of(next, family, user, hash(successor), clientId,
            at(clock.instant().plus(ttl)))))
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
