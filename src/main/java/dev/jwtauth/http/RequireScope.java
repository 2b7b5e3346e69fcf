package dev.jwtauth.http;

import dev.jwtauth.verifier.ResourceServerAuth;
import io.vertx.core.Handler;
import io.vertx.ext.web.RoutingContext;

/**
 * The same check as the library's {@link ResourceServerAuth#requireRole}/{@link ResourceServerAuth#requireScope}, failing
 * with the server's {@link ApiError} instead. Lets the request through only when the authenticated token's {@code scope} claim (RFC 9068 §2.2.3,
 * space-separated) holds the scope; otherwise fails it with {@link ApiError#insufficientScope} (403 with
 * {@code WWW-Authenticate: Bearer error="insufficient_scope", scope="…"}, RFC 6750 §3.1).
 */
public final class RequireScope implements Handler<RoutingContext> {
  private final String scope;

  private RequireScope(String scope) {
    this.scope = scope;
  }

  public static RequireScope of(String scope) {
    return new RequireScope(scope);
  }

  @Override
  public void handle(RoutingContext ctx) {
    if (ResourceServerAuth.hasScope(ctx.user(), scope)) {
      ctx.next();
      return;
    }
    ctx.fail(ApiError.insufficientScope("scope " + scope, scope));
  }
}
