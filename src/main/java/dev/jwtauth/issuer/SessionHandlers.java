package dev.jwtauth.issuer;

import dev.jwtauth.http.ApiError;
import dev.jwtauth.http.JsonBodies;
import dev.jwtauth.tokens.DpopProofs;
import dev.jwtauth.tokens.TokenVerifier;
import io.vertx.core.json.JsonObject;
import io.vertx.ext.web.RoutingContext;

/** {@code POST /auth/refresh} and {@code POST /auth/logout}. */
final class SessionHandlers {
  static final int MAX_TOKEN = 4_096;
  private final TokenService tokens;
  private final TokenResponses responses;
  private final TokenEndpointProofs proofs;

  SessionHandlers(TokenService tokens, TokenResponses responses, TokenEndpointProofs proofs) {
    this.proofs = proofs;
    this.tokens = tokens;
    this.responses = responses;
  }

  /**
   * {@code {"refresh_token"}}, or the refresh cookie when the body has none → a new pair, whose
   * refresh token goes where the old one came from (cookie or body); 401 invalid_grant for an
   * invalid, expired, used or revoked token, and for a session bound to a DPoP key without a
   * proof by that key.
   */
  void refresh(RoutingContext ctx) {
    String bodyToken = optionalToken(ctx);
    String token = bodyToken != null ? bodyToken : responses.fromCookie(ctx);
    if (token == null) {
      throw ApiError.invalidRequest("The field 'refresh_token' is required and must be a non-empty string.");
    }
    boolean fromCookie = bodyToken == null;
    DpopProofs.Checked proof = proofs.check(ctx);
    tokens.refresh(token, TokenEndpointProofs.jkt(proof)).onSuccess(res -> {
      proofs.record(proof);
      responses.send(ctx, res, fromCookie);
    }).onFailure(ctx::fail);
  }

  /**
   * Bearer access token, optional {@code {"refresh_token"}} (or the cookie) → 204, expiring the
   * cookie if one was sent. Ends the token's session: its refresh family and every access token
   * carrying its {@code sid}.
   */
  void logout(RoutingContext ctx) {
    String refreshToken = optionalToken(ctx);
    if (refreshToken == null) {
      refreshToken = responses.fromCookie(ctx);
    }
    tokens.logout(TokenVerifier.claims(ctx.user()), refreshToken)
        .onSuccess(v -> {
          responses.clear(ctx);
          ctx.response().setStatusCode(204).end();
        })
        .onFailure(ctx::fail);
  }

  /** The body's {@code refresh_token}, or null when there is none (cookie, bare logout). */
  private static String optionalToken(RoutingContext ctx) {
    // length() is -1, not 0, when the request had no body at all
    if (ctx.body().length() <= 0) {
      return null;
    }
    JsonObject body = JsonBodies.object(ctx);
    Object value = body.getValue("refresh_token");
    if (value == null) {
      return null;
    }
    if (!(value instanceof String s) || s.isEmpty() || s.length() > MAX_TOKEN) {
      throw ApiError.invalidRequest("The field 'refresh_token' must be a non-empty string of at most "
          + MAX_TOKEN + " characters.");
    }
    return s;
  }
}
