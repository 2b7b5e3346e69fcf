package dev.jwtauth.http;

import dev.jwtauth.ops.Metrics;
import dev.jwtauth.tokens.TokenVerifier;
import io.vertx.ext.web.RoutingContext;
import io.vertx.ext.web.handler.HttpException;

/**
 * Failure handler for bearer-protected routes (RFC 6750 §3): any failure of the token handler,
 * a missing, malformed, oversized or invalid token alike, is a 401 with a
 * {@code WWW-Authenticate: Bearer} challenge. Why the token failed never reaches the client.
 * Other failures pass on to {@link Responses#failureHandler}.
 */
public final class BearerChallenge {
  private BearerChallenge() {
  }

  public static void handle(RoutingContext ctx, String realm) {
    Throwable err = ctx.failure();
    int status = err instanceof HttpException he ? he.getStatusCode() : (err == null ? ctx.statusCode() : -1);
    if (status != 400 && status != 401) {
      ctx.next();
      return;
    }
    boolean presented = ctx.request().getHeader("Authorization") != null;
    Throwable cause = err == null ? null : (err.getCause() != null ? err.getCause() : err);
    Metrics.of(ctx.vertx()).rejected(!presented ? "missing"
        : cause instanceof TokenVerifier.InvalidToken ? cause.getMessage() : "signature_or_claims");
    String challenge = "Bearer realm=\"" + realm + "\""
        + (presented ? ", error=\"invalid_token\", error_description=\"The access token is invalid or expired.\"" : "");
    ctx.response().headers().set("WWW-Authenticate", challenge);
    Responses.error(ctx, 401, "invalid_token", presented
        ? "The access token is invalid or expired."
        : "A bearer access token is required.");
  }
}
