package dev.jwtauth.tokens;

import io.vertx.core.Future;
import io.vertx.core.Vertx;
import io.vertx.core.json.JsonObject;

import java.time.Clock;
import java.util.function.Supplier;

/**
 * The server's verifier: the resource-server library's {@link dev.jwtauth.verifier.TokenVerifier}
 * (one verifier in the code base, the one other teams' services use), under the name the server's
 * packages have always used. Nothing is added or changed here.
 */
public final class TokenVerifier extends dev.jwtauth.verifier.TokenVerifier {

  /** See {@link dev.jwtauth.verifier.TokenVerifier#TokenVerifier(Vertx, String, String, int, Clock, dev.jwtauth.verifier.RevocationSet, Supplier, int)}. */
  public TokenVerifier(Vertx vertx, String issuer, String audience, int leewaySeconds, Clock clock,
                       dev.jwtauth.verifier.RevocationSet revoked, Supplier<Future<JsonObject>> keySource, int cacheSize) {
    super(vertx, issuer, audience, leewaySeconds, clock, revoked, keySource, cacheSize);
  }

  /** See {@link dev.jwtauth.verifier.TokenVerifier#TokenVerifier(Vertx, String, String, int, Clock, dev.jwtauth.verifier.RevocationSet, Supplier, dev.jwtauth.verifier.VerifiedTokens)}. */
  public TokenVerifier(Vertx vertx, String issuer, String audience, int leewaySeconds, Clock clock,
                       dev.jwtauth.verifier.RevocationSet revoked, Supplier<Future<JsonObject>> keySource,
                       dev.jwtauth.verifier.VerifiedTokens verified) {
    super(vertx, issuer, audience, leewaySeconds, clock, revoked, keySource, verified);
  }
}
