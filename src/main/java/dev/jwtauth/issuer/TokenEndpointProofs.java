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
 *
 * <p>Two steps: {@link #check} before any other work (a bad proof is refused at once), and
 * {@link #use} once the request's credential has been verified, which records the proof's
 * {@code jti}: a request without a valid password, client secret, refresh token or code records
 * nothing, so it can neither fill the replay cache nor use up a client's proof.
 */
final class TokenEndpointProofs {
  private final DpopProofs proofs;
  private final AppConfig config;

  TokenEndpointProofs(DpopProofs proofs, AppConfig config) {
    this.proofs = proofs;
    this.config = config;
  }

  /**
   * The request's proof, checked but not yet used, or null when there is none.
   *
   * @throws ApiError 400 {@code invalid_dpop_proof} or {@code use_dpop_nonce}
   */
  DpopProofs.Checked check(RoutingContext ctx) {
    List<String> headers = ctx.request().headers().getAll(DpopProofs.HEADER);
    if (headers.isEmpty()) {
      return null;
    }
    try {
      DpopProofs.Checked proof = proofs.check(headers, ctx.request().method().name(), DpopUrls.forAuth(ctx, config));
      if (proofs.noncesRequired()) {
        // RFC 9449 §8.2: a fresh nonce on success, so the client's next proof has one
        ctx.response().putHeader(DpopProofs.NONCE_HEADER, proofs.currentNonce());
      }
      return proof;
    } catch (DpopProofs.Rejected e) {
      throw rejected(e);
    }
  }

  /**
   * Uses a checked proof, once the request's credential is verified and before anything is issued
   * or rotated: the thumbprint of its key, or null when there was no proof.
   *
   * @throws ApiError 400 {@code invalid_dpop_proof} when its jti was already used
   */
  String use(DpopProofs.Checked proof) {
    if (proof == null) {
      return null;
    }
    try {
      return proofs.use(proof);
    } catch (DpopProofs.Rejected e) {
      throw rejected(e);
    }
  }

  private static ApiError rejected(DpopProofs.Rejected e) {
    return new ApiError(400, e.code(), e.description()).dpopNonce(e.nonce());
  }
}
