package dev.jwtauth.tokens;

import io.vertx.core.Future;
import io.vertx.sqlclient.Pool;
import io.vertx.sqlclient.Tuple;

import java.nio.charset.StandardCharsets;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.time.Clock;
import java.time.Duration;
import java.time.OffsetDateTime;
import java.time.ZoneOffset;
import java.util.UUID;

/**
 * Opaque refresh tokens: 256 random bits, base64url, stored only as their SHA-256. A token belongs
 * to a family (the login session, the access tokens' {@code sid}).
 */
public final class RefreshTokens {
  private final Pool pool;
  private final Duration ttl;
  private final Clock clock;

  public RefreshTokens(Pool pool, Duration ttl, Clock clock) {
    this.pool = pool;
    this.ttl = ttl;
    this.clock = clock;
  }

  public Duration ttl() {
    return ttl;
  }

  private static final String INSERT =
      "INSERT INTO refresh_tokens (family_id, user_id, token_hash, client_id, expires_at) VALUES ($1, $2, $3, $4, $5)";

  /** Creates a refresh token in {@code familyId} for {@code userId}; returns the token (shown once). */
  public Future<String> create(UUID familyId, UUID userId, String clientId) {
    String token = AccessTokens.randomId(32);
    OffsetDateTime expires = OffsetDateTime.ofInstant(clock.instant().plus(ttl), ZoneOffset.UTC);
    return pool.preparedQuery(INSERT)
        .execute(Tuple.of(familyId, userId, hash(token), clientId, expires))
        .map(rows -> token);
  }

  /** SHA-256 of the token: what the database holds. */
  public static io.vertx.core.buffer.Buffer hash(String token) {
    try {
      return io.vertx.core.buffer.Buffer.buffer(
          MessageDigest.getInstance("SHA-256").digest(token.getBytes(StandardCharsets.US_ASCII)));
    } catch (NoSuchAlgorithmException e) {
      throw new IllegalStateException(e);
    }
  }
}
