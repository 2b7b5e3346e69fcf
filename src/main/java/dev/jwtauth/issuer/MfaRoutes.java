package dev.jwtauth.issuer;

import dev.jwtauth.http.ApiError;
import dev.jwtauth.http.JsonBodies;
import dev.jwtauth.http.Responses;
import dev.jwtauth.mfa.SecondFactor;
import dev.jwtauth.mfa.TotpEnrolment;
import dev.jwtauth.mfa.TotpStore;
import dev.jwtauth.ops.Audit;
import dev.jwtauth.process.LoginGuards;
import dev.jwtauth.users.PasswordPolicy;
import dev.jwtauth.users.User;
import dev.jwtauth.users.UserAdmin;
import dev.jwtauth.users.UserRepository;
import io.vertx.core.Future;
import io.vertx.core.http.HttpMethod;
import io.vertx.core.json.JsonArray;
import io.vertx.core.json.JsonObject;
import io.vertx.ext.web.Router;
import io.vertx.ext.web.RoutingContext;
import io.vertx.ext.web.handler.BodyHandler;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import java.util.Optional;
import java.util.UUID;

/**
 * The second factor's routes. Self-service, with a bearer access token: {@code POST /account/mfa/totp}
 * (start an enrolment: the secret shown once), {@code POST /account/mfa/totp/confirm {"code"}}
 * (activate it: the recovery codes shown once), {@code DELETE /account/mfa/totp
 * {"password","code"|"recovery_code"}}. The first two also take, instead of a bearer token, the
 * {@code mfa_token} of a {@code mfa_enrollment_required} login ({@code REQUIRE_MFA_ROLES}); its
 * confirmation then also answers the tokens of the login. Admin: {@code DELETE /admin/users/{username}/mfa}.
 */
final class MfaRoutes {
  private static final Logger log = LoggerFactory.getLogger(MfaRoutes.class);
  static final String TOTP = "/account/mfa/totp";
  static final String CONFIRM = "/account/mfa/totp/confirm";
  private static final ApiError GONE = new ApiError(404, "not_found", "No such user.");
  private static final ApiError BAD_CHALLENGE =
      new ApiError(401, "invalid_grant", "The mfa_token is invalid, expired, used, or has had too many wrong codes.");

  private final TotpEnrolment enrolment;
  private final TotpStore store;
  private final SecondFactor secondFactor;
  private final UserRepository users;
  private final UserAdmin admin;
  private final TokenService tokens;
  private final LoginGuards guards;
  private final AccountRoutes account;

  MfaRoutes(TotpEnrolment enrolment, TotpStore store, SecondFactor secondFactor, UserRepository users, UserAdmin admin,
            TokenService tokens, LoginGuards guards, AccountRoutes account) {
    this.enrolment = enrolment;
    this.store = store;
    this.secondFactor = secondFactor;
    this.users = users;
    this.admin = admin;
    this.tokens = tokens;
    this.guards = guards;
    this.account = account;
  }

  /**
   * Whether a request enrols with an enrolment challenge instead of a bearer token: a POST to the
   * two enrolment paths without an {@code Authorization} header (the bearer check lets it through;
   * the handler then requires the {@code mfa_token}).
   */
  static boolean enrolsWithChallenge(RoutingContext ctx) {
    String path = ctx.normalizedPath();
    return ctx.request().method() == HttpMethod.POST && ctx.request().getHeader("Authorization") == null
        && (TOTP.equals(path) || CONFIRM.equals(path));
  }

  /** Mounts the self-service routes (after the {@code /account*} bearer check). */
  void mountAccount(Router router, BodyHandler body) {
    router.post(TOTP).handler(body).handler(this::begin);
    router.post(CONFIRM).handler(body).handler(this::confirm);
    router.delete(TOTP).handler(body).handler(this::remove);
  }

  /** Mounts the admin route (after the {@code /admin/*} bearer and role checks). */
  void mountAdmin(Router router) {
    router.delete("/admin/users/:username/mfa").handler(this::reset);
  }

  /** The signed-in caller's account (a client's token has none: 404). */
  private Future<UserRepository.Account> self(RoutingContext ctx) {
    UUID id;
    try {
      id = UUID.fromString(ctx.user().principal().getString("sub"));
    } catch (IllegalArgumentException | NullPointerException e) {
      return Future.failedFuture(GONE);
    }
    return users.findById(id).compose(found -> found.map(Future::succeededFuture).orElseGet(() -> Future.failedFuture(GONE)));
  }

  private Future<UserRepository.Account> byChallenge(Future<Optional<UUID>> owner) {
    return owner.compose(id -> id.isEmpty() ? Future.failedFuture(BAD_CHALLENGE) : users.findById(id.get()))
        .compose(found -> found.isEmpty() || found.get().disabled() ? Future.failedFuture(BAD_CHALLENGE)
            : Future.succeededFuture(found.get()));
  }

