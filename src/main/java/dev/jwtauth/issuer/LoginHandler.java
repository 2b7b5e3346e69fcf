package dev.jwtauth.issuer;

import dev.jwtauth.http.ApiError;
import dev.jwtauth.http.JsonBodies;
import dev.jwtauth.http.Responses;
import dev.jwtauth.mfa.SecondFactor;
import dev.jwtauth.ops.Audit;
import dev.jwtauth.ops.Metrics;
import dev.jwtauth.process.LoginGuards;
import dev.jwtauth.users.LoginFailures;
import dev.jwtauth.users.PasswordHasher;
import dev.jwtauth.users.PasswordPolicy;
import dev.jwtauth.users.User;
import dev.jwtauth.users.UserRepository;
import dev.jwtauth.users.Usernames;
import io.vertx.core.AsyncResult;
import io.vertx.core.Future;
import io.vertx.core.Handler;
import io.vertx.core.json.JsonArray;
import io.vertx.core.json.JsonObject;
import io.vertx.ext.web.RoutingContext;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import java.util.Locale;
import java.util.Optional;

/**
 * {@code POST /auth/login {"username","password","refresh_cookie"?}}: checks the password
 * (argon2id on a worker) and answers the token response, bound to the key of the request's DPoP
 * proof when it has one ({@link TokenEndpointProofs}). With {@code "refresh_cookie": true} the
 * refresh token is set as an HttpOnly cookie, not sent in the body.
 *
 * <p>Nothing tells whether a name exists: an unknown name is verified against a dummy hash (same
 * time) and counted exactly like a known one, by the name as submitted (same 401, same 429 with
 * the same {@code Retry-After}). Limits, all answering 429 with {@code Retry-After} even to the
 * right password (see {@link dev.jwtauth.users.LockoutPolicy}): a (name, client address) pair locks
 * after {@code LOCKOUT_THRESHOLD} verified failures, so an attacker elsewhere cannot lock the owner
 * out; a name's failures over all addresses are slowed to {@code LOCKOUT_ACCOUNT_PER_HOUR}; a client
 * address may fail {@code LOGIN_IP_LIMIT} times a minute. Only a verified wrong password counts;
 * attempts in flight only take turns ({@link dev.jwtauth.http.AttemptGate}). When
 * {@code HASH_QUEUE_MAX} logins already wait for a hash, the answer is 503 at once.
 *
 * <p>Two steps for a user with a confirmed TOTP (or who must have one, {@code REQUIRE_MFA_ROLES}):
 * after the right password the answer is 401 {@code mfa_required} (or {@code mfa_enrollment_required})
 * with an {@code mfa_token}; the second call {@code {"mfa_token","code"|"recovery_code","refresh_cookie"?}}
 * issues the tokens ({@link SecondFactor}).
 */
final class LoginHandler implements Handler<RoutingContext> {
  private static final Logger log = LoggerFactory.getLogger(LoginHandler.class);
  static final int MAX_USERNAME = 256;
  static final int MAX_PASSWORD = PasswordPolicy.MAX_LENGTH;
  static final int MAX_MFA_TOKEN = 256;
  private static final ApiError BAD_CREDENTIALS =
      new ApiError(401, "invalid_grant", "The username or password is incorrect.");

  private final LoginFailures failures;
  private final UserRepository users;
  private final PasswordHasher hasher;
  private final TokenService tokens;
  private final LoginGuards guards;
  private final TokenResponses responses;
  private final SecondFactor secondFactor;
  private final TokenEndpointProofs proofs;

