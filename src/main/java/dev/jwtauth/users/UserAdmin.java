package dev.jwtauth.users;

import dev.jwtauth.http.ApiError;
import dev.jwtauth.tokens.AccessTokens;
import dev.jwtauth.tokens.Names;
import dev.jwtauth.tokens.RefreshTokens;
import dev.jwtauth.tokens.UserSessions;
import io.vertx.core.Future;
import io.vertx.core.buffer.Buffer;
import io.vertx.core.json.JsonArray;
import io.vertx.core.json.JsonObject;

import java.time.Clock;
import java.time.Duration;
import java.time.OffsetDateTime;
import java.time.ZoneOffset;
import java.util.HashSet;
import java.util.List;
import java.util.UUID;
import java.util.function.Function;

/**
 * The user administration verbs, shared by {@code /admin/users} and the command line so that both
 * follow the same rules: list, read, set roles, disable, enable, delete, reset the password, list
 * and end sessions. Disabling, deleting, removing a role and resetting a password end every
 * session of the user and refuse every access token issued to it so far, on every member.
 * Nobody can leave the server without an enabled admin: an admin cannot disable or delete
 * themselves nor drop their own admin role, and the last enabled admin cannot lose the role by
 * anyone's hand (409 {@code conflict}). Every change is an audit event. Failures are
 * {@link ApiError}s: 404 {@code not_found}, 400 {@code invalid_request}, 409 {@code conflict}.
 */
public final class UserAdmin {
  /** How long a password-reset token is valid. */
  public static final Duration RESET_TTL = Duration.ofHours(24);
  private static final ApiError NOT_FOUND = new ApiError(404, "not_found", "No such user.");
  private static final ApiError BAD_RESET =
      new ApiError(400, "invalid_grant", "The reset token is invalid, expired or already used.");

  private final UserRepository users;
  private final PasswordHasher hasher;
  private final UserSessions sessions;
  private final Function<JsonObject, Future<Void>> audit;
  private final Clock clock;

  /**
   * Who makes a change: {@code id} is the admin's user id (null for the command line), for the
   * self-protection rules; {@code by} goes into the audit event.
   */
  public record Actor(UUID id, String by) {
    /** The operator at the command line. */
    public static final Actor CLI = new Actor(null, "cli");

    /** The admin behind a token's {@code sub}. */
    public static Actor of(String sub) {
      try {
        return new Actor(UUID.fromString(sub), sub);
      } catch (IllegalArgumentException | NullPointerException e) {
        return new Actor(null, String.valueOf(sub));
      }
    }
  }

  /**
   * @param audit stores or sends one audit event ({@code Audit.record} in the server, {@code Audit.store} at the command line)
   */
  public UserAdmin(UserRepository users, PasswordHasher hasher, UserSessions sessions,
                   Function<JsonObject, Future<Void>> audit, Clock clock) {
    this.users = users;
    this.hasher = hasher;
    this.sessions = sessions;
    this.audit = audit;
    this.clock = clock;
  }

  /** Users whose name contains {@code q} (null or blank: all), by name. */
  public Future<UserRepository.Page> list(String q, int limit, long offset) {
    String filter = q == null || q.isBlank() ? null
        : java.text.Normalizer.normalize(q.strip(), java.text.Normalizer.Form.NFKC).toLowerCase(java.util.Locale.ROOT);
    return users.list(filter, limit, offset);
  }

  /** The account named {@code username} (as typed: it is normalised here), or 404. */
  public Future<UserRepository.Account> get(String username) {
    return users.find(Usernames.normalise(username).orElse(""))
        .compose(found -> found.map(Future::succeededFuture).orElseGet(() -> Future.failedFuture(NOT_FOUND)));
  }

