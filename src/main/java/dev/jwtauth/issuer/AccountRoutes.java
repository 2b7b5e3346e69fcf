package dev.jwtauth.issuer;

import dev.jwtauth.http.ApiError;
import dev.jwtauth.http.BearerChallenge;
import dev.jwtauth.http.JsonBodies;
import dev.jwtauth.http.Responses;
import dev.jwtauth.mfa.TotpEnrolment;
import dev.jwtauth.ops.Audit;
import dev.jwtauth.process.LoginGuards;
import dev.jwtauth.users.LoginFailures;
import dev.jwtauth.users.PasswordHasher;
import dev.jwtauth.users.PasswordPolicy;
import dev.jwtauth.users.User;
import dev.jwtauth.users.UserAdmin;
import dev.jwtauth.users.UserRepository;
import io.vertx.core.Future;
import io.vertx.core.json.JsonObject;
import io.vertx.ext.web.Router;
import io.vertx.ext.web.RoutingContext;
import io.vertx.ext.web.handler.BodyHandler;
import dev.jwtauth.http.AccessTokenAuth;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import java.util.Optional;
import java.util.UUID;

/**
 * Self-service on the auth origin, for any user with a bearer access token: {@code GET /account}
 * (own profile and sessions), {@code POST /account/password} (needs the current password, which
 * counts toward the login lockout like a failed login; ends every other session), and
 * {@code DELETE /account/sessions/{sid}}. Also {@code POST /auth/password-reset}, where a reset
 * token made by an admin sets a new password (no bearer token).
 */
final class AccountRoutes {
  private static final Logger log = LoggerFactory.getLogger(AccountRoutes.class);
  private static final ApiError WRONG_PASSWORD =
      new ApiError(401, "invalid_grant", "The current password is incorrect.");
  private static final ApiError GONE = new ApiError(404, "not_found", "No such user.");

  private final UserRepository users;
  private final UserAdmin admin;
  private final TokenService tokens;
  private final LoginFailures failures;
  private final PasswordHasher hasher;
  private final LoginGuards guards;
  private final TotpEnrolment totp;

  AccountRoutes(UserRepository users, UserAdmin admin, TokenService tokens, LoginFailures failures,
                PasswordHasher hasher, LoginGuards guards, TotpEnrolment totp) {
    this.totp = totp;
    this.users = users;
    this.admin = admin;
    this.tokens = tokens;
    this.failures = failures;
    this.hasher = hasher;
    this.guards = guards;
  }

  void mount(Router router, BodyHandler body, AccessTokenAuth bearer) {
    // a prefix route: /account and everything under it
    // an enrolment with the mfa_token of a login that must enrol first has no bearer token (MfaRoutes)
    bearer.protectUnless(router.route("/account*"), MfaRoutes::enrolsWithChallenge)
        .failureHandler(ctx -> BearerChallenge.handle(ctx, IssuerVerticle.REALM));
    router.get("/account").handler(this::profile);
    router.post("/account/password").handler(body).handler(this::changePassword);
    router.delete("/account/sessions/:sid").handler(this::endSession);
    router.post("/auth/password-reset").handler(body).handler(this::completeReset);
  }

  /** The caller's account (a user's token; a client's token has no account: 404). */
  private Future<UserRepository.Account> self(RoutingContext ctx) {
    UUID id;
    try {
      id = UUID.fromString(ctx.user().principal().getString("sub"));
    } catch (IllegalArgumentException | NullPointerException e) {
      return Future.failedFuture(GONE);
    }
    return users.findById(id).compose(found -> found.map(Future::succeededFuture)
        .orElseGet(() -> Future.failedFuture(GONE)));
  }

