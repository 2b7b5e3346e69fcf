package dev.jwtauth.issuer;

import dev.jwtauth.http.ApiError;
import dev.jwtauth.http.JsonBodies;
import dev.jwtauth.http.Responses;
import dev.jwtauth.mfa.SecondFactor;
import dev.jwtauth.ops.Audit;
import dev.jwtauth.ops.Metrics;
import dev.jwtauth.process.LoginGuards;
import dev.jwtauth.tokens.DpopProofs;
import dev.jwtauth.users.PasswordPolicy;
import dev.jwtauth.users.User;
import io.vertx.core.AsyncResult;
import io.vertx.core.Future;
import io.vertx.core.Handler;
import io.vertx.core.json.JsonArray;
import io.vertx.core.json.JsonObject;
import io.vertx.ext.web.RoutingContext;

/**
 * {@code POST /auth/login {"username","password","refresh_cookie"?}}: checks the password with
 * {@link PasswordCheck} (the same check as the code flow's sign-in page: lockout, gates, timing)
 * and answers the token response. With {@code "refresh_cookie": true} the refresh token is set as
 * an HttpOnly cookie, not sent in the body. A {@code DPoP} proof binds the tokens to its key.
 *
 * <p>Two steps for a user with a confirmed TOTP (or who must have one, {@code REQUIRE_MFA_ROLES}):
 * after the right password the answer is 401 {@code mfa_required} (or {@code mfa_enrollment_required})
 * with an {@code mfa_token}; the second call {@code {"mfa_token","code"|"recovery_code","refresh_cookie"?}}
 * issues the tokens ({@link SecondFactor}).
 */
final class LoginHandler implements Handler<RoutingContext> {
  static final int MAX_USERNAME = 256;
  static final int MAX_PASSWORD = PasswordPolicy.MAX_LENGTH;
  static final int MAX_MFA_TOKEN = 256;

  private final PasswordCheck passwords;
  private final TokenService tokens;
  private final TokenResponses responses;
  private final SecondFactor secondFactor;
  private final LoginGuards guards;
  private final TokenEndpointProofs proofs;

  LoginHandler(PasswordCheck passwords, TokenService tokens, TokenResponses responses, SecondFactor secondFactor,
               LoginGuards guards, TokenEndpointProofs proofs) {
    this.passwords = passwords;
    this.tokens = tokens;
    this.responses = responses;
    this.secondFactor = secondFactor;
    this.guards = guards;
    this.proofs = proofs;
  }

  @Override
  public void handle(RoutingContext ctx) {
    JsonObject body = JsonBodies.object(ctx);
    if (body.containsKey("mfa_token")) {
      secondStep(ctx, body);
      return;
    }
    String username = JsonBodies.string(body, "username", MAX_USERNAME);
    String password = JsonBodies.string(body, "password", MAX_PASSWORD);
    boolean asCookie = JsonBodies.optionalBoolean(body, "refresh_cookie");
    // before any password work: a bad proof is refused at once (and a good one binds the tokens)
    DpopProofs.Checked proof = proofs.check(ctx);
    passwords.verify(ctx, username, password)
        .compose(next -> {
          if (next.kind() == SecondFactor.Next.Kind.DONE) {
            return tokens.issueForUser(next.user(), SecondFactor.AMR_PWD, TokenEndpointProofs.jkt(proof)).map(res -> {
              // tokens issued: now the proof's jti is recorded (a wrong password records nothing)
              proofs.record(proof);
              responses.send(ctx, res, asCookie);
              return null;
            });
          }
          ctx.response().putHeader("Cache-Control", "no-store");
          Responses.json(ctx, 401, next.toJson());
          return Future.succeededFuture();
        })
        .onFailure(ctx::fail);
  }

  /** {@code {"mfa_token","code"}} or {@code {"mfa_token","recovery_code"}}: the second step of a login. */
  private void secondStep(RoutingContext ctx, JsonObject body) {
    String mfaToken = JsonBodies.string(body, "mfa_token", MAX_MFA_TOKEN);
    boolean hasCode = body.getValue("code") != null;
    boolean hasRecovery = body.getValue("recovery_code") != null;
    if (hasCode == hasRecovery) {
      throw ApiError.invalidRequest("Send the mfa_token with exactly one of 'code' and 'recovery_code'.");
    }
    String code = hasCode ? JsonBodies.string(body, "code", 16) : null;
    String recovery = hasRecovery ? JsonBodies.string(body, "recovery_code", 64) : null;
    boolean asCookie = JsonBodies.optionalBoolean(body, "refresh_cookie");
    // the second call's proof (if any) binds the tokens, as the first call's would have
    DpopProofs.Checked proof = proofs.check(ctx);
    String address = guards.clientAddress().of(ctx.request());
    secondFactor.verify(mfaToken, code, recovery, address)
        .onComplete(ar -> recordSecondStep(ctx, address, ar))
        .compose(verified -> tokens.issueForUser(verified.user(), verified.amr(), TokenEndpointProofs.jkt(proof)))
        .onSuccess(res -> {
          proofs.record(proof);
          responses.send(ctx, res, asCookie);
        })
        .onFailure(ctx::fail);
  }

  /**
   * Metrics and audit of a second step, on every sign-in door ({@code /auth/login}, the code
   * flow's page): {@code login_success} with the {@code amr} once the factor is proven.
   */
  static void recordSecondStep(RoutingContext ctx, String address, AsyncResult<SecondFactor.Verified> ar) {
    Metrics.of(ctx.vertx()).login(ar.succeeded() ? "mfa_success" : ar.cause() instanceof ApiError e && e.status() == 429
        ? "mfa_locked" : ar.cause() instanceof ApiError ? "mfa_failure" : "error");
    if (ar.succeeded()) {
      User user = ar.result().user();
      Audit.record(ctx.vertx(), Audit.event("login_success").put("user_id", user.id().toString())
          .put("username", user.username()).put("address", address)
          .put("details", new JsonObject().put("amr", new JsonArray(ar.result().amr()))));
    }
  }
}