  /** Replaces the roles; removing any role ends the user's sessions and tokens. Answers the account after. */
  public Future<UserRepository.Account> setRoles(Actor actor, String username, List<String> roles) {
    List<String> wanted = Names.ROLES.check(roles, "roles", "invalid_request");
    return get(username).compose(user -> {
      boolean dropsAdmin = user.roles().contains(Names.ADMIN) && !wanted.contains(Names.ADMIN);
      if (dropsAdmin && user.id().equals(actor.id())) {
        return Future.failedFuture(conflict("An admin cannot remove their own admin role; another admin must do it."));
      }
      boolean removes = !new HashSet<>(wanted).containsAll(user.roles());
      return (dropsAdmin && !user.disabled() ? lastAdminCheck(user) : Future.<Void>succeededFuture())
          .compose(v -> users.setRoles(user.id(), wanted))
          .compose(v -> removes ? sessions.revokeAll(user.id()) : Future.<Void>succeededFuture())
          .compose(v -> record(actor, "user_roles_changed", user, new JsonObject()
              .put("from", new JsonArray(user.roles())).put("to", new JsonArray(wanted)).put("tokens_revoked", removes)))
          .map(new UserRepository.Account(user.id(), user.username(), wanted, user.disabled(), user.createdAt()));
    });
  }

  /** Disables (ending every session and token) or enables a user. */
  public Future<Void> setDisabled(Actor actor, String username, boolean disabled) {
    return get(username).compose(user -> {
      if (disabled && user.id().equals(actor.id())) {
        return Future.failedFuture(conflict("An admin cannot disable their own account; another admin must do it."));
      }
      return (disabled && !user.disabled() && user.roles().contains(Names.ADMIN) ? lastAdminCheck(user)
          : Future.<Void>succeededFuture())
          .compose(v -> users.setDisabled(user.id(), disabled))
          .compose(v -> disabled ? sessions.revokeAll(user.id()) : Future.<Void>succeededFuture())
          .compose(v -> record(actor, disabled ? "user_disabled" : "user_enabled", user, new JsonObject()));
    });
  }

  /** Deletes a user, ending every session and token of it. */
  public Future<Void> delete(Actor actor, String username) {
    return get(username).compose(user -> {
      if (user.id().equals(actor.id())) {
        return Future.failedFuture(conflict("An admin cannot delete their own account; another admin must do it."));
      }
      return (!user.disabled() && user.roles().contains(Names.ADMIN) ? lastAdminCheck(user) : Future.<Void>succeededFuture())
          .compose(v -> sessions.revokeAll(user.id()))
          .compose(v -> users.delete(user.id()))
          .compose(v -> record(actor, "user_deleted", user, new JsonObject()));
    });
  }

  /**
   * Starts a password reset: the old password stops working, every session and token of the user
   * ends, and a one-time reset token valid for {@link #RESET_TTL} is answered
   * ({@code {"reset_token","expires_in"}}, to be handed to the user, who sets a new password with
   * {@code POST /auth/password-reset}). Only the token's SHA-256 is stored.
   */
  public Future<JsonObject> resetPassword(Actor actor, String username) {
    String token = AccessTokens.randomId(32);
    return get(username).compose(user -> hasher.hash(AccessTokens.randomId(32))
        .compose(unusable -> users.setPasswordHash(user.id(), unusable))
        .compose(v -> users.putReset(user.id(), hash(token), at(clock.instant().plus(RESET_TTL))))
        .compose(v -> sessions.revokeAll(user.id()))
        .compose(v -> record(actor, "user_password_reset", user, new JsonObject()))
        .map(v -> new JsonObject().put("reset_token", token).put("expires_in", RESET_TTL.toSeconds())));
  }

  /**
   * Sets a new password with a reset token, once. Fails with 400 {@code invalid_request} (policy)
   * before the token is used, or 400 {@code invalid_grant} for a bad, expired or used token.
   */
  public Future<Void> completeReset(String token, String newPassword) {
    PasswordPolicy.problem(newPassword).ifPresent(problem -> {
      throw ApiError.invalidRequest(problem);
    });
    Buffer tokenHash = hash(token);
    // no hashing for a caller without a valid token; the DELETE then makes the token single-use
    return users.resetOwner(tokenHash, at(clock.instant()))
        .compose(owner -> owner.isEmpty() ? Future.failedFuture(BAD_RESET) : hasher.hash(newPassword))
        .compose(newHash -> users.consumeReset(tokenHash, at(clock.instant()))
            .compose(owner -> owner.isEmpty() ? Future.failedFuture(BAD_RESET)
                : users.setPasswordHash(owner.get(), newHash)
                .compose(v -> sessions.revokeAll(owner.get()))
                .compose(v -> users.findById(owner.get()))))
        .compose(user -> user.isEmpty() ? Future.failedFuture(BAD_RESET)
            : audit.apply(event("password_reset_completed", user.get()).put("details", new JsonObject())));
  }

