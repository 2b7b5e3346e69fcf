package dev.jwtauth.issuer;

import dev.jwtauth.http.ApiError;
import dev.jwtauth.http.JsonBodies;
import dev.jwtauth.http.Responses;
import dev.jwtauth.ops.Audit;
import dev.jwtauth.tokens.Names;
import dev.jwtauth.tokens.RefreshTokens;
import dev.jwtauth.users.PasswordHasher;
import dev.jwtauth.users.UserAdmin;
import dev.jwtauth.users.PasswordPolicy;
import dev.jwtauth.users.UserRepository;
import dev.jwtauth.users.Usernames;
import io.vertx.core.Future;
import io.vertx.core.Handler;
import io.vertx.core.json.JsonArray;
import io.vertx.core.json.JsonObject;
import io.vertx.ext.web.Router;
import io.vertx.ext.web.RoutingContext;
import io.vertx.ext.web.handler.BodyHandler;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import java.util.List;

/**
 * The user administration of {@code /admin/users} (role admin, checked before): create, list (a
 * name filter, {@code limit}/{@code offset} paging), read, set roles, disable and enable, delete,
 * reset the password (a one-time reset token), list and end sessions. The rules live in
 * {@link UserAdmin}, shared with the command line.
 */
final class AdminUsersHandler implements Handler<RoutingContext> {
  private static final Logger log = LoggerFactory.getLogger(AdminUsersHandler.class);
  static final int DEFAULT_LIMIT = 50;
  static final int MAX_LIMIT = 500;

  private final UserRepository users;
  private final PasswordHasher hasher;
  private final UserAdmin admin;

  AdminUsersHandler(UserRepository users, PasswordHasher hasher, UserAdmin admin) {
    this.users = users;
    this.hasher = hasher;
    this.admin = admin;
  }

  void mount(Router router, BodyHandler body) {
    router.post("/admin/users").handler(body).handler(this);
    router.get("/admin/users").handler(this::list);
    router.get("/admin/users/:username").handler(this::get);
    router.patch("/admin/users/:username").handler(body).handler(this::patch);
    router.delete("/admin/users/:username").handler(ctx -> done(ctx, "deleted",
        admin.delete(actor(ctx), ctx.pathParam("username"))));
    router.post("/admin/users/:username/disable").handler(ctx -> done(ctx, "disabled",
        admin.setDisabled(actor(ctx), ctx.pathParam("username"), true)));
    router.post("/admin/users/:username/enable").handler(ctx -> done(ctx, "enabled",
        admin.setDisabled(actor(ctx), ctx.pathParam("username"), false)));
    router.post("/admin/users/:username/password-reset").handler(this::resetPassword);
    router.get("/admin/users/:username/sessions").handler(ctx -> admin.sessions(ctx.pathParam("username"))
        .onSuccess(list -> Responses.json(ctx, 200, sessionsJson(list, null)))
        .onFailure(ctx::fail));
    router.delete("/admin/users/:username/sessions").handler(ctx -> done(ctx, "sessions ended",
        admin.endSessions(actor(ctx), ctx.pathParam("username"))));
    router.delete("/admin/users/:username/sessions/:sid").handler(ctx -> done(ctx, "session ended",
        admin.endSession(actor(ctx), ctx.pathParam("username"), ctx.pathParam("sid"))));
  }

  static UserAdmin.Actor actor(RoutingContext ctx) {
    return UserAdmin.Actor.of(ctx.user().principal().getString("sub"));
  }

  /** {@code {"sessions":[{"sid","created_at","last_used_at","client_id","current"?}…]}}. */
  static JsonObject sessionsJson(List<RefreshTokens.Session> sessions, String currentSid) {
    JsonArray list = new JsonArray();
    for (RefreshTokens.Session s : sessions) {
      JsonObject json = s.toJson();
      if (currentSid != null) {
        json.put("current", json.getString("sid").equals(currentSid));
      }
      list.add(json);
    }
    return new JsonObject().put("sessions", list);
  }

  private void done(RoutingContext ctx, String what, Future<Void> change) {
    change.onSuccess(v -> {
      log.info("user {} username={} by={}", what, ctx.pathParam("username"), ctx.user().principal().getString("sub"));
      ctx.response().setStatusCode(204).end();
    }).onFailure(ctx::fail);
  }

  /** {@code GET /admin/users?q&limit&offset} → {@code {"users":[…],"total","limit","offset"}}, by name. */
  private void list(RoutingContext ctx) {
    int limit;
    long offset;
    try {
      String l = ctx.queryParams().get("limit");
      String o = ctx.queryParams().get("offset");
      limit = l == null ? DEFAULT_LIMIT : Integer.parseInt(l);
      offset = o == null ? 0 : Long.parseLong(o);
    } catch (NumberFormatException e) {
      throw ApiError.invalidRequest("limit and offset must be whole numbers.");
    }
    if (limit < 1 || limit > MAX_LIMIT || offset < 0) {
      throw ApiError.invalidRequest("limit must be 1-" + MAX_LIMIT + " and offset 0 or more.");
    }
    String q = ctx.queryParams().get("q");
    if (q != null && q.length() > 256) {
      throw ApiError.invalidRequest("q must be at most 256 characters.");
    }
    int pageSize = limit;
    long from = offset;
    admin.list(q, limit, offset)
        .onSuccess(page -> Responses.json(ctx, 200, new JsonObject()
            .put("users", new JsonArray(page.users().stream().map(u -> (Object) u.toJson()).toList()))
            .put("total", page.total()).put("limit", pageSize).put("offset", from)))
        .onFailure(ctx::fail);
  }

  /** {@code GET /admin/users/{username}}: id, username, roles, disabled, created_at; never the hash. */
  private void get(RoutingContext ctx) {
    admin.get(ctx.pathParam("username"))
        .onSuccess(user -> Responses.json(ctx, 200, user.toJson()))
        .onFailure(ctx::fail);
  }

  /** {@code PATCH /admin/users/{username} {"roles":[…]}}: 200 with the account after. */
  private void patch(RoutingContext ctx) {
    JsonObject body = JsonBodies.object(ctx);
    if (!body.containsKey("roles") || body.size() != 1) {
      throw ApiError.invalidRequest("The body must be {\"roles\":[…]}; only roles can be changed.");
    }
    List<String> roles = Names.ROLES.parse(body.getValue("roles"), "roles", "invalid_request");
    admin.setRoles(actor(ctx), ctx.pathParam("username"), roles)
        .onSuccess(user -> {
          log.info("user roles set user_id={} roles={} by={}", user.id(), user.roles(), ctx.user().principal().getString("sub"));
          Responses.json(ctx, 200, user.toJson());
        })
        .onFailure(ctx::fail);
  }

  /** {@code POST /admin/users/{username}/password-reset} → 200 {@code {"reset_token","expires_in"}}, shown once. */
  private void resetPassword(RoutingContext ctx) {
    admin.resetPassword(actor(ctx), ctx.pathParam("username"))
        .onSuccess(reset -> {
          log.info("password reset started username={} by={}", ctx.pathParam("username"),
              ctx.user().principal().getString("sub"));
          ctx.response().putHeader("Cache-Control", "no-store");
          Responses.json(ctx, 200, reset);
        })
        .onFailure(ctx::fail);
  }

  /** {@code POST /admin/users {"username","password","roles":[…]}}: creates a user, 201. */
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
