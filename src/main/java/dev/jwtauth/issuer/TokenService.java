package dev.jwtauth.issuer;

import dev.jwtauth.clients.Client;
import dev.jwtauth.http.ApiError;
import dev.jwtauth.mfa.SecondFactor;
import dev.jwtauth.oidc.AuthorizationStore;
import dev.jwtauth.ops.Audit;
import dev.jwtauth.ops.Metrics;
import io.vertx.core.Vertx;
import dev.jwtauth.tokens.AccessTokens;
import dev.jwtauth.tokens.Names;
import dev.jwtauth.tokens.RefreshTokens;
import dev.jwtauth.tokens.Revocations;
import dev.jwtauth.tokens.SessionIds;
import dev.jwtauth.tokens.TokenResponse;
import dev.jwtauth.tokens.UserSessions;
import dev.jwtauth.users.User;
import io.vertx.core.Future;
import io.vertx.core.json.JsonObject;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import java.time.Clock;
import java.time.Duration;
import java.util.List;
import java.util.UUID;

/**
 * The token verbs of the auth side: issue a pair at login, rotate it, end a session, issue for a
 * client or a trusted service, revoke. One instance per issuer verticle instance.
 */
final class TokenService {
  private static final Logger log = LoggerFactory.getLogger(TokenService.class);
  static final ApiError INVALID_REFRESH =
      new ApiError(401, "invalid_grant", "The refresh token is invalid, expired, used or revoked.");
  /**
   * A client's session (code flow) presented at {@code /oauth2/token} without identifying a client:
   * the token endpoint answers 401 invalid_client, as it would have before looking at the token.
   */
  static final ApiError CLIENT_REQUIRED = dev.jwtauth.clients.ClientRepository.INVALID_CLIENT;
  /** A refresh token bound to a DPoP key, presented without a proof by that key (RFC 9449 §5). */
  static final ApiError REFRESH_KEY_MISMATCH = new ApiError(401, "invalid_grant",
      "The refresh token is bound to a DPoP key: present a DPoP proof made with that key.");

  private final AccessTokens access;
  private final RefreshTokens refresh;
  private final Revocations revocations;
  private final Duration accessTtl;
  private final Duration sessionRevocationSpan;
  private final Clock clock;
  private final Metrics metrics;
  private final Vertx vertx;
  private final UserSessions userSessions;

  TokenService(Vertx vertx, AccessTokens access, RefreshTokens refresh, Revocations revocations, Duration accessTtl,
               Duration leeway, Clock clock) {
    this.vertx = vertx;
    this.metrics = Metrics.of(vertx);
    this.access = access;
    this.refresh = refresh;
    this.revocations = revocations;
    this.accessTtl = accessTtl;
    this.sessionRevocationSpan = accessTtl.plus(leeway);
    this.clock = clock;
    this.userSessions = new UserSessions(refresh, revocations, sessionRevocationSpan, clock);
  }

  /** The sessions of users, for administration and self-service. */
  UserSessions userSessions() {
    return userSessions;
  }

  /**
   * Ends every session of a user and refuses every access token issued to it up to now (a
   * {@code sub} cut-off until the last of them has expired), on every member.
   */
  Future<Void> revokeUser(UUID userId) {
    return userSessions.revokeAll(userId);
  }

  Duration accessTtl() {
    return accessTtl;
  }

  /** Starts a new session (refresh family) for {@code user}, signed in with a password alone; answers the token response. */
  Future<JsonObject> issueForUser(User user) {
    return issueForUser(user, SecondFactor.AMR_PWD, null);
  }

  /**
   * Starts a new session for {@code user} signed in by {@code amr} (RFC 8176 values, carried by
   * every access token of the session, refreshes included), bound to the DPoP key {@code jkt} when
   * not null (the access token carries {@code cnf.jkt} and the session's refresh tokens need proofs
   * by that key); answers the token response.
   */
  Future<JsonObject> issueForUser(User user, List<String> amr, String jkt) {
    UUID family = UUID.randomUUID();
    return refresh.create(family, user.id(), null, List.of(), amr, jkt)
        .map(refreshToken -> {
          metrics.issued("password");
          return pair(user.id(), user.username(), user.roles(), family, null, refreshToken, amr, jkt);
        });
  }

  /**
   * Rotates a refresh token: the new pair, or 401 invalid_grant. A reused token revokes its
   * session (refresh family and access tokens by {@code sid}) before failing. {@code jkt} is the
   * thumbprint of the request's DPoP proof (null: none). A session bound to
   * a key needs a proof by it (else 401 invalid_grant, and the token stays as it was); the new
   * access token is bound to the proof's key when there is one. A session issued to a client
   * through the code flow is refreshed at {@code /oauth2/token}, with that client, not here.
   */
  Future<JsonObject> refresh(String token, String jkt) {
    return rotate(token, jkt, null).recover(err -> Future.failedFuture(err == CLIENT_REQUIRED ? INVALID_REFRESH : err));
  }

