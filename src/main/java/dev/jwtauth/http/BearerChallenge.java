package dev.jwtauth.http;

import dev.jwtauth.ops.Metrics;
import dev.jwtauth.tokens.DpopProofs;
import dev.jwtauth.tokens.TokenVerifier;
import io.vertx.ext.web.RoutingContext;
import io.vertx.ext.web.handler.HttpException;

/**
 * Failure handler for bearer-protected routes (RFC 6750 §3): any failure of the token handler,
 * a missing, malformed, oversized or invalid token alike, is a 401 with a
 * {@code WWW-Authenticate: Bearer} challenge. Why the token failed never reaches the client.
 * Other failures pass on to {@link Responses#failureHandler}. Every 401 also offers the DPoP scheme
 * (RFC 9449 §7.1, {@code WWW-Authenticate: DPoP algs="…"}); a DPoP failure ({@link AccessTokenAuth})
 * answers that challenge first, with its error ({@code invalid_token}, {@code invalid_dpop_proof} or
 * {@code use_dpop_nonce} with a {@code DPoP-Nonce} header).
 */
public final class BearerChallenge {
  private BearerChallenge() {
  }

  public static void handle(RoutingContext ctx, String realm) {
    Throwable err = ctx.failure();
    // vertx-web's authentication handlers wrap the failure in an HttpException(401)
    Throwable reason = err instanceof HttpException && err.getCause() != null ? err.getCause() : err;
    if (reason instanceof DpopProofs.Rejected rejected) {
      dpop(ctx, rejected);
      return;
    }
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
    ctx.response().headers().set("WWW-Authenticate", challenge).add("WWW-Authenticate", "DPoP " + DpopProofs.ALGS_PARAM);
    Responses.error(ctx, 401, "invalid_token", presented
        ? "The access token is invalid or expired."
        : "A bearer access token is required.");
  }

  private static void dpop(RoutingContext ctx, DpopProofs.Rejected rejected) {
    Metrics.of(ctx.vertx()).rejected("dpop_" + rejected.code());
    ctx.response().headers().set("WWW-Authenticate", "DPoP " + DpopProofs.ALGS_PARAM + ", error=\"" + rejected.code()
        + "\", error_description=\"" + rejected.description() + "\"");
    if (rejected.nonce() != null) {
      ctx.response().headers().set(DpopProofs.NONCE_HEADER, rejected.nonce());
    }
    Responses.error(ctx, 401, rejected.code(), rejected.description());
  }
}
