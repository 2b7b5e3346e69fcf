package dev.jwtauth.mfa;

import dev.jwtauth.tokens.AccessTokens;
import dev.jwtauth.tokens.Digests;
import io.vertx.core.Future;
import io.vertx.core.buffer.Buffer;
import io.vertx.sqlclient.Pool;
import io.vertx.sqlclient.Row;
import io.vertx.sqlclient.Tuple;

import java.time.Clock;
import java.time.Duration;
import java.time.OffsetDateTime;
import java.time.ZoneOffset;
import java.util.List;
import java.util.Optional;
import java.util.UUID;

/**
 * The tables {@code totp_credentials}, {@code totp_recovery_codes} and {@code mfa_challenges}
 * (V8). Every check-and-use is one conditional statement, so two requests racing with the same
 * code, recovery code or challenge attempt cannot both win, on any member of a cluster.
 */
public final class TotpStore {
  /** Failed codes after which a challenge is dead. */
  public static final int MAX_ATTEMPTS = 5;
  private final Pool pool;
  private final Clock clock;

  /** @param clock what challenges expire by (the server's clock, not the database's, so tests can move it) */
  public TotpStore(Pool pool, Clock clock) {
    this.pool = pool;
    this.clock = clock;
  }

  /**
   * A stored TOTP credential.
   *
   * @param userId    owner
   * @param sealed    the secret sealed by {@link TotpKey}
   * @param confirmed whether a first code confirmed it (only then does login ask for it)
   * @param lastStep  the last accepted step, -1 for none
   */
  public record Credential(UUID userId, byte[] sealed, boolean confirmed, long lastStep) {
    static Credential fromRow(Row row) {
      return new Credential(row.getUUID("user_id"), row.getBuffer("secret_enc").getBytes(), row.getBoolean("confirmed"),
          row.getLong("last_step"));
    }
  }

  private static final String FIND = "SELECT user_id, secret_enc, confirmed, last_step FROM totp_credentials WHERE user_id = $1";

  public Future<Optional<Credential>> find(UUID userId) {
    return pool.preparedQuery(FIND).execute(Tuple.of(userId))
        .map(rows -> rows.size() == 0 ? Optional.empty() : Optional.of(Credential.fromRow(rows.iterator().next())));
  }

  /** Whether the user has a confirmed TOTP. */
  public Future<Boolean> confirmed(UUID userId) {
    return find(userId).map(c -> c.isPresent() && c.get().confirmed());
  }

  private static final String PUT =
      "INSERT INTO totp_credentials (user_id, secret_enc) VALUES ($1, $2)"
          + " ON CONFLICT (user_id) DO UPDATE SET secret_enc = EXCLUDED.secret_enc, last_step = -1, created_at = now()"
          + " WHERE NOT totp_credentials.confirmed";

  /** Stores a new unconfirmed secret (replacing an unconfirmed one); false when a confirmed one exists. */
  public Future<Boolean> putUnconfirmed(UUID userId, byte[] sealed) {
    return pool.preparedQuery(PUT).execute(Tuple.of(userId, Buffer.buffer(sealed))).map(rows -> rows.rowCount() == 1);
  }

  private static final String CONFIRM =
      "UPDATE totp_credentials SET confirmed = true, confirmed_at = now(), last_step = $2"
          + " WHERE user_id = $1 AND NOT confirmed AND last_step < $2";
  private static final String CLEAR_CODES = "DELETE FROM totp_recovery_codes WHERE user_id = $1";
  private static final String ADD_CODE = "INSERT INTO totp_recovery_codes (user_id, code_hash) VALUES ($1, $2)";

  /** Confirms the pending secret at {@code step} and stores the recovery codes' hashes; false when nothing was pending. */
  public Future<Boolean> confirm(UUID userId, long step, List<Buffer> codeHashes) {
    return pool.withTransaction(conn -> conn.preparedQuery(CONFIRM).execute(Tuple.of(userId, step)).compose(rows -> {
      if (rows.rowCount() != 1) {
        return Future.succeededFuture(false);
      }
      return conn.preparedQuery(CLEAR_CODES).execute(Tuple.of(userId))
          .compose(v -> conn.preparedQuery(ADD_CODE).executeBatch(codeHashes.stream().map(h -> Tuple.of(userId, h)).toList()))
          .map(true);
    }));
  }

  private static final String ACCEPT_STEP =
      "UPDATE totp_credentials SET last_step = $2 WHERE user_id = $1 AND confirmed AND last_step < $2";

