package dev.jwtauth.oidc;

import dev.jwtauth.tokens.AccessTokens;
import dev.jwtauth.tokens.Digests;
import io.vertx.core.Future;
import io.vertx.core.buffer.Buffer;
import io.vertx.core.json.JsonObject;
import io.vertx.sqlclient.Pool;
import io.vertx.sqlclient.Row;
import io.vertx.sqlclient.Tuple;

import java.security.MessageDigest;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.time.OffsetDateTime;
import java.time.ZoneOffset;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Optional;
import java.util.UUID;

/**
 * The code flow's tables: {@code authorization_requests} (a request waiting for its password,
 * with its CSRF token's hash), {@code signin_sessions} (the browser's sign-in, by cookie) and
 * {@code authorization_codes} (single use, hashed, bound to client, redirect URI, PKCE challenge,
 * nonce, scopes, user, auth_time, amr and the session its exchange creates). Sessions and codes
 * record how the sign-in was authenticated ({@code amr}: {@code ["pwd"]} or {@code ["pwd","otp"]},
 * RFC 8176; a row from before migration V10 reads as {@code ["pwd"]}). Secrets (CSRF tokens,
 * session cookies, codes) are 256 random bits and only their SHA-256 is stored.
 */
public final class AuthorizationStore {
  /** How long the sign-in page may wait for its password. */
  public static final Duration PENDING_TTL = Duration.ofMinutes(10);
  private static final List<String> PWD = List.of("pwd");

  private final Pool pool;
  private final Clock clock;

  public AuthorizationStore(Pool pool, Clock clock) {
    this.pool = pool;
    this.clock = clock;
  }

  // ---- pending requests ------------------------------------------------------------------------

  /**
   * A pending request shown by the sign-in page.
   *
   * @param id      its id (a hidden form field)
   * @param csrf    its CSRF token (a hidden form field; only the hash is stored)
   * @param request what was asked
   */
  public record Pending(String id, String csrf, AuthorizationRequest request) {
  }

  private static final String PUT_PENDING =
      "INSERT INTO authorization_requests (id, csrf_hash, request, expires_at) VALUES ($1, $2, $3, $4)";

  /** Stores a request waiting for its password; answers its id and CSRF token. */
  public Future<Pending> putPending(AuthorizationRequest request) {
    Pending p = new Pending(AccessTokens.randomId(16), AccessTokens.randomId(32), request);
    return pool.preparedQuery(PUT_PENDING)
        .execute(Tuple.of(p.id(), hash(p.csrf()), request.toJson(), at(clock.instant().plus(PENDING_TTL))))
        .map(rows -> p);
  }

  private static final String GET_PENDING =
      "SELECT csrf_hash, request FROM authorization_requests WHERE id = $1 AND expires_at > $2";

  /**
   * The pending request {@code id} when {@code csrf} is its token and it has not expired; empty
   * otherwise (unknown, expired, used, or a token of another request).
   */
  public Future<Optional<AuthorizationRequest>> pending(String id, String csrf) {
    if (id == null || csrf == null || id.length() > 64 || csrf.length() > 64) {
      return Future.succeededFuture(Optional.empty());
    }
    return pool.preparedQuery(GET_PENDING).execute(Tuple.of(id, at(clock.instant()))).map(rows -> {
      if (rows.size() == 0) {
        return Optional.empty();
      }
      Row row = rows.iterator().next();
      if (!MessageDigest.isEqual(row.getBuffer("csrf_hash").getBytes(), hash(csrf).getBytes())) {
        return Optional.empty();
      }
      Object json = row.getValue("request");
      return Optional.of(AuthorizationRequest.fromJson(json instanceof JsonObject o ? o : new JsonObject(json.toString())));
    });
  }

  private static final String TAKE_PENDING = "DELETE FROM authorization_requests WHERE id = $1";

  /** Consumes a pending request; false when another sign-in already consumed it. */
  public Future<Boolean> takePending(String id) {
    return pool.preparedQuery(TAKE_PENDING).execute(Tuple.of(id)).map(rows -> rows.rowCount() == 1);
  }

  // ---- sign-in sessions ------------------------------------------------------------------------

  /**
   * A live sign-in session of the browser.
   *
   * @param tokenHash the SHA-256 of its cookie
   * @param userId    who signed in
   * @param authTime  when the sign-in was completed, epoch seconds
   * @param amr       how it was authenticated ({@code ["pwd"]} or {@code ["pwd","otp"]})
   * @param roles     the user's roles now (whether a second factor is required of them)
   */
  public record Session(Buffer tokenHash, UUID userId, long authTime, List<String> amr, List<String> roles) {
  }

