package dev.jwtauth.http;

import dev.jwtauth.tokens.TokenVerifier;
import io.vertx.core.Handler;
import io.vertx.core.json.JsonArray;
import io.vertx.ext.web.RoutingContext;

/**
 * Lets the request through only when the authenticated token's {@code roles} claim holds the role;
 * otherwise fails it with {@link ApiError#insufficientScope} (403 and its RFC 6750 challenge).
 */
public final class RequireRole implements Handler<RoutingContext> {
  private final String role;

  private RequireRole(String role) {
    this.role = role;
  }

  public static RequireRole of(String role) {
    return new RequireRole(role);
  }

  @Override
  public void handle(RoutingContext ctx) {
    JsonArray roles = ctx.user() == null ? null : TokenVerifier.claims(ctx.user()).getJsonArray("roles");
    if (roles != null && roles.contains(role)) {
      ctx.next();
      return;
    }
    ctx.fail(ApiError.insufficientScope("role " + role, null));
  }
}