  /** Records {@code step} as used; false when it (or a later one) was used already (replay). */
  public Future<Boolean> acceptStep(UUID userId, long step) {
    return pool.preparedQuery(ACCEPT_STEP).execute(Tuple.of(userId, step)).map(rows -> rows.rowCount() == 1);
  }

  private static final String USE_CODE =
      "UPDATE totp_recovery_codes SET used_at = now() WHERE user_id = $1 AND code_hash = $2 AND used_at IS NULL";

  /** Uses a recovery code once; false when it is not one of the user's unused codes. */
  public Future<Boolean> useRecoveryCode(UUID userId, Buffer codeHash) {
    return pool.preparedQuery(USE_CODE).execute(Tuple.of(userId, codeHash)).map(rows -> rows.rowCount() == 1);
  }

  private static final String CODES_LEFT =
      "SELECT count(*) AS n FROM totp_recovery_codes WHERE user_id = $1 AND used_at IS NULL";

  /** Unused recovery codes of the user. */
  public Future<Integer> recoveryCodesLeft(UUID userId) {
    return pool.preparedQuery(CODES_LEFT).execute(Tuple.of(userId)).map(rows -> rows.iterator().next().getInteger("n"));
  }

  private static final String REMOVE =
      "WITH codes AS (DELETE FROM totp_recovery_codes WHERE user_id = $1),"
          + " challenges AS (DELETE FROM mfa_challenges WHERE user_id = $1 AND purpose = 'login')"
          + " DELETE FROM totp_credentials WHERE user_id = $1";

  /** Removes the user's TOTP, recovery codes and pending login challenges; false when there was no TOTP. */
  public Future<Boolean> remove(UUID userId) {
    return pool.preparedQuery(REMOVE).execute(Tuple.of(userId)).map(rows -> rows.rowCount() == 1);
  }

  private static final String NEW_CHALLENGE =
      "WITH old AS (DELETE FROM mfa_challenges WHERE expires_at < $5)"
          + " INSERT INTO mfa_challenges (token_hash, user_id, purpose, expires_at) VALUES ($1, $2, $3, $4)";

  /** A new challenge token (256 random bits, only its SHA-256 stored), valid for {@code ttl}. */
  public Future<String> newChallenge(UUID userId, String purpose, Duration ttl) {
    String token = AccessTokens.randomId(32);
    return pool.preparedQuery(NEW_CHALLENGE)
        .execute(Tuple.of(hash(token), userId, purpose, now().plus(ttl), now()))
        .map(rows -> token);
  }

  private static final String TAKE_ATTEMPT =
      "UPDATE mfa_challenges SET attempts = attempts + 1"
          + " WHERE token_hash = $1 AND purpose = $2 AND expires_at > $4 AND attempts < $3 RETURNING user_id";

  /**
   * Spends one attempt of a live challenge, before its code is checked (so parallel guesses are
   * all counted); answers its user, or empty for an unknown, expired, used or worn-out challenge.
   */
  public Future<Optional<UUID>> takeAttempt(String token, String purpose) {
    return pool.preparedQuery(TAKE_ATTEMPT).execute(Tuple.of(hash(token), purpose, MAX_ATTEMPTS, now()))
        .map(rows -> rows.size() == 0 ? Optional.empty() : Optional.of(rows.iterator().next().getUUID("user_id")));
  }

  private static final String PEEK =
      "SELECT user_id FROM mfa_challenges WHERE token_hash = $1 AND purpose = $2 AND expires_at > $4 AND attempts < $3";

  /** The user of a live challenge, without spending an attempt. */
  public Future<Optional<UUID>> peek(String token, String purpose) {
    return pool.preparedQuery(PEEK).execute(Tuple.of(hash(token), purpose, MAX_ATTEMPTS, now()))
        .map(rows -> rows.size() == 0 ? Optional.empty() : Optional.of(rows.iterator().next().getUUID("user_id")));
  }

  private static final String END_CHALLENGE = "DELETE FROM mfa_challenges WHERE token_hash = $1";

  /** Ends a challenge (it succeeded: single use). */
  public Future<Void> endChallenge(String token) {
    return pool.preparedQuery(END_CHALLENGE).execute(Tuple.of(hash(token))).mapEmpty();
  }

  private OffsetDateTime now() {
    return OffsetDateTime.ofInstant(clock.instant(), ZoneOffset.UTC);
  }

  private static Buffer hash(String token) {
    return Buffer.buffer(Digests.sha256(token == null ? "" : token));
  }
}
