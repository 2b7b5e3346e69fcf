package dev.jwtauth.mfa;

import dev.jwtauth.http.ApiError;
import dev.jwtauth.http.RequireMfa;
import dev.jwtauth.ops.Audit;
import dev.jwtauth.process.LoginGuards;
import dev.jwtauth.users.LoginFailures;
import dev.jwtauth.users.User;
import dev.jwtauth.users.UserRepository;
import io.vertx.core.Future;
import io.vertx.core.Vertx;
import io.vertx.core.json.JsonArray;
import io.vertx.core.json.JsonObject;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import java.time.Clock;
import java.time.Duration;
import java.util.List;
import java.util.Optional;
import java.util.UUID;

/**
 * The second step of a sign-in, for every sign-in path ({@code /auth/login}, the code flow's
 * page): after a verified password, {@link #afterPassword} says whether tokens may be issued now
 * ({@code amr: ["pwd"]}), or a code is needed ({@code mfa_required}, a login challenge), or the
 * user must first enrol ({@code mfa_enrollment_required}, an enrolment challenge, when a role of
 * theirs is in {@code REQUIRE_MFA_ROLES}); {@link #verify} checks the second call's code or
 * recovery code against the challenge ({@code amr: ["pwd","otp"]}).
 *
 * <p>Challenges are opaque tokens (256 bits) stored as SHA-256 in PostgreSQL, so any member
 * accepts them; bound to one user; valid {@link #LOGIN_TTL}; used once on success; dead after
 * {@link TotpStore#MAX_ATTEMPTS} wrong codes. A wrong code counts as a failed login of the user's
 * name from the client address (the same lockout counters as a wrong password), and a locked pair
 * gets 429 before its code is checked.
 */
public final class SecondFactor {
  private static final Logger log = LoggerFactory.getLogger(SecondFactor.class);
  /** How long a login challenge lives. */
  public static final Duration LOGIN_TTL = Duration.ofMinutes(5);
  /** How long an enrolment challenge lives (scanning a QR code and typing a first code takes a while). */
  public static final Duration ENROL_TTL = Duration.ofMinutes(10);
  public static final List<String> AMR_PWD = List.of("pwd");
  public static final List<String> AMR_PWD_OTP = List.of("pwd", "otp");
  /** Second-factor methods a login challenge accepts. */
  public static final List<String> METHODS = List.of("totp", "recovery_code");
  /** A challenge that is unknown, expired, used, or dead after too many wrong codes: sign in again. */
  public static final ApiError BAD_CHALLENGE =
      new ApiError(401, "invalid_grant", "The mfa_token is invalid, expired, used, or has had too many wrong codes.");
  static final ApiError BAD_CODE = new ApiError(401, "invalid_grant", "The code is incorrect.");

  private final TotpStore store;
  private final TotpKey key;
  private final UserRepository users;
  private final LoginFailures failures;
  private final LoginGuards guards;
  private final List<String> requiredRoles;
  private final Clock clock;
  private final Vertx vertx;

  public SecondFactor(Vertx vertx, TotpStore store, TotpKey key, UserRepository users, LoginFailures failures,
                      LoginGuards guards, List<String> requiredRoles, Clock clock) {
    this.vertx = vertx;
    this.store = store;
    this.key = key;
    this.users = users;
    this.failures = failures;
    this.guards = guards;
    this.requiredRoles = List.copyOf(requiredRoles);
    this.clock = clock;
  }

  /**
   * What a sign-in needs after its password was verified.
   *
   * @param kind     what comes next
   * @param user     the user
   * @param mfaToken the challenge, for {@code MFA_REQUIRED} and {@code ENROLLMENT_REQUIRED}
   */
  public record Next(Kind kind, User user, String mfaToken) {
    public enum Kind { DONE, MFA_REQUIRED, ENROLLMENT_REQUIRED }

    /**
     * The 401 body of a login that needs its second step: {@code {"error":"mfa_required",
     * "error_description","mfa_token","expires_in","mfa_methods"}}, or {@code mfa_enrollment_required}
     * with the token that only the enrolment endpoints take.
     */
    public JsonObject toJson() {
      if (kind == Kind.MFA_REQUIRED) {
        return new JsonObject().put("error", "mfa_required")
            .put("error_description", "A second factor is required: POST /auth/login with {mfa_token, code} or"
                + " {mfa_token, recovery_code}.")
            .put("mfa_token", mfaToken).put("expires_in", LOGIN_TTL.toSeconds()).put("mfa_methods", new JsonArray(METHODS));
      }
      return new JsonObject().put("error", "mfa_enrollment_required")
          .put("error_description", "This account must sign in with a second factor and has none yet: enrol with"
              + " POST /account/mfa/totp {mfa_token}, then POST /account/mfa/totp/confirm {mfa_token, code}.")
          .put("mfa_token", mfaToken).put("expires_in", ENROL_TTL.toSeconds());
    }
  }

  /** A second step passed: the user and the {@code amr} of its tokens. */
  public record Verified(User user, List<String> amr) {
  }

  /** Whether a holder of these roles must sign in with a second factor. */
  public boolean requiredFor(List<String> roles) {
    return RequireMfa.required(requiredRoles, roles);
  }

  /**
   * Whether an earlier sign-in authenticated by {@code amr} (a browser's sign-in session) still
   * satisfies the user's second-factor rule: with {@code otp} always; with a password alone only
   * while the user has no confirmed TOTP and no role of {@code REQUIRE_MFA_ROLES}.
   */
  public Future<Boolean> satisfiedBy(UUID userId, List<String> roles, List<String> amr) {
    if (amr.contains("otp")) {
      return Future.succeededFuture(true);
    }
    if (requiredFor(roles)) {
      return Future.succeededFuture(false);
    }
    return store.confirmed(userId).map(confirmed -> !confirmed);
  }