  /** {@code POST /account/mfa/totp} ({@code {"mfa_token"}} without a bearer token) → 200 the secret, once. */
  private void begin(RoutingContext ctx) {
    Future<UserRepository.Account> who = ctx.user() != null ? self(ctx)
        : byChallenge(store.peek(challenge(ctx), "enroll"));
    who.compose(user -> enrolment.begin(user.id(), user.username()).onSuccess(secret -> {
          log.info("TOTP enrolment started user_id={}", user.id());
          audit(ctx, "mfa_totp_enrolment_started", user);
        }))
        .onSuccess(secret -> {
          ctx.response().putHeader("Cache-Control", "no-store");
          Responses.json(ctx, 200, secret);
        })
        .onFailure(ctx::fail);
  }

  /**
   * {@code POST /account/mfa/totp/confirm {"code"}} → 200 {@code {"recovery_codes":[…]}}, once;
   * with {@code "mfa_token"} instead of a bearer token also the token response ({@code amr: pwd, otp}).
   */
  private void confirm(RoutingContext ctx) {
    JsonObject body = JsonBodies.object(ctx);
    String code = JsonBodies.string(body, "code", 16);
    boolean withChallenge = ctx.user() == null;
    String token = withChallenge ? challenge(ctx) : null;
    Future<UserRepository.Account> who = withChallenge ? byChallenge(store.takeAttempt(token, "enroll")) : self(ctx);
    who.compose(user -> enrolment.confirm(user.id(), code).compose(codes -> {
          log.info("TOTP confirmed user_id={}", user.id());
          audit(ctx, "mfa_totp_confirmed", user);
          JsonObject answer = new JsonObject().put("recovery_codes", new JsonArray(codes));
          if (!withChallenge) {
            return Future.succeededFuture(answer);
          }
          return store.endChallenge(token)
              .compose(v -> tokens.issueForUser(new User(user.id(), user.username(), null, user.roles(), false),
                  SecondFactor.AMR_PWD_OTP, null))
              .map(answer::mergeIn);
        }))
        .onSuccess(answer -> Responses.tokenJson(ctx, answer))
        .onFailure(ctx::fail);
  }

  /** The body's {@code mfa_token}; without one (nor a bearer token) a 401 with the bearer challenge. */
  private static String challenge(RoutingContext ctx) {
    Object token = null;
    try {
      token = JsonBodies.object(ctx).getValue("mfa_token");
    } catch (ApiError noJsonBody) {
      // neither credential: answered below
    }
    if (!(token instanceof String s) || s.isEmpty() || s.length() > LoginHandler.MAX_MFA_TOKEN) {
      throw new ApiError(401, "invalid_token", "A bearer access token (or the mfa_token of mfa_enrollment_required) is required.")
          .challenge("Bearer realm=\"" + IssuerVerticle.REALM + "\"");
    }
    return s;
  }

  /**
   * {@code DELETE /account/mfa/totp {"password","code"|"recovery_code"}} → 204. The password and
   * the code count toward the lockout like a login's; 404 when there is no TOTP.
   */
  private void remove(RoutingContext ctx) {
    JsonObject body = JsonBodies.object(ctx);
    String password = JsonBodies.string(body, "password", PasswordPolicy.MAX_LENGTH);
    boolean hasCode = body.getValue("code") != null;
    if (hasCode == (body.getValue("recovery_code") != null)) {
      throw ApiError.invalidRequest("Send the password with exactly one of 'code' and 'recovery_code'.");
    }
    String code = hasCode ? JsonBodies.string(body, "code", 16) : null;
    String recovery = hasCode ? null : JsonBodies.string(body, "recovery_code", 64);
    String address = guards.clientAddress().of(ctx.request());
    self(ctx).compose(user -> store.confirmed(user.id()).compose(on -> on ? Future.succeededFuture(user)
            : Future.failedFuture(new ApiError(404, "not_found", "There is no confirmed TOTP to remove."))))
        .compose(user -> {
          if (!guards.hashQueue().tryEnter()) {
            return Future.failedFuture(PasswordCheck.busy());
          }
          return account.verifyCurrent(ctx, user, password, address, "mfa_removal_failure")
              .eventually(() -> {
                guards.hashQueue().leave();
                return Future.succeededFuture();
              })
              .compose(v -> secondFactor.require(user.id(), user.username(), code, recovery, address))
              .compose(v -> enrolment.remove(user.id()))
              .onSuccess(v -> {
                log.info("TOTP removed user_id={}", user.id());
                audit(ctx, "mfa_totp_removed", user);
              });
        })
        .onSuccess(v -> ctx.response().setStatusCode(204).end())
        .onFailure(ctx::fail);
  }

  /** {@code DELETE /admin/users/{username}/mfa} → 204: the second factor removed, every session ended. */
  private void reset(RoutingContext ctx) {
    admin.resetSecondFactor(AdminUsersHandler.actor(ctx), ctx.pathParam("username"), enrolment::remove)
        .onSuccess(v -> {
          log.info("second factor reset username={} by={}", ctx.pathParam("username"), ctx.user().principal().getString("sub"));
          ctx.response().setStatusCode(204).end();
        })
        .onFailure(ctx::fail);
  }

  private static void audit(RoutingContext ctx, String event, UserRepository.Account user) {
    JsonObject e = Audit.event(event).put("user_id", user.id().toString()).put("username", user.username());
    if (ctx.user() == null) {
      e.put("details", new JsonObject().put("with", "mfa_token"));
    }
    Audit.record(ctx.vertx(), e);
  }
}
