package dev.jwtauth.issuer;

import dev.jwtauth.clients.ClientRepository;
import dev.jwtauth.http.ApiError;
import dev.jwtauth.http.JsonBodies;
import dev.jwtauth.http.Responses;
import dev.jwtauth.ops.Audit;
import dev.jwtauth.tokens.AccessTokens;
import io.vertx.core.Handler;
import io.vertx.core.json.JsonArray;
import io.vertx.core.json.JsonObject;
import io.vertx.ext.web.RoutingContext;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import java.util.ArrayList;
import java.util.List;
import java.util.regex.Pattern;

/**
 * {@code POST /admin/clients {"client_id","roles":[…],"scopes":[…]}} (role admin): registers an
 * OAuth 2 client and answers 201 with its generated {@code client_secret}, shown this once.
 */
final class AdminClientsHandler implements Handler<RoutingContext> {
  private static final Logger log = LoggerFactory.getLogger(AdminClientsHandler.class);
  private static final Pattern CLIENT_ID = Pattern.compile("[A-Za-z0-9._-]{1,128}");
  private static final Pattern NAME = Pattern.compile("[a-z0-9_:.-]{1,64}");

  private final ClientRepository clients;

  AdminClientsHandler(ClientRepository clients) {
    this.clients = clients;
  }

  @Override
  public void handle(RoutingContext ctx) {
    JsonObject body = JsonBodies.object(ctx);
    String clientId = JsonBodies.string(body, "client_id", 128);
    if (!CLIENT_ID.matcher(clientId).matches()) {
      throw ApiError.invalidRequest("client_id must be 1-128 letters, digits or . _ -.");
    }
    List<String> roles = names(body.getValue("roles"), "roles");
    List<String> scopes = names(body.getValue("scopes"), "scopes");
    String secret = AccessTokens.randomId(32);
    clients.create(clientId, secret, roles, scopes)
        .onSuccess(v -> {
          log.info("client created client_id={} roles={}", clientId, roles);
          Audit.record(ctx.vertx(), Audit.event("client_created").put("client_id", clientId)
              .put("details", new JsonObject().put("roles", new JsonArray(roles)).put("scopes", new JsonArray(scopes))
                  .put("by", ctx.user().principal().getString("sub"))));
          ctx.response().putHeader("Cache-Control", "no-store");
          Responses.json(ctx, 201, new JsonObject().put("client_id", clientId).put("client_secret", secret)
              .put("roles", new JsonArray(roles)).put("scopes", new JsonArray(scopes)));
        })
        .onFailure(err -> ctx.fail(err instanceof ClientRepository.ClientExists
            ? new ApiError(409, "client_exists", "A client with this client_id already exists.") : err));
  }

  private static List<String> names(Object value, String field) {
    List<String> out = new ArrayList<>();
    if (value == null) {
      return out;
    }
    if (!(value instanceof JsonArray arr) || arr.size() > 32) {
      throw ApiError.invalidRequest("The field '" + field + "' must be an array of at most 32 names.");
    }
    for (Object o : arr) {
      if (!(o instanceof String s) || !NAME.matcher(s).matches()) {
        throw ApiError.invalidRequest("Each of '" + field + "' must match [a-z0-9_:.-]{1,64}.");
      }
      if (!out.contains(s)) {
        out.add(s);
      }
    }
    return out;
  }
}
