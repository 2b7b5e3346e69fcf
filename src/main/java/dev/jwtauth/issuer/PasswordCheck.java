package dev.jwtauth.issuer;

import dev.jwtauth.mfa.SecondFactor;
import dev.jwtauth.http.ApiError;
import dev.jwtauth.http.AttemptGate;
import dev.jwtauth.ops.Audit;
import dev.jwtauth.ops.Metrics;
import dev.jwtauth.process.LoginGuards;
import dev.jwtauth.users.LoginFailures;
import dev.jwtauth.users.PasswordHasher;
import dev.jwtauth.users.User;
import dev.jwtauth.users.UserRepository;
import dev.jwtauth.users.Usernames;
import io.vertx.core.AsyncResult;
import io.vertx.core.Future;
import io.vertx.core.json.JsonObject;
import io.vertx.ext.web.RoutingContext;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import java.util.Locale;
import java.util.Optional;

/**
 * The one password check of every sign-in door ({@code POST /auth/login} and the code flow's
 * sign-in page): argon2id on a worker, the lockout and the attempt gates, audit and metrics.
 *
 * <p>Nothing tells whether a name exists: an unknown name is verified against a dummy hash (same
 * time) and counted exactly like a known one, by the name as submitted (same failure, same 429 with
 * the same {@code Retry-After}). Limits, all failing with 429 and {@code Retry-After} even for the
 * right password (see {@link dev.jwtauth.users.LockoutPolicy}): a (name, client address) pair locks
 * after {@code LOCKOUT_THRESHOLD} verified failures, so an attacker elsewhere cannot lock the owner
 * out; a name's failures over all addresses are slowed to {@code LOCKOUT_ACCOUNT_PER_HOUR}; a client
 * address may fail {@code LOGIN_IP_LIMIT} times a minute. Only a verified wrong password counts;
 * attempts in flight only take turns ({@link dev.jwtauth.http.AttemptGate}). When
 * {@code HASH_QUEUE_MAX} logins already wait for a hash, it fails at once with 503.
 */
final class PasswordCheck {
  private static final Logger log = LoggerFactory.getLogger(PasswordCheck.class);
  /** Unknown name or wrong password: one failure for both. */
  static final ApiError BAD_CREDENTIALS =
      new ApiError(401, "invalid_grant", "The username or password is incorrect.");

  private final LoginFailures failures;
  private final UserRepository users;
  private final PasswordHasher hasher;
  private final LoginGuards guards;
  private final SecondFactor secondFactor;

  PasswordCheck(LoginFailures failures, UserRepository users, PasswordHasher hasher, LoginGuards guards,
                SecondFactor secondFactor) {
    this.secondFactor = secondFactor;
    this.failures = failures;
    this.users = users;
    this.hasher = hasher;
    this.guards = guards;
  }

  /**
   * Checks a password for a name as typed: what comes next for the user (tokens now, or a second
   * factor first: {@link SecondFactor#afterPassword}), or {@link #BAD_CREDENTIALS}, a 429
   * ({@link #tooMany}) or a 503 ({@link #busy}). The pair's failure count is forgotten only when the
   * password completes the login, so a right password never resets the count of wrong codes.
   */
  Future<SecondFactor.Next> verify(RoutingContext ctx, String username, String password) {
    String address = guards.clientAddress().of(ctx.request());
    Metrics metrics = Metrics.of(ctx.vertx());
    if (!guards.hashQueue().tryEnter()) {
      metrics.login("busy");
      return Future.failedFuture(busy());
    }
    Optional<String> normalised = Usernames.normalise(username);
    // a name that breaks the policy cannot exist, but is counted all the same: answers must not differ
    String name = normalised.orElseGet(() -> username.strip().toLowerCase(Locale.ROOT));
    Attempt attempt = new Attempt(ctx, name, normalised, address, password);
    return attempt.run()
        .onComplete(ar -> {
          attempt.release();
          audit(ctx, address, attempt.user, ar);
          metrics.login(ar.succeeded() ? "success"
              : ar.cause() == BAD_CREDENTIALS ? "failure"
              : attempt.addressLimited ? "rate_limited"
              : ar.cause() instanceof ApiError e && e.status() == 429 ? "locked" : "error");
        });
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
          .compose(state -> guards.gate().enterFirstAlone(pairKey, guards.policy().inFlightLimit(state))
              .compose(entry -> {
                inPairGate = true;
                // read again inside the gate: other attempts of this pair may have finished since
                // the first read (and, gone, left no trace in the gate). The first attempt of a gate
                // nothing held is alone in it until this read sets how many may follow.
                Future<LoginFailures.State> fresh = read();
                return entry != AttemptGate.Entry.FIRST ? fresh
                    : fresh.onComplete(ar -> guards.gate().limit(pairKey, pairLimit));
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

  private static void audit(RoutingContext ctx, String address, Optional<User> user, AsyncResult<SecondFactor.Next> ar) {
    JsonObject event;
    if (ar.succeeded()) {
      // a right password: login_success when that is all it takes, else login_mfa_required
      SecondFactor.Next next = ar.result();
      boolean done = next.kind() == SecondFactor.Next.Kind.DONE;
      event = Audit.event(done ? "login_success" : "login_mfa_required")
          .put("user_id", next.user().id().toString()).put("username", next.user().username());
      if (!done) {
        event.put("details", new JsonObject().put("next", next.toJson().getString("error")));
      }
    } else if (ar.cause() instanceof ApiError e && e.status() == 429) {
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
