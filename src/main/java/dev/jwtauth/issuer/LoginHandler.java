package dev.jwtauth.issuer;

import dev.jwtauth.config.AppConfig;
import dev.jwtauth.http.ApiError;
import dev.jwtauth.http.AttemptLimiter;
import dev.jwtauth.http.JsonBodies;
import dev.jwtauth.ops.Audit;
import dev.jwtauth.ops.Metrics;
import dev.jwtauth.users.PasswordHasher;
import dev.jwtauth.users.PasswordPolicy;
import dev.jwtauth.users.User;
import dev.jwtauth.users.UserRepository;
import dev.jwtauth.users.Usernames;
import io.vertx.core.AsyncResult;
import io.vertx.core.Future;
import io.vertx.core.Handler;
import io.vertx.core.json.JsonObject;
import io.vertx.ext.web.RoutingContext;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import java.util.Optional;

/**
 * {@code POST /auth/login {"username","password","refresh_cookie"?}}: checks the password
 * (argon2id on a worker) and answers the token response. An unknown user is verified against a
 * dummy hash, so it costs the same time and gets the same 401 body as a wrong password. Brute force
 * meets two limits: an account locks after {@code LOCKOUT_THRESHOLD} consecutive failures (for a
 * doubling time, lifted by an admin or by time), and a client address may fail
 * {@code LOGIN_IP_LIMIT} times a minute. Both answer 429 with {@code Retry-After}, even to the right
 * password. With {@code "refresh_cookie": true} the refresh token is set as an HttpOnly cookie, not
 * sent in the body.
 */
final class LoginHandler implements Handler<RoutingContext> {
  private static final Logger log = LoggerFactory.getLogger(LoginHandler.class);
  static final int MAX_USERNAME = 256;
  static final int MAX_PASSWORD = PasswordPolicy.MAX_LENGTH;
  private static final ApiError BAD_CREDENTIALS =
      new ApiError(401, "invalid_grant", "The username or password is incorrect.");

  private final UserRepository users;
  private final PasswordHasher hasher;
  private final TokenService tokens;
  private final AttemptLimiter perAddress;
  private final AppConfig config;
  private final TokenResponses responses;

  LoginHandler(UserRepository users, PasswordHasher hasher, TokenService tokens, AttemptLimiter perAddress,
               AppConfig config, TokenResponses responses) {
    this.users = users;
    this.hasher = hasher;
    this.tokens = tokens;
    this.perAddress = perAddress;
    this.config = config;
    this.responses = responses;
  }

  @Override
  public void handle(RoutingContext ctx) {
    JsonObject body = JsonBodies.object(ctx);
    String username = JsonBodies.string(body, "username", MAX_USERNAME);
    String password = JsonBodies.string(body, "password", MAX_PASSWORD);
    boolean asCookie = JsonBodies.optionalBoolean(body, "refresh_cookie");
    String address = ctx.request().remoteAddress() == null ? "unknown" : ctx.request().remoteAddress().host();
    // Every limit is checked and counted in one step, before the slow hash: checked first and
    // counted after it, parallel guesses would all pass the check before the first one counts.
    Metrics metrics = Metrics.of(ctx.vertx());
    long addressWait = perAddress.reserve(address);
    if (addressWait > 0) {
      metrics.login("rate_limited");
      throw tooMany(addressWait);
    }
    Optional<String> normalised = Usernames.normalise(username);
    Future<Optional<User>> found = normalised.isPresent()
        ? users.reserveAttempt(normalised.get(), config.lockoutThreshold(), config.lockoutBase().toSeconds(),
                config.lockoutMax().toSeconds())
            .compose(user -> user.isPresent()
                ? Future.succeededFuture(user)
                : users.lockedFor(normalised.get()).compose(wait -> wait > 0
                    ? Future.failedFuture(tooMany(wait))
                    : Future.succeededFuture(Optional.<User>empty())))
        : Future.succeededFuture(Optional.empty());
    found
        .compose(user -> hasher.verify(user.map(User::passwordHash).orElse(null), password)
            .compose(ok -> {
              if (ok && !user.get().disabled()) {
                return users.recordSuccess(user.get().username()).map(user.get());
              }
              JsonObject failure = Audit.event("login_failure").put("address", address);
              if (user.isPresent()) {
                log.info("login failed user_id={}", user.get().id());
                failure.put("user_id", user.get().id().toString()).put("username", user.get().username());
              } else {
                // an unknown name is not stored: it may be a password typed into the wrong field
                failure.put("details", new JsonObject().put("known_user", false));
              }
              Audit.record(ctx.vertx(), failure);
              return Future.<User>failedFuture(BAD_CREDENTIALS);
            }))
        .onComplete(ar -> {
          if (ar.succeeded() || ar.cause() != BAD_CREDENTIALS) {
            perAddress.release(address);
          }
          audit(ctx, address, normalised, ar);
          metrics.login(ar.succeeded() ? "success"
              : ar.cause() == BAD_CREDENTIALS ? "failure"
              : ar.cause() instanceof ApiError e && e.status() == 429 ? "locked" : "error");
        })
        .compose(tokens::issueForUser)
        .onSuccess(res -> responses.send(ctx, res, asCookie))
        .onFailure(ctx::fail);
  }

  private static void audit(RoutingContext ctx, String address, Optional<String> username, AsyncResult<User> ar) {
    JsonObject event;
    if (ar.succeeded()) {
      event = Audit.event("login_success").put("user_id", ar.result().id().toString())
          .put("username", ar.result().username());
    } else if (ar.cause() instanceof ApiError e && e.status() == 429) {
      event = Audit.event("login_locked");
    } else {
      return;
    }
    if (!ar.succeeded() && username.isPresent()) {
      event.put("username", username.get()); // locked: an existing account
    }
    Audit.record(ctx.vertx(), event.put("address", address));
  }

  static ApiError tooMany(long seconds) {
    return new ApiError(429, "too_many_attempts", "Too many failed logins; retry after " + seconds + " seconds.")
        .retryAfter(seconds);
  }
}
