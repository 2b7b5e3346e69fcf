package dev.jwtauth.issuer;

import dev.jwtauth.clients.ClientRepository;
import dev.jwtauth.clients.ClientRules;
import dev.jwtauth.http.ApiError;
import dev.jwtauth.http.JsonBodies;
import dev.jwtauth.http.Responses;
import dev.jwtauth.ops.Audit;
import io.vertx.core.Future;
import io.vertx.core.json.JsonArray;
import io.vertx.core.json.JsonObject;
import io.vertx.ext.web.Router;
import io.vertx.ext.web.RoutingContext;
import io.vertx.ext.web.handler.BodyHandler;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import java.util.List;

/**
 * The client administration of {@code /admin/clients} (role admin, checked before): register (the
 * generated {@code client_secret} is shown once), list, read, disable and enable, delete, rotate the
 * secret. Disabling or deleting a client revokes every token issued to it, on every member at once.
 */
final class AdminClientsHandler {
  private static final Logger log = LoggerFactory.getLogger(AdminClientsHandler.class);

  private final ClientRepository clients;
  private final TokenService tokens;

  AdminClientsHandler(ClientRepository clients, TokenService tokens) {
    this.clients = clients;
    this.tokens = tokens;
  }

  void mount(Router router, BodyHandler body) {
    router.post("/admin/clients").handler(body).handler(this::create);
    router.get("/admin/clients").handler(this::list);
    router.get("/admin/clients/:client_id").handler(this::get);
    router.delete("/admin/clients/:client_id").handler(this::delete);
    router.post("/admin/clients/:client_id/disable").handler(ctx -> setDisabled(ctx, true));
    router.post("/admin/clients/:client_id/enable").handler(ctx -> setDisabled(ctx, false));
    router.post("/admin/clients/:client_id/secret").handler(this::rotateSecret);
  }

  /**
   * {@code POST /admin/clients {"client_id","roles":[…],"scopes":[…]}} → 201 with the secret. RFC 7591's
   * names are accepted beside ours: {@code scope} (space-separated, for {@code scopes}),
   * {@code redirect_uris}, {@code grant_types}, {@code token_endpoint_auth_method} ({@code none}: a
   * public client, no secret issued).
   */
  private void create(RoutingContext ctx) {
    JsonObject body = JsonBodies.object(ctx);
    String clientId = ClientRules.clientId(body.getValue("client_id"));
    List<String> roles = ClientRules.roles(list(body.getValue("roles"), "roles"));
    List<String> scopes = ClientRules.scopes(scopes(body));
    ClientRules.Metadata metadata = ClientRules.metadata(
        body.getValue("redirect_uris") == null ? null : list(body.getValue("redirect_uris"), "redirect_uris"),
        body.getValue("grant_types") == null ? null : list(body.getValue("grant_types"), "grant_types"),
        body.getValue("token_endpoint_auth_method"));
    String secret = metadata.isPublic() ? null : ClientRules.newSecret();
    clients.create(clientId, secret, roles, scopes, metadata)
        .onSuccess(v -> {
          log.info("client created client_id={} roles={} grants={}", clientId, roles, metadata.grantTypes());
          audit(ctx, "client_created", clientId, new JsonObject().put("roles", new JsonArray(roles))
              .put("scopes", new JsonArray(scopes)).put("grant_types", new JsonArray(metadata.grantTypes())));
          ctx.response().putHeader("Cache-Control", "no-store");
          JsonObject res = new JsonObject().put("client_id", clientId);
          if (secret != null) {
            res.put("client_secret", secret);
          }
          Responses.json(ctx, 201, res.put("roles", new JsonArray(roles)).put("scopes", new JsonArray(scopes))
              .put("scope", String.join(" ", scopes))
              .put("redirect_uris", new JsonArray(metadata.redirectUris()))
              .put("grant_types", new JsonArray(metadata.grantTypes()))
              .put("token_endpoint_auth_method", metadata.authMethod()));
        })
        .onFailure(ctx::fail);
  }

