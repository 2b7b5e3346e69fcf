package dev.jwtauth.http;

import dev.jwtauth.verifier.ResourceServerAuth;
import io.vertx.core.Handler;
import io.vertx.ext.web.RoutingContext;

/**
 * The same check as the library's {@link ResourceServerAuth#requireRole}/{@link ResourceServerAuth#requireScope}, failing
 * with the server's {@link ApiError} instead. Lets the request through only when the authenticated token's {@code roles} claim holds the role;
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
    if (ResourceServerAuth.hasRole(ctx.user(), role)) {
      ctx.next();
      return;
    }
    ctx.fail(ApiError.insufficientScope("role " + role, null));
  }
}