  /**
   * Sets a user's own new password (the caller has checked the current one) and ends every other
   * session of the user; {@code keepSid} (the caller's session) goes on.
   */
  public Future<Void> changeOwnPassword(UserRepository.Account user, String newPassword, String keepSid) {
    PasswordPolicy.problem(newPassword).ifPresent(problem -> {
      throw ApiError.invalidRequest(problem);
    });
    return hasher.hash(newPassword)
        .compose(newHash -> users.setPasswordHash(user.id(), newHash))
        .compose(v -> sessions.revokeOthers(user.id(), keepSid))
        .compose(v -> audit.apply(event("password_changed", user).put("details", new JsonObject().put("kept_sid", keepSid))));
  }

  /** The live sessions of a user. */
  public Future<List<RefreshTokens.Session>> sessions(String username) {
    return get(username).compose(user -> sessions.list(user.id()));
  }

  /** Ends one session of a user (404 when it is not one of theirs). */
  public Future<Void> endSession(Actor actor, String username, String sid) {
    return get(username).compose(user -> endSession(actor, user, sid));
  }

  /** Ends one session of {@code user} (404 when it is not one of theirs). */
  public Future<Void> endSession(Actor actor, UserRepository.Account user, String sid) {
    return sessions.revokeOne(user.id(), sid).compose(found -> found
        ? record(actor, "session_ended", user, new JsonObject().put("sid", sid))
        : Future.failedFuture(new ApiError(404, "not_found", "No such session.")));
  }

  /** Ends every session of a user and refuses its access tokens issued so far. */
  public Future<Void> endSessions(Actor actor, String username) {
    return get(username).compose(user -> sessions.revokeAll(user.id())
        .compose(v -> record(actor, "sessions_ended", user, new JsonObject())));
  }

  /**
   * Removes a user's second factor (TOTP and recovery codes) with {@code remove}, the second-factor
   * store's verb (answers whether there was one), and ends every session and token of the user;
   * audit event {@code mfa_reset}. 404 when the user or its second factor does not exist.
   */
  public Future<Void> resetSecondFactor(Actor actor, String username, Function<UUID, Future<Boolean>> remove) {
    return get(username).compose(user -> remove.apply(user.id())
        .compose(removed -> removed ? sessions.revokeAll(user.id())
            : Future.failedFuture(new ApiError(404, "not_found", "This user has no second factor.")))
        .compose(v -> record(actor, "mfa_reset", user, new JsonObject().put("sessions_ended", true))));
  }

  private Future<Void> lastAdminCheck(UserRepository.Account user) {
    return users.otherEnabledAdmins(user.id()).compose(n -> n > 0 ? Future.<Void>succeededFuture()
        : Future.failedFuture(conflict("This is the last enabled admin; the server would be left without one.")));
  }

  private static ApiError conflict(String description) {
    return new ApiError(409, "conflict", description);
  }

  private Future<Void> record(Actor actor, String name, UserRepository.Account user, JsonObject details) {
    return audit.apply(event(name, user).put("details", details.put("by", actor.by())));
  }

  private static JsonObject event(String name, UserRepository.Account user) {
    return new JsonObject().put("event", name).put("user_id", user.id().toString()).put("username", user.username());
  }

  private static Buffer hash(String token) {
    return RefreshTokens.hash(token == null ? "" : token);
  }

  private static OffsetDateTime at(java.time.Instant instant) {
    return OffsetDateTime.ofInstant(instant, ZoneOffset.UTC);
  }
}