  LoginHandler(LoginFailures failures, UserRepository users, PasswordHasher hasher, TokenService tokens,
               LoginGuards guards, TokenResponses responses, SecondFactor secondFactor, TokenEndpointProofs proofs) {
    this.secondFactor = secondFactor;
    this.proofs = proofs;
    this.failures = failures;
    this.users = users;
    this.hasher = hasher;
    this.tokens = tokens;
    this.guards = guards;
    this.responses = responses;
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
    String jkt = proofs.jkt(ctx);
    String address = guards.clientAddress().of(ctx.request());
    Metrics metrics = Metrics.of(ctx.vertx());
    if (!guards.hashQueue().tryEnter()) {
      metrics.login("busy");
      throw busy();
    }
    Optional<String> normalised = Usernames.normalise(username);
    // a name that breaks the policy cannot exist, but is counted all the same: answers must not differ
    String name = normalised.orElseGet(() -> username.strip().toLowerCase(Locale.ROOT));
    Attempt attempt = new Attempt(ctx, name, normalised, address, password);
    attempt.run()
        .onComplete(ar -> {
          attempt.release();
          if (ar.failed()) {
            audit(ctx, address, attempt.user, ar);
          }
          metrics.login(ar.succeeded() ? "success"
              : ar.cause() == BAD_CREDENTIALS ? "failure"
              : attempt.addressLimited ? "rate_limited"
              : ar.cause() instanceof ApiError e && e.status() == 429 ? "locked" : "error");
        })
        .onSuccess(next -> auditPassed(ctx, address, next))
        .compose(next -> {
          if (next.kind() == SecondFactor.Next.Kind.DONE) {
            return tokens.issueForUser(next.user(), SecondFactor.AMR_PWD, jkt).map(res -> {
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
    String jkt = proofs.jkt(ctx);
    String address = guards.clientAddress().of(ctx.request());
    Metrics metrics = Metrics.of(ctx.vertx());
    secondFactor.verify(mfaToken, code, recovery, address)
        .onComplete(ar -> {
          metrics.login(ar.succeeded() ? "mfa_success" : ar.cause() instanceof ApiError e && e.status() == 429
              ? "mfa_locked" : ar.cause() instanceof ApiError ? "mfa_failure" : "error");
          if (ar.succeeded()) {
            User user = ar.result().user();
            Audit.record(ctx.vertx(), Audit.event("login_success").put("user_id", user.id().toString())
                .put("username", user.username()).put("address", address)
                .put("details", new JsonObject().put("amr", new JsonArray(ar.result().amr()))));
          }
        })
        .compose(verified -> tokens.issueForUser(verified.user(), verified.amr(), jkt))
        .onSuccess(res -> responses.send(ctx, res, asCookie))
        .onFailure(ctx::fail);
  }

  /** One login: what it holds (a hash-queue place, gate entries), so that it gives all back once. */
  private final class Attempt {
    final RoutingContext ctx;
    final String name;
    final Optional<String> username;
    final String address;
    final String password;
    final String addressKey;
    final String pairKey;
    boolean inQueue = true;
    boolean inAddressGate;
    boolean inPairGate;
    boolean addressLimited;
    int pairLimit;
    Optional<User> user = Optional.empty();

    Attempt(RoutingContext ctx, String name, Optional<String> username, String address, String password) {
      this.ctx = ctx;
      this.name = name;
      this.username = username;
      this.address = address;
      this.password = password;
      this.addressKey = "a " + address;
      this.pairKey = "p " + address + " " + name;
      this.pairLimit = guards.policy().threshold();
    }

    Future<SecondFactor.Next> run() {
      long addressWait = guards.perAddress().waitSeconds(address);
      if (addressWait > 0) {
        addressLimited = true;
        return Future.failedFuture(tooMany(addressWait));
      }
      return guards.gate().enter(addressKey, guards.perAddress().remaining(address))
          .compose(waited -> {
            inAddressGate = true;
            long wait = guards.perAddress().waitSeconds(address);
            addressLimited = wait > 0;
            return wait > 0 ? Future.failedFuture(tooMany(wait)) : read();
          })
          .compose(state -> guards.gate().enter(pairKey, guards.policy().inFlightLimit(state))
              .compose(waited -> {
                inPairGate = true;
                // another attempt of this pair finished while we waited: what we read may be stale
                return waited ? read() : Future.succeededFuture(state);
              }))
          .compose(this::check);
    }

    /** Reads the pair's state and refuses at once when it must wait. */
    private Future<LoginFailures.State> read() {
      return failures.read(name, username, address).compose(state -> {
        user = state.user();
        pairLimit = guards.policy().inFlightLimit(state);
        long wait = guards.policy().waitSeconds(state);
        return wait > 0 ? Future.failedFuture(tooMany(wait)) : Future.succeededFuture(state);
      });
    }

    private Future<SecondFactor.Next> check(LoginFailures.State state) {
      return hasher.verify(state.user().map(User::passwordHash).orElse(null), password)
          .compose(ok -> {
            leaveQueue();
            if (ok && !state.user().get().disabled()) {
              pairLimit = guards.policy().threshold();
              upgradeHash(state.user().get(), password);
              // the pair's failures are forgotten only when the password completes the login: a
              // right password must not reset the count of wrong second-factor codes
              return secondFactor.afterPassword(state.user().get()).compose(next -> {
                if (next.kind() != SecondFactor.Next.Kind.DONE) {
                  pairLimit = Math.max(1, guards.policy().threshold() - state.failures());
                  return Future.succeededFuture(next);
                }
                return state.failures() > 0 ? failures.clearPair(name, address).map(next) : Future.succeededFuture(next);
              });
            }
            return failures.recordFailure(name, address).compose(count -> {
              guards.perAddress().recordFailure(address);
              pairLimit = Math.max(1, guards.policy().threshold() - count);
              auditFailure(state.user());
              return Future.failedFuture(BAD_CREDENTIALS);
            });
          });
    }

    /**
     * After a successful login, a hash made with older argon2 parameters is replaced by one of the
     * current ones, in the background: the login does not wait for it.
     */
    private void upgradeHash(User user, String password) {
      if (!hasher.needsRehash(user.passwordHash())) {
        return;
      }
      hasher.hash(password)
          .compose(hash -> users.upgradeHash(user.id(), user.passwordHash(), hash))
          .onSuccess(done -> {
            if (done) {
              log.info("password hash upgraded to the current argon2 parameters user_id={}", user.id());
            }
          })
          .onFailure(err -> log.warn("password hash not upgraded user_id={}: {}", user.id(), err.getMessage()));
    }

    private void auditFailure(Optional<User> known) {
      JsonObject failure = Audit.event("login_failure").put("address", address);
      if (known.isPresent()) {
        log.info("login failed user_id={}", known.get().id());
        failure.put("user_id", known.get().id().toString()).put("username", known.get().username());
      } else {
        // an unknown name is not stored: it may be a password typed into the wrong field
        failure.put("details", new JsonObject().put("known_user", false));
      }
      Audit.record(ctx.vertx(), failure);
    }

    private void leaveQueue() {
      if (inQueue) {
        inQueue = false;
        guards.hashQueue().leave();
      }
    }

    /** Gives back what this attempt holds; called once, when it has an outcome. */
    void release() {
      leaveQueue();
      if (inPairGate) {
        inPairGate = false;
        guards.gate().leave(pairKey, pairLimit);
      }
      if (inAddressGate) {
        inAddressGate = false;
        guards.gate().leave(addressKey, guards.perAddress().remaining(address));
      }
    }
  }

  /** A right password: {@code login_success} when that is all it takes, else {@code login_mfa_required}. */
  private static void auditPassed(RoutingContext ctx, String address, SecondFactor.Next next) {
    boolean done = next.kind() == SecondFactor.Next.Kind.DONE;
    JsonObject event = Audit.event(done ? "login_success" : "login_mfa_required")
        .put("user_id", next.user().id().toString()).put("username", next.user().username()).put("address", address);
    if (!done) {
      event.put("details", new JsonObject().put("next", next.toJson().getString("error")));
    }
    Audit.record(ctx.vertx(), event);
  }

  /** A refused login: {@code login_locked} (429); a wrong password is recorded where it is counted. */
  private static void audit(RoutingContext ctx, String address, Optional<User> user, AsyncResult<?> ar) {
    JsonObject event;
    if (ar.cause() instanceof ApiError e && e.status() == 429) {
      event = Audit.event("login_locked");
      if (user.isPresent()) {
        event.put("user_id", user.get().id().toString()).put("username", user.get().username());
      }
    } else {
      return;
    }
    Audit.record(ctx.vertx(), event.put("address", address));
  }

  static ApiError tooMany(long seconds) {
    return new ApiError(429, "too_many_attempts", "Too many failed logins; retry after " + seconds + " seconds.")
        .retryAfter(seconds);
  }

  static ApiError busy() {
    return new ApiError(503, "temporarily_unavailable", "Too many logins are being checked; retry after 1 second.")
        .retryAfter(1);
  }
}
