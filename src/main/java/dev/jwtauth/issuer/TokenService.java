package dev.jwtauth.issuer;

import dev.jwtauth.tokens.AccessTokens;
import dev.jwtauth.tokens.RefreshTokens;
import dev.jwtauth.users.User;
import io.vertx.core.Future;
import io.vertx.core.json.JsonObject;

import java.time.Duration;
import java.util.UUID;

/** Issues token pairs: the signed access token and a refresh token of the same session. */
final class TokenService {
  private final AccessTokens access;
  private final RefreshTokens refresh;
  private final Duration accessTtl;

  TokenService(AccessTokens access, RefreshTokens refresh, Duration accessTtl) {
    this.access = access;
    this.refresh = refresh;
    this.accessTtl = accessTtl;
  }

  /** Starts a new session (refresh family) for {@code user} and answers the token response. */
  Future<JsonObject> issueForUser(User user) {
    UUID family = UUID.randomUUID();
    return refresh.create(family, user.id(), null).map(refreshToken -> {
      AccessTokens.Issued at = access.issue(user.id().toString(), user.username(), user.roles(), family.toString(),
          null, accessTtl);
      return new JsonObject()
          .put("access_token", at.token())
          .put("token_type", "Bearer")
          .put("expires_in", at.expiresIn())
          .put("refresh_token", refreshToken)
          .put("refresh_expires_in", refresh.ttl().toSeconds());
    });
  }
}
