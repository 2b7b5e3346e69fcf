package dev.jwtauth.issuer;

import dev.jwtauth.config.AppConfig;
import dev.jwtauth.http.ApiError;
import dev.jwtauth.http.DpopUrls;
import dev.jwtauth.tokens.DpopProofs;
import io.vertx.ext.web.RoutingContext;

import java.util.List;

/**
 * The DPoP proof of a token request ({@code /auth/login}, {@code /auth/refresh},
 * {@code /oauth2/token}; RFC 9449 §5): none, and the tokens are bearer tokens as before; a valid
 * one, and they are bound to its key; an invalid one is a 400 {@code invalid_dpop_proof} (or
 * {@code use_dpop_nonce} with a {@code DPoP-Nonce} header, when nonces are on and it lacks a
 * current one). The proof's {@code htu} is this endpoint under {@code ISSUER} or as requested
 * ({@link DpopUrls#forAuth}).
 */
final class TokenEndpointProofs {
  private final DpopProofs proofs;
  private final AppConfig config;

  TokenEndpointProofs(DpopProofs proofs, AppConfig config) {
    this.proofs = proofs;
    this.config = config;
  }

  /**
   * The thumbprint of the request's proof key, or null when there is no proof.
   *
   * @throws ApiError 400 {@code invalid_dpop_proof} or {@code use_dpop_nonce}
   */
  String jkt(RoutingContext ctx) {
    List<String> headers = ctx.request().headers().getAll(DpopProofs.HEADER);
    if (headers.isEmpty()) {
      return null;
    }
    try {
      String jkt = proofs.verify(headers, ctx.request().method().name(), DpopUrls.forAuth(ctx, config), null);
      if (proofs.noncesRequired()) {
        // RFC 9449 §8.2: a fresh nonce on success, so the client's next proof has one
        ctx.response().putHeader(DpopProofs.NONCE_HEADER, proofs.currentNonce());
      }
      return jkt;
    } catch (DpopProofs.Rejected e) {
      throw new ApiError(400, e.code(), e.description()).dpopNonce(e.nonce());
    }
  }
}