  /**
   * Rotates a refresh token presented at {@code /oauth2/token} by {@code clientId} (null: no client
   * identified), with a DPoP proof of thumbprint {@code jkt} (null: none). A session issued to a
   * client (code flow) is refreshed only by that client; one of {@code /auth/login} by anyone
   * holding it, as before. A client's session presented by no client fails with
   * {@link #CLIENT_REQUIRED}; by another client, with {@link #INVALID_REFRESH}.
   */
  Future<JsonObject> refreshForClient(String token, String clientId, String jkt) {
    return rotate(token, jkt, clientId);
  }

  /** One rotation (one statement in the common case): the client rule is checked by it, not before it. */
  private Future<JsonObject> rotate(String token, String jkt, String clientId) {
    return refresh.rotate(token, jkt, clientId).compose(r -> switch (r.status()) {
      case ROTATED -> {
        metrics.refresh("rotated");
        metrics.issued("refresh_token");
        yield Future.succeededFuture(pair(r.userId(), r.username(), r.roles(), r.familyId(), r.clientId(), r.token(),
            r.amr(), jkt, r.scopes()));
      }
      case KEY_MISMATCH -> {
        metrics.refresh("invalid");
        log.info("refresh refused: session bound to another DPoP key user_id={} sid={}", r.userId(),
            SessionIds.of(r.familyId()));
        yield Future.failedFuture(REFRESH_KEY_MISMATCH);
      }
      case REUSED -> {
        metrics.refresh("reused");
        log.warn("refresh token reuse detected: session revoked user_id={} sid={}", r.userId(), r.familyId());
        Audit.record(vertx, Audit.event("refresh_reuse").put("user_id", r.userId().toString())
            .put("username", r.username()).put("details", new JsonObject().put("sid", SessionIds.of(r.familyId()))));
        yield revokeSessionTokens(r.familyId()).compose(v -> Future.failedFuture(INVALID_REFRESH));
      }
      case INVALID -> {
        metrics.refresh("invalid");
        yield Future.failedFuture(INVALID_REFRESH);
      }
      case CLIENT_MISMATCH -> {
        metrics.refresh("invalid");
        yield Future.failedFuture(clientId == null ? CLIENT_REQUIRED : INVALID_REFRESH);
      }
    });
  }

  private JsonObject pair(UUID userId, String username, List<String> roles, UUID family, String clientId, String refreshToken,
                          List<String> amr, String jkt) {
    return pair(userId, username, roles, family, clientId, refreshToken, amr, jkt, List.of());
  }

  /**
   * A user's token pair. A session issued to a client (the code flow: {@code clientId} set) never
   * carries {@code admin}, at issuance or at any refresh: an administrator signing in to some app
   * must not hand that app a token the admin API accepts (the admin console signs in at
   * {@code /auth/login}, with no client). Clients' own tokens follow the same rule.
   */
  private JsonObject pair(UUID userId, String username, List<String> roles, UUID family, String clientId,
                          String refreshToken, List<String> amr, String jkt, List<String> scopes) {
    List<String> granted = clientId == null ? roles : roles.stream().filter(r -> !r.equals(Names.ADMIN)).toList();
    AccessTokens.Issued at = access.issue(userId.toString(), username, granted, SessionIds.of(family), clientId, scopes,
        amr, accessTtl, jkt);
    return new TokenResponse(at, refreshToken, refresh.ttl().toSeconds(), scopes).toJson();
  }

  /**
   * The token response of a redeemed authorization code (RFC 6749 §4.1.4): a new session (the
   * code's refresh family, so its {@code sid} is the code's), an access token with the granted
   * scopes and {@code client_id}, a rotating refresh token bound to the client, and with scope
   * {@code openid} an ID token (OIDC Core §3.1.3.3). Every token carries the sign-in's {@code amr}
   * as the code recorded it ({@code ["pwd"]}, or {@code ["pwd","otp"]} after a second factor).
   */
  Future<JsonObject> issueForCode(AuthorizationStore.Redemption code, String jkt) {
    return refresh.create(code.familyId(), code.userId(), code.clientId(), code.scopes(), code.amr(), jkt)
        .map(refreshToken -> {
      metrics.issued("authorization_code");
      JsonObject res = pair(code.userId(), code.username(), code.roles(), code.familyId(), code.clientId(),
          refreshToken, code.amr(), jkt, code.scopes());
      if (code.scopes().contains("openid")) {
        res.put("id_token", idToken(code, res.getString("access_token")));
      }
      return res;
    });
  }