  private static final String PUT_SESSION =
      "INSERT INTO signin_sessions (token_hash, user_id, auth_time, expires_at, amr) VALUES ($1, $2, $3, $4, $5)";

  /** Starts a sign-in session for {@code userId} that signed in now by {@code amr}; answers its cookie value. */
  public Future<String> createSession(UUID userId, List<String> amr, Duration ttl) {
    String token = AccessTokens.randomId(32);
    Instant now = clock.instant();
    return pool.preparedQuery(PUT_SESSION).execute(Tuple.of(hash(token), userId, at(now), at(now.plus(ttl)),
            amr.toArray(new String[0])))
        .map(rows -> token);
  }

  private static final String GET_SESSION = "SELECT s.token_hash, s.user_id, s.auth_time, s.amr, u.roles"
      + " FROM signin_sessions s"
      + " JOIN users u ON u.id = s.user_id WHERE s.token_hash = $1 AND s.ended_at IS NULL AND s.expires_at > $2"
      + " AND NOT u.disabled";

  /** The live session of a cookie value (not ended, not expired, its user enabled). */
  public Future<Optional<Session>> session(String token) {
    if (token == null || token.isEmpty() || token.length() > 64) {
      return Future.succeededFuture(Optional.empty());
    }
    return pool.preparedQuery(GET_SESSION).execute(Tuple.of(hash(token), at(clock.instant()))).map(rows -> {
      if (rows.size() == 0) {
        return Optional.empty();
      }
      Row r = rows.iterator().next();
      return Optional.of(new Session(r.getBuffer("token_hash"), r.getUUID("user_id"),
          r.getOffsetDateTime("auth_time").toEpochSecond(), amr(r), strings(r.getArrayOfStrings("roles"))));
    });
  }

  private static final String END_SESSION = "UPDATE signin_sessions SET ended_at = $2 WHERE token_hash = $1"
      + " AND ended_at IS NULL";
  private static final String SESSION_FAMILIES =
      "SELECT DISTINCT family_id FROM authorization_codes WHERE signin_session = $1 AND used_at IS NOT NULL";

  /**
   * Ends the sign-in session of a cookie value; answers the sessions (refresh families) its codes
   * created, so that the caller revokes them. Empty for an unknown or ended session.
   */
  public Future<List<UUID>> endSession(String token) {
    if (token == null || token.isEmpty() || token.length() > 64) {
      return Future.succeededFuture(List.of());
    }
    Buffer h = hash(token);
    return pool.preparedQuery(END_SESSION).execute(Tuple.of(h, at(clock.instant())))
        .compose(ended -> pool.preparedQuery(SESSION_FAMILIES).execute(Tuple.of(h)))
        .map(rows -> {
          List<UUID> families = new ArrayList<>();
          rows.forEach(r -> families.add(r.getUUID("family_id")));
          return families;
        });
  }

  // ---- codes -----------------------------------------------------------------------------------

  private static final String PUT_CODE = "INSERT INTO authorization_codes (code_hash, client_id, redirect_uri,"
      + " code_challenge, nonce, scopes, user_id, auth_time, family_id, signin_session, expires_at, redirect_given, amr)"
      + " VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11, $12, $13)";

  /**
   * Issues a code for {@code request}, signed in as {@code userId} at {@code authTime} by
   * {@code amr} in sign-in session {@code session}; answers the code (shown once).
   */
  public Future<String> createCode(AuthorizationRequest request, UUID userId, long authTime, List<String> amr,
                                   Buffer session, Duration ttl) {
    String code = AccessTokens.randomId(32);
    return pool.preparedQuery(PUT_CODE).execute(Tuple.tuple().addValue(hash(code)).addValue(request.clientId())
            .addValue(request.redirectUri()).addValue(request.codeChallenge()).addValue(request.nonce())
            .addValue(request.scopes().toArray(new String[0])).addValue(userId)
            .addValue(at(Instant.ofEpochSecond(authTime))).addValue(UUID.randomUUID()).addValue(session)
            .addValue(at(clock.instant().plus(ttl))).addValue(request.redirectGiven())
            .addValue(amr.toArray(new String[0])))
        .map(rows -> code);
  }

  /**
   * The outcome of presenting a code at the token endpoint.
   *
   * @param status   REDEEMED (now used), REUSED (used before: revoke {@code familyId}) or INVALID
   * @param clientId the client it was issued to
   * @param nonce    the request's nonce, or null
   * @param scopes   granted scopes
   * @param userId   the user
   * @param username the user's name
   * @param roles    the user's roles
   * @param authTime when the user's password was checked, epoch seconds
   * @param familyId the session its exchange creates (the tokens' {@code sid})
   * @param amr      how the sign-in was authenticated (RFC 8176), carried by the tokens
   */
  public record Redemption(Status status, String clientId, String nonce, List<String> scopes, UUID userId,
                           String username, List<String> roles, long authTime, UUID familyId, List<String> amr) {
    public enum Status { REDEEMED, REUSED, INVALID }

    static Redemption invalid() {
      return new Redemption(Status.INVALID, null, null, List.of(), null, null, List.of(), 0, null, List.of());
    }
  }

