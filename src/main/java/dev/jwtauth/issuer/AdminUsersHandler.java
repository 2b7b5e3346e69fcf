package dev.jwtauth.issuer;

import dev.jwtauth.http.ApiError;
import dev.jwtauth.http.JsonBodies;
import dev.jwtauth.http.Responses;
import dev.jwtauth.ops.Audit;
import dev.jwtauth.tokens.Names;
import dev.jwtauth.users.PasswordHasher;
import dev.jwtauth.users.PasswordPolicy;
import dev.jwtauth.users.UserRepository;
import dev.jwtauth.users.Usernames;
import io.vertx.core.Handler;
import io.vertx.core.json.JsonArray;
import io.vertx.core.json.JsonObject;
import io.vertx.ext.web.RoutingContext;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import java.util.List;

/** {@code POST /admin/users {"username","password","roles":[…]}} (role admin): creates a user, 201. */
final class AdminUsersHandler implements Handler<RoutingContext> {
  private static final Logger log = LoggerFactory.getLogger(AdminUsersHandler.class);

  private final UserRepository users;
  private final PasswordHasher hasher;

  AdminUsersHandler(UserRepository users, PasswordHasher hasher) {
    this.users = users;
    this.hasher = hasher;
  }

  @Override
  public void handle(RoutingContext ctx) {
    JsonObject body = JsonBodies.object(ctx);
    String username = Usernames.normalise(JsonBodies.string(body, "username", LoginHandler.MAX_USERNAME))
        .orElseThrow(() -> ApiError.invalidRequest(
            "The username must be 1-64 letters, digits or . _ - @ (it is compared after NFKC and lower-casing)."));
    String password = JsonBodies.string(body, "password", PasswordPolicy.MAX_LENGTH);
    PasswordPolicy.problem(password).ifPresent(problem -> {
      throw ApiError.invalidRequest(problem);
    });
    List<String> roles = Names.ROLES.parse(body.getValue("roles"), "roles", "invalid_request");
    hasher.hash(password)
        .compose(hash -> users.create(username, hash, roles))
        .onSuccess(user -> {
          log.info("user created user_id={} roles={} by={}", user.id(), user.roles(), ctx.user().principal().getString("sub"));
          Audit.record(ctx.vertx(), Audit.event("user_created").put("user_id", user.id().toString())
              .put("username", user.username()).put("details", new JsonObject()
                  .put("roles", new JsonArray(user.roles())).put("by", ctx.user().principal().getString("sub"))));
          Responses.json(ctx, 201, new JsonObject().put("id", user.id().toString()).put("username", user.username())
              .put("roles", new JsonArray(user.roles())));
        })
        .onFailure(err -> ctx.fail(err instanceof UserRepository.UserExists
            ? new ApiError(409, "user_exists", "A user with this username already exists.")
            : err));
  }
}