  /** The ID token of a code's tokens: signed like access tokens, {@code typ: JWT}, {@code aud} the client. */
  private String idToken(AuthorizationStore.Redemption code, String accessToken) {
    long now = clock.millis() / 1000;
    JsonObject claims = new JsonObject()
        .put("iss", access.issuer())
        .put("sub", code.userId().toString())
        .put("aud", code.clientId())
        .put("azp", code.clientId())
        .put("exp", now + accessTtl.toSeconds())
        .put("iat", now)
        .put("auth_time", code.authTime())
        .put("at_hash", access.atHash(accessToken))
        .put("sid", SessionIds.of(code.familyId()))
        .put("amr", new io.vertx.core.json.JsonArray(code.amr()));
    if (code.nonce() != null) {
      claims.put("nonce", code.nonce());
    }
    if (code.scopes().contains("profile")) {
      claims.put("preferred_username", code.username());
    }
    return access.signIdToken(claims);
  }

  /**
   * A used code presented again (RFC 6749 §4.1.2: the server SHOULD revoke what it issued): its
   * session's refresh family and every access token of its {@code sid}.
   */
  Future<Void> revokeCodeSession(UUID family) {
    log.warn("authorization code reuse: session revoked sid={}", SessionIds.of(family));
    Audit.record(vertx, Audit.event("code_reuse").put("details", new JsonObject().put("sid", SessionIds.of(family))));
    return revokeSession(family, SessionIds.of(family));
  }

  /** Ends the session of the presented access token (and of a refresh token of the same user). */
  Future<Void> logout(JsonObject claims, String refreshToken) {
    String sid = claims.getString("sid");
    UUID user = parseUuid(claims.getString("sub"));
    Future<Void> bySid = sid == null ? Future.succeededFuture() : revokeSession(SessionIds.family(sid), sid);
    Future<Void> byRefresh = refreshToken == null ? Future.succeededFuture()
        : refresh.revokeFamilyOf(refreshToken, user).compose(family ->
            family == null || SessionIds.of(family).equals(sid) ? Future.succeededFuture() : revokeSessionTokens(family));
    return Future.all(bySid, byRefresh).compose(v -> revokeAccess(claims))
        .onSuccess(v -> {
          log.info("logout user_id={} sid={}", claims.getString("sub"), sid);
          Audit.record(vertx, Audit.event("logout").put("user_id", claims.getString("sub"))
              .put("username", claims.getString("username")).put("details", new JsonObject().put("sid", sid)));
        });
  }

  /** Revokes one access token until it expires. */
  Future<Void> revokeAccess(JsonObject claims) {
    return revocations.revoke("jti", claims.getString("jti"), claims.getLong("exp"));
  }

  /** Revokes a whole session: its refresh family in the database and its access tokens by sid. */
  Future<Void> revokeSession(UUID family, String sid) {
    Future<Void> refreshes = family == null ? Future.succeededFuture() : refresh.revokeFamily(family);
    return refreshes.compose(v -> revocations.revoke("sid", sid, clock.millis() / 1000 + sessionRevocationSpan.toSeconds()));
  }

  /** Revokes the session a refresh token belongs to; answers whether it existed. */
  Future<Boolean> revokeRefreshToken(String token) {
    return refresh.revokeFamilyOf(token, null)
        .compose(family -> family == null ? Future.succeededFuture(false) : revokeSessionTokens(family).map(true));
  }

  private Future<Void> revokeSessionTokens(UUID family) {
    return revokeSession(null, SessionIds.of(family));
  }

  /** An access token for a registered client (RFC 6749 §4.4): no refresh token. */
  JsonObject issueForClient(Client client, List<String> scopes) {
    return issueForClient(client, scopes, null);
  }

  /** Same, bound to the DPoP key {@code jkt} when not null. */
  JsonObject issueForClient(Client client, List<String> scopes, String jkt) {
    // a client registered before admin was refused to clients keeps its row, never the role
    List<String> roles = client.roles().stream().filter(r -> !r.equals(Names.ADMIN)).toList();
    AccessTokens.Issued at = access.issue(client.clientId(), null, roles, null, client.clientId(), scopes, accessTtl, jkt);
    metrics.issued("client_credentials");
    return TokenResponse.of(at, scopes).toJson();
  }

  /**
   * An access token asked for over the event bus by an authenticated client, for a subject of its
   * choosing (never a user's id) with at most its roles and scopes (checked by the caller).
   */
  AccessTokens.Issued issueForService(Client client, String subject, String username, List<String> roles,
                                      List<String> scopes, Duration ttl) {
    metrics.issued("event_bus");
    return access.issue(subject, username, roles, null, client.clientId(), scopes, ttl);
  }

  /**
   * Revokes every token issued to a client up to now (it was disabled or deleted): by the
   * {@code client_id} claim, until the last of them has expired.
   */
  Future<Void> revokeClient(String clientId) {
    return revocations.revokeIssuedBefore("client", clientId, clock.millis() / 1000 + sessionRevocationSpan.toSeconds());
  }

  private static UUID parseUuid(String s) {
    try {
      return s == null ? null : UUID.fromString(s);
    } catch (IllegalArgumentException e) {
      return null;
    }
  }
}