  private static final String LOCK_CODE = "SELECT c.client_id, c.redirect_uri, c.redirect_given, c.code_challenge, c.nonce, c.scopes,"
      + " c.user_id, c.auth_time, c.family_id, c.expires_at, c.used_at, c.amr, u.username, u.roles, u.disabled"
      + " FROM authorization_codes c JOIN users u ON u.id = c.user_id WHERE c.code_hash = $1 FOR UPDATE OF c";
  private static final String USE_CODE = "UPDATE authorization_codes SET used_at = $2 WHERE code_hash = $1";

  /**
   * Redeems a code in one transaction: it must exist, be unused and unexpired, and match the
   * client, the redirect URI (exact string; null only when the authorization request left it out)
   * and the PKCE verifier; then it is used. A used code
   * presented again is REUSED (whatever else is presented), so the caller revokes what it issued.
   * A mismatch does not use the code up (a thief with a wrong verifier cannot burn the owner's code).
   */
  public Future<Redemption> redeem(String code, String clientId, String redirectUri, String verifier) {
    if (code == null || code.length() > 128) {
      return Future.succeededFuture(Redemption.invalid());
    }
    Buffer h = hash(code);
    OffsetDateTime now = at(clock.instant());
    return pool.withTransaction(conn -> conn.preparedQuery(LOCK_CODE).execute(Tuple.of(h)).compose(rows -> {
      if (rows.size() == 0) {
        return Future.succeededFuture(Redemption.invalid());
      }
      Row r = rows.iterator().next();
      Redemption.Status status;
      if (r.getOffsetDateTime("used_at") != null) {
        status = Redemption.Status.REUSED;
      } else if (!r.getOffsetDateTime("expires_at").isAfter(now) || r.getBoolean("disabled")
          || !r.getString("client_id").equals(clientId)
          || (redirectUri == null ? r.getBoolean("redirect_given") : !r.getString("redirect_uri").equals(redirectUri))
          || !Pkce.matches(verifier, r.getString("code_challenge"))) {
        return Future.succeededFuture(Redemption.invalid());
      } else {
        status = Redemption.Status.REDEEMED;
      }
      Redemption out = new Redemption(status, r.getString("client_id"), r.getString("nonce"),
          strings(r.getArrayOfStrings("scopes")), r.getUUID("user_id"), r.getString("username"),
          strings(r.getArrayOfStrings("roles")), r.getOffsetDateTime("auth_time").toEpochSecond(),
          r.getUUID("family_id"), amr(r));
      return status == Redemption.Status.REUSED ? Future.succeededFuture(out)
          : conn.preparedQuery(USE_CODE).execute(Tuple.of(h, now)).map(v -> out);
    }));
  }

  private static final String PRUNE_REQUESTS = "DELETE FROM authorization_requests WHERE expires_at < $1";
  private static final String PRUNE_SESSIONS = "DELETE FROM signin_sessions WHERE expires_at < $1";
  private static final String PRUNE_CODES = "DELETE FROM authorization_codes WHERE expires_at < $1";

  /**
   * Deletes what has expired: pending requests at once; sessions and codes a day after (a code is
   * kept while its sign-in session may still end: logout finds the sessions it created by it).
   */
  public Future<Void> prune() {
    Instant now = clock.instant();
    Instant dayAgo = now.minus(Duration.ofDays(1));
    return pool.preparedQuery(PRUNE_REQUESTS).execute(Tuple.of(at(now)))
        .compose(v -> pool.preparedQuery(PRUNE_SESSIONS).execute(Tuple.of(at(dayAgo))))
        .compose(v -> pool.preparedQuery(PRUNE_CODES).execute(Tuple.of(at(dayAgo))))
        .mapEmpty();
  }

  private static List<String> strings(String[] values) {
    return values == null ? List.of() : Arrays.asList(values);
  }

  /** The row's {@code amr}; a row from before migration V10 (NULL) was a password sign-in. */
  private static List<String> amr(Row r) {
    String[] amr = r.getArrayOfStrings("amr");
    return amr == null || amr.length == 0 ? PWD : List.of(amr);
  }

  /** SHA-256 of a secret: what the tables hold. */
  static Buffer hash(String secret) {
    return Buffer.buffer(Digests.sha256(secret));
  }

  private static OffsetDateTime at(Instant instant) {
    return OffsetDateTime.ofInstant(instant, ZoneOffset.UTC);
  }
}