  /**
   * {@code GET /account} → the account with {@code "sessions"} (the caller's marked {@code "current"})
   * and {@code "mfa": {"totp", "recovery_codes_left"?}}.
   */
  private void profile(RoutingContext ctx) {
    String sid = ctx.user().principal().getString("sid");
    self(ctx).compose(user -> tokens.userSessions().list(user.id())
            .map(sessions -> user.toJson().mergeIn(AdminUsersHandler.sessionsJson(sessions, sid)))
            .compose(json -> totp.status(user.id()).map(mfa -> json.put("mfa", mfa))))
        .onSuccess(json -> Responses.json(ctx, 200, json))
        .onFailure(ctx::fail);
  }

  /**
   * {@code POST /account/password {"current_password","new_password"}} → 204. A wrong current
   * password is a 401 and counts as a failed login of the name from this address (same lockout,
   * 429 when locked).
   */
  private void changePassword(RoutingContext ctx) {
    JsonObject body = JsonBodies.object(ctx);
    String current = JsonBodies.string(body, "current_password", PasswordPolicy.MAX_LENGTH);
    String next = JsonBodies.string(body, "new_password", PasswordPolicy.MAX_LENGTH);
    PasswordPolicy.problem(next).ifPresent(problem -> {
      throw ApiError.invalidRequest(problem);
    });
    String sid = ctx.user().principal().getString("sid");
    String address = guards.clientAddress().of(ctx.request());
    self(ctx).compose(user -> {
      if (!guards.hashQueue().tryEnter()) {
        return Future.failedFuture(PasswordCheck.busy());
      }
      return verifyCurrent(ctx, user, current, address, "password_change_failure")
          .eventually(() -> {
            guards.hashQueue().leave();
            return Future.succeededFuture();
          })
          .compose(v -> admin.changeOwnPassword(user, next, sid))
          .onSuccess(v -> log.info("password changed user_id={}", user.id()));
    }).onSuccess(v -> ctx.response().setStatusCode(204).end()).onFailure(ctx::fail);
  }

  /**
   * Checks the signed-in user's current password, counted like a login of the name from
   * {@code address} (429 when the pair is locked, 401 {@code invalid_grant} when wrong, audited as
   * {@code failureEvent}).
   */
  Future<Void> verifyCurrent(RoutingContext ctx, UserRepository.Account user, String current, String address,
                             String failureEvent) {
    String name = user.username();
    long addressWait = guards.perAddress().waitSeconds(address);
    if (addressWait > 0) {
      return Future.failedFuture(PasswordCheck.tooMany(addressWait));
    }
    return failures.read(name, Optional.of(name), address).compose(state -> {
      long wait = guards.policy().waitSeconds(state);
      if (wait > 0) {
        return Future.failedFuture(PasswordCheck.tooMany(wait));
      }
      return hasher.verify(state.user().map(User::passwordHash).orElse(null), current).compose(ok -> {
        if (ok) {
          return state.failures() > 0 ? failures.clearPair(name, address) : Future.<Void>succeededFuture();
        }
        return failures.recordFailure(name, address).compose(count -> {
          guards.perAddress().recordFailure(address);
          Audit.record(ctx.vertx(), Audit.event(failureEvent).put("user_id", user.id().toString())
              .put("username", name).put("address", address));
          return Future.failedFuture(WRONG_PASSWORD);
        });
      });
    });
  }

  /** {@code DELETE /account/sessions/{sid}} → 204; 404 for a session that is not the caller's. */
  private void endSession(RoutingContext ctx) {
    self(ctx).compose(user -> admin.endSession(new UserAdmin.Actor(user.id(), "self"), user, ctx.pathParam("sid")))
        .onSuccess(v -> ctx.response().setStatusCode(204).end())
        .onFailure(ctx::fail);
  }

  /** {@code POST /auth/password-reset {"reset_token","new_password"}} → 204; 400 invalid_grant for a bad token. */
  private void completeReset(RoutingContext ctx) {
    JsonObject body = JsonBodies.object(ctx);
    String token = JsonBodies.string(body, "reset_token", 256);
    String next = JsonBodies.string(body, "new_password", PasswordPolicy.MAX_LENGTH);
    admin.completeReset(token, next)
        .onSuccess(v -> ctx.response().setStatusCode(204).end())
        .onFailure(ctx::fail);
  }
}
