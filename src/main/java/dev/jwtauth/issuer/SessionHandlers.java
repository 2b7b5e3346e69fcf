package dev.jwtauth.issuer;

import dev.jwtauth.http.ApiError;
import dev.jwtauth.http.JsonBodies;
import dev.jwtauth.http.Responses;
import dev.jwtauth.tokens.TokenVerifier;
import io.vertx.core.json.JsonObject;
import io.vertx.ext.web.RoutingContext;

/** {@code POST /auth/refresh} and {@code POST /auth/logout}. */
final class SessionHandlers {
  static final int MAX_TOKEN = 4_096;
  private final TokenService tokens;

  SessionHandlers(TokenService tokens) {
    this.tokens = tokens;
  }

  /** {@code {"refresh_token"}} → a new pair; 401 invalid_grant for an invalid, expired, used or revoked token. */
  void refresh(RoutingContext ctx) {
    JsonObject body = JsonBodies.object(ctx);
    String token = JsonBodies.string(body, "refresh_token", MAX_TOKEN);
    tokens.refresh(token).onSuccess(res -> Responses.tokenJson(ctx, res)).onFailure(ctx::fail);
  }

  /**
   * Bearer access token, optional {@code {"refresh_token"}} → 204. Ends the token's session: its
   * refresh family and every access token carrying its {@code sid}.
   */
  void logout(RoutingContext ctx) {
    String refreshToken = null;
    if (ctx.body().length() > 0) {
      Object value = JsonBodies.object(ctx).getValue("refresh_token");
      if (value != null && !(value instanceof String)) {
        throw ApiError.invalidRequest("The field 'refresh_token' must be a string.");
      }
      refreshToken = (String) value;
      if (refreshToken != null && refreshToken.length() > MAX_TOKEN) {
        throw ApiError.invalidRequest("The field 'refresh_token' is too long.");
      }
    }
    tokens.logout(TokenVerifier.claims(ctx.user()), refreshToken)
        .onSuccess(v -> ctx.response().setStatusCode(204).end())
        .onFailure(ctx::fail);
  }
}