  /** After a verified password of {@code user}: issue now, ask for a code, or only let it enrol. */
  public Future<Next> afterPassword(User user) {
    return store.confirmed(user.id()).compose(confirmed -> {
      if (confirmed) {
        return store.newChallenge(user.id(), "login", LOGIN_TTL)
            .map(token -> new Next(Next.Kind.MFA_REQUIRED, user, token));
      }
      if (requiredFor(user.roles())) {
        log.info("login needs a second factor enrolment first user_id={}", user.id());
        return store.newChallenge(user.id(), "enroll", ENROL_TTL)
            .map(token -> new Next(Next.Kind.ENROLLMENT_REQUIRED, user, token));
      }
      return Future.succeededFuture(new Next(Next.Kind.DONE, user, null));
    });
  }

  /**
   * The second call of a login: a live login challenge and either a TOTP {@code code} or a
   * {@code recoveryCode} (exactly one non-null), from {@code address}. Fails with 401
   * {@code invalid_grant} (bad challenge or wrong code, the latter counted toward the lockout),
   * or 429 with {@code Retry-After} when the (name, address) pair is locked.
   */
  public Future<Verified> verify(String mfaToken, String code, String recoveryCode, String address) {
    long addressWait = guards.perAddress().waitSeconds(address);
    if (addressWait > 0) {
      return Future.failedFuture(tooMany(addressWait));
    }
    return store.takeAttempt(mfaToken, "login").compose(owner -> owner.isEmpty() ? Future.failedFuture(BAD_CHALLENGE)
        : users.findById(owner.get()).compose(account -> account.isEmpty() ? Future.failedFuture(BAD_CHALLENGE)
            : failures.read(account.get().username(), Optional.of(account.get().username()), address)))
        .compose(state -> {
          long wait = guards.policy().waitSeconds(state);
          if (wait > 0) {
            return Future.failedFuture(tooMany(wait));
          }
          User user = state.user().orElse(null);
          if (user == null || user.disabled()) {
            return Future.failedFuture(BAD_CHALLENGE);
          }
          Future<Boolean> ok = code != null ? checkCode(user.id(), code) : checkRecoveryCode(user, recoveryCode);
          return ok.compose(right -> right ? succeeded(mfaToken, user, address, state.failures() > 0, code == null)
              : failed(user, address, code == null));
        });
  }

  private Future<Verified> succeeded(String mfaToken, User user, String address, boolean hadFailures, boolean recovery) {
    if (recovery) {
      log.info("recovery code used user_id={}", user.id());
      audit("mfa_recovery_code_used", user.id(), user.username(), new JsonObject().put("address", address));
    }
    return store.endChallenge(mfaToken)
        .compose(v -> hadFailures ? failures.clearPair(user.username(), address) : Future.<Void>succeededFuture())
        .map(new Verified(user, AMR_PWD_OTP));
  }

  private <T> Future<T> failed(User user, String address, boolean recovery) {
    return failed(user.id(), user.username(), address, recovery);
  }

  private <T> Future<T> failed(UUID userId, String username, String address, boolean recovery) {
    return failures.recordFailure(username, address).compose(count -> {
      guards.perAddress().recordFailure(address);
      log.info("second factor failed user_id={}", userId);
      audit("mfa_failure", userId, username, new JsonObject().put("address", address)
          .put("method", recovery ? "recovery_code" : "totp"));
      return Future.failedFuture(BAD_CODE);
    });
  }

  /**
   * For a signed-in user who must prove the second factor again (removing it): checks a TOTP
   * {@code code} or a {@code recoveryCode} (one non-null) and uses it up; a wrong one counts toward
   * the lockout like a wrong password and fails with 401 {@code invalid_grant}.
   */
  public Future<Void> require(UUID userId, String username, String code, String recoveryCode, String address) {
    User user = new User(userId, username, null, List.of(), false);
    return checkEither(user, code, recoveryCode).compose(ok -> ok ? Future.<Void>succeededFuture()
        : failed(userId, username, address, code == null));
  }

  /** Whether {@code code} is a TOTP code of the user's confirmed secret not used before (and marks its step used). */
  public Future<Boolean> checkCode(UUID userId, String code) {
    return store.find(userId).compose(found -> {
      if (found.isEmpty() || !found.get().confirmed()) {
        return Future.succeededFuture(false);
      }
      TotpStore.Credential c = found.get();
      long step = Totp.matchingStep(key.open(userId, c.sealed()), code, Totp.step(clock.instant()), c.lastStep());
      return step < 0 ? Future.succeededFuture(false) : store.acceptStep(userId, step);
    });
  }

  private Future<Boolean> checkRecoveryCode(User user, String recoveryCode) {
    if (recoveryCode.length() > 64) {
      return Future.succeededFuture(false);
    }
    return store.useRecoveryCode(user.id(), RecoveryCodes.hash(user.id(), recoveryCode));
  }

  /** Whether a TOTP code or a recovery code (one of them non-null) is right for the user; uses it up. */
  public Future<Boolean> checkEither(User user, String code, String recoveryCode) {
    return code != null ? checkCode(user.id(), code) : checkRecoveryCode(user, recoveryCode);
  }

  private void audit(String event, UUID userId, String username, JsonObject details) {
    Audit.record(vertx, Audit.event(event).put("user_id", userId.toString()).put("username", username)
        .put("details", details));
  }

  static ApiError tooMany(long seconds) {
    return new ApiError(429, "too_many_attempts", "Too many failed logins; retry after " + seconds + " seconds.")
        .retryAfter(seconds);
  }
}
