package dev.jwtauth.issuer;

import dev.jwtauth.bus.Addresses;
import dev.jwtauth.bus.BusErrors;
import dev.jwtauth.clients.ClientRepository;
import dev.jwtauth.http.ApiError;
import dev.jwtauth.http.BearerChallenge;
import dev.jwtauth.http.RequireMfa;
import dev.jwtauth.http.RequireRole;
import dev.jwtauth.http.Responses;
import dev.jwtauth.ops.Audit;
import dev.jwtauth.users.PasswordHasher;
import dev.jwtauth.users.UserAdmin;
import dev.jwtauth.users.UserRepository;
import dev.jwtauth.users.Usernames;
import io.vertx.core.Vertx;
import io.vertx.core.json.JsonObject;
import io.vertx.ext.web.Router;
import io.vertx.ext.web.RoutingContext;
import io.vertx.ext.web.handler.BodyHandler;
import dev.jwtauth.http.AccessTokenAuth;
import io.vertx.sqlclient.Pool;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import java.time.Instant;
import java.time.OffsetDateTime;
import java.time.format.DateTimeParseException;

/** The {@code /admin/*} routes of the auth origin: a bearer token with role {@code admin} for all. */
final class AdminRoutes {
  private static final Logger log = LoggerFactory.getLogger(AdminRoutes.class);

  private final Vertx vertx;
  private final UserRepository users;
  private final PasswordHasher hasher;
  private final ClientRepository clients;
  private final Pool pool;

  private final TokenService tokens;
  private final UserAdmin admin;

  AdminRoutes(Vertx vertx, UserRepository users, PasswordHasher hasher, ClientRepository clients, Pool pool,
              TokenService tokens, UserAdmin admin) {
    this.vertx = vertx;
    this.admin = admin;
    this.tokens = tokens;
    this.users = users;
    this.hasher = hasher;
    this.clients = clients;
    this.pool = pool;
  }

  /** @param requireMfa refuses a token of a role in {@code REQUIRE_MFA_ROLES} without {@code otp} in {@code amr} */
  void mount(Router router, BodyHandler body, AccessTokenAuth bearer, RequireMfa requireMfa) {
    bearer.protect(router.route("/admin/*")).failureHandler(ctx -> BearerChallenge.handle(ctx, IssuerVerticle.REALM));
    router.route("/admin/*").handler(RequireRole.of("admin"));
    router.route("/admin/*").handler(requireMfa);
    new AdminUsersHandler(users, hasher, admin).mount(router, body);
    router.post("/admin/users/:username/unlock").handler(this::unlock);
    router.get("/admin/audit").handler(this::audit);
    new AdminClientsHandler(clients, tokens).mount(router, body);
    router.post("/admin/keys/rotate").handler(ctx -> vertx.eventBus()
        .<JsonObject>request(Addresses.KEYS_ROTATE, new JsonObject())
        .onSuccess(reply -> Responses.json(ctx, 200, reply.body()))
        .onFailure(err -> ctx.fail(BusErrors.toApiError(err))));
    router.get("/admin/keys").handler(ctx -> vertx.eventBus()
        .<JsonObject>request(Addresses.KEYS_LIST, new JsonObject())
        .onSuccess(reply -> Responses.json(ctx, 200, reply.body()))
        .onFailure(err -> ctx.fail(BusErrors.toApiError(err))));
  }

  /** {@code POST /admin/users/{username}/unlock}: 204, or 404 for an unknown user. */
  private void unlock(RoutingContext ctx) {
    String admin = ctx.user().principal().getString("sub");
    users.unlock(Usernames.normalise(ctx.pathParam("username")).orElse(""))
        .onSuccess(found -> {
          if (!found) {
            ctx.fail(new ApiError(404, "not_found", "No such user."));
            return;
          }
          log.info("user unlocked by admin_id={}", admin);
          Audit.record(vertx, Audit.event("user_unlocked").put("username", ctx.pathParam("username"))
              .put("details", new JsonObject().put("by", admin)));
          ctx.response().setStatusCode(204).end();
        })
        .onFailure(ctx::fail);
  }

  /**
   * {@code GET /admin/audit?event&username&client_id&since&until&limit&before}: newest events first;
   * {@code since} (inclusive) and {@code until} (exclusive) are RFC 3339 times such as
   * {@code 2026-12-01T14:00:00Z}.
   */
  private void audit(RoutingContext ctx) {
    var q = ctx.queryParams();
    int limit;
    Long before;
    try {
      limit = q.get("limit") == null ? 100 : Math.min(1_000, Math.max(1, Integer.parseInt(q.get("limit"))));
      before = q.get("before") == null ? null : Long.parseLong(q.get("before"));
    } catch (NumberFormatException e) {
      throw ApiError.invalidRequest("limit and before must be whole numbers.");
    }
    Instant since = instant(q.get("since"), "since");
    Instant until = instant(q.get("until"), "until");
    Audit.query(pool, new Audit.Filter(blankToNull(q.get("event")), blankToNull(q.get("username")),
            blankToNull(q.get("client_id")), since, until, before, limit))
        .onSuccess(events -> Responses.json(ctx, 200, events))
        .onFailure(ctx::fail);
  }

  private static String blankToNull(String value) {
    return value == null || value.isBlank() ? null : value;
  }

  private static Instant instant(String value, String name) {
    if (value == null || value.isBlank()) {
      return null;
    }
    try {
      return OffsetDateTime.parse(value).toInstant();
    } catch (DateTimeParseException e) {
      throw ApiError.invalidRequest(name + " must be a date and time with its offset, such as 2026-12-01T14:00:00Z.");
    }
  }
}
