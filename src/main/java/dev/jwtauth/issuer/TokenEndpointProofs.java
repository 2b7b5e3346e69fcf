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
 * <p>Two steps: {@link #check} before any other work (a bad or replayed proof is refused at once),
 * and {@link #record} once tokens are issued, which records the proof's {@code jti}: a request
 * without a valid password, client secret, live refresh token or code records nothing, so it can
 * neither fill the replay cache nor use up a client's proof.
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

  /** The thumbprint of a checked proof's key, or null when there was no proof. */
  static String jkt(DpopProofs.Checked proof) {
    return proof == null ? null : proof.jkt();
  }

  /** Records the jti of a checked proof (none: nothing) whose request has been answered with tokens. */
  void record(DpopProofs.Checked proof) {
    if (proof != null) {
      proofs.record(proof);
    }
  }

  private static ApiError rejected(DpopProofs.Rejected e) {
    return new ApiError(400, e.code(), e.description()).dpopNonce(e.nonce());
  }
}
