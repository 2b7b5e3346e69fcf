package dev.jwtauth.issuer;

import dev.jwtauth.http.ApiError;
import dev.jwtauth.http.JsonBodies;
import dev.jwtauth.http.Responses;
import dev.jwtauth.users.PasswordHasher;
import dev.jwtauth.users.User;
import dev.jwtauth.users.UserRepository;
import dev.jwtauth.users.Usernames;
import io.vertx.core.Future;
import io.vertx.core.Handler;
import io.vertx.core.json.JsonObject;
import io.vertx.ext.web.RoutingContext;

import java.util.Optional;

/**
 * {@code POST /auth/login {"username","password"}}: checks the password (argon2id on a worker) and
 * answers the token response. An unknown user is verified against a dummy hash, so it costs the
 * same time and gets the same 401 body as a wrong password.
 */
final class LoginHandler implements Handler<RoutingContext> {
  static final int MAX_USERNAME = 256;
  static final int MAX_PASSWORD = 1_024;
  private static final ApiError BAD_CREDENTIALS =
      new ApiError(401, "invalid_grant", "The username or password is incorrect.");

  private final UserRepository users;
  private final PasswordHasher hasher;
  private final TokenService tokens;

  LoginHandler(UserRepository users, PasswordHasher hasher, TokenService tokens) {
    this.users = users;
    this.hasher = hasher;
    this.tokens = tokens;
  }

  @Override
  public void handle(RoutingContext ctx) {
    JsonObject body = JsonBodies.object(ctx);
    String username = JsonBodies.string(body, "username", MAX_USERNAME);
    String password = JsonBodies.string(body, "password", MAX_PASSWORD);
    Optional<String> normalised = Usernames.normalise(username);
    Future<Optional<User>> found = normalised.isPresent()
        ? users.findByUsername(normalised.get())
        : Future.succeededFuture(Optional.empty());
    found
        .compose(user -> hasher.verify(user.map(User::passwordHash).orElse(null), password)
            .compose(ok -> ok && !user.get().disabled()
                ? Future.succeededFuture(user.get())
                : Future.<User>failedFuture(BAD_CREDENTIALS)))
        .compose(tokens::issueForUser)
        .onSuccess(res -> Responses.tokenJson(ctx, res))
        .onFailure(ctx::fail);
  }
}