  /** {@code scopes} (an array) or RFC 7591's {@code scope} (a space-separated string); both must agree. */
  private static List<?> scopes(JsonObject body) {
    List<?> scopes = body.getValue("scopes") == null ? null : list(body.getValue("scopes"), "scopes");
    Object scope = body.getValue("scope");
    if (scope == null) {
      return scopes == null ? List.of() : scopes;
    }
    if (!(scope instanceof String s)) {
      throw new ApiError(400, ClientRules.INVALID_METADATA, "The field 'scope' must be a space-separated string.");
    }
    List<String> split = dev.jwtauth.tokens.Names.splitScope(s);
    if (scopes != null && !new java.util.HashSet<>(scopes).equals(new java.util.HashSet<>(split))) {
      throw new ApiError(400, ClientRules.INVALID_METADATA, "'scope' and 'scopes' disagree; send one of them.");
    }
    return split;
  }

  private static List<?> list(Object value, String field) {
    if (value == null) {
      return List.of();
    }
    if (!(value instanceof JsonArray arr)) {
      throw new ApiError(400, ClientRules.INVALID_METADATA, "The field '" + field + "' must be an array of names.");
    }
    return arr.getList();
  }

  /** {@code GET /admin/clients} → {@code {"clients":[…]}}, never a secret. */
  private void list(RoutingContext ctx) {
    clients.list()
        .onSuccess(all -> Responses.json(ctx, 200, new JsonObject().put("clients",
            new JsonArray(all.stream().map(c -> (Object) c.toJson()).toList()))))
        .onFailure(ctx::fail);
  }

  private void get(RoutingContext ctx) {
    clients.get(ctx.pathParam("client_id")).onSuccess(c -> Responses.json(ctx, 200, c.toJson())).onFailure(ctx::fail);
  }

  /** Disabled: it cannot authenticate, and every token issued to it so far is revoked. 204. */
  private void setDisabled(RoutingContext ctx, boolean disabled) {
    String clientId = ctx.pathParam("client_id");
    clients.setDisabled(clientId, disabled)
        .compose(v -> disabled ? tokens.revokeClient(clientId) : Future.succeededFuture())
        .onSuccess(v -> {
          log.info("client {} client_id={}", disabled ? "disabled" : "enabled", clientId);
          audit(ctx, disabled ? "client_disabled" : "client_enabled", clientId, new JsonObject());
          ctx.response().setStatusCode(204).end();
        })
        .onFailure(ctx::fail);
  }

  /** Deleted, its tokens revoked. 204. */
  private void delete(RoutingContext ctx) {
    String clientId = ctx.pathParam("client_id");
    clients.delete(clientId)
        .compose(v -> tokens.revokeClient(clientId))
        .onSuccess(v -> {
          log.info("client deleted client_id={}", clientId);
          audit(ctx, "client_deleted", clientId, new JsonObject());
          ctx.response().setStatusCode(204).end();
        })
        .onFailure(ctx::fail);
  }

  /** A new secret, shown once; the old one stops working at once (tokens already issued stay valid). */
  private void rotateSecret(RoutingContext ctx) {
    String clientId = ctx.pathParam("client_id");
    String secret = ClientRules.newSecret();
    clients.setSecret(clientId, secret)
        .onSuccess(v -> {
          log.info("client secret rotated client_id={}", clientId);
          audit(ctx, "client_secret_rotated", clientId, new JsonObject());
          ctx.response().putHeader("Cache-Control", "no-store");
          Responses.json(ctx, 200, new JsonObject().put("client_id", clientId).put("client_secret", secret));
        })
        .onFailure(ctx::fail);
  }

  private static void audit(RoutingContext ctx, String event, String clientId, JsonObject details) {
    Audit.record(ctx.vertx(), Audit.event(event).put("client_id", clientId)
        .put("details", details.put("by", ctx.user().principal().getString("sub"))));
  }
}
