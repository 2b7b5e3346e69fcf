package dev.jwtauth.issuer;

import dev.jwtauth.bus.Addresses;
import dev.jwtauth.bus.BusErrors;
import dev.jwtauth.clients.Client;
import dev.jwtauth.clients.ClientRepository;
import dev.jwtauth.clients.ClientRules;
import dev.jwtauth.http.ApiError;
import dev.jwtauth.tokens.AccessTokens;
import dev.jwtauth.tokens.DpopProofs;
import dev.jwtauth.tokens.Names;
import dev.jwtauth.tokens.Revocations;
import dev.jwtauth.tokens.SessionIds;
import dev.jwtauth.tokens.TokenResponse;
import dev.jwtauth.tokens.TokenVerifier;
import io.vertx.core.Future;
import io.vertx.core.eventbus.EventBus;
import io.vertx.core.eventbus.Message;
import io.vertx.core.eventbus.MessageConsumer;
import io.vertx.core.json.JsonObject;

import java.time.Duration;
import java.util.List;
import java.util.function.Supplier;

/**
 * The event-bus API for other verticles (contracts in {@link Addresses}). Every issuer instance
 * registers these consumers, so the bus spreads signing over all instances and event loops.
 * Failures carry the HTTP status and OAuth code of the same failure over HTTP ({@link BusErrors}).
 * Issuing needs a registered client's credentials and grants at most that client's roles and
 * scopes, never {@code admin}.
 */
final class TokenBusApi {
  private static final ApiError BAD_BODY = ApiError.invalidRequest("The request body is malformed.");

  private final TokenService tokens;
  private final TokenVerifier verifier;
  private final Revocations revocations;
  private final ClientRepository clients;
  private final DpopProofs proofs;

  TokenBusApi(TokenService tokens, TokenVerifier verifier, Revocations revocations, ClientRepository clients,
              DpopProofs proofs) {
    this.proofs = proofs;
    this.tokens = tokens;
    this.verifier = verifier;
    this.revocations = revocations;
    this.clients = clients;
  }

  /** Registers the consumers; completes once all are registered. */
  Future<Void> register(EventBus bus) {
    List<MessageConsumer<JsonObject>> consumers = List.of(
        bus.consumer(Addresses.TOKEN_ISSUE, msg -> answer(msg, () -> issue(msg.body()))),
        bus.consumer(Addresses.TOKEN_VERIFY, msg -> answer(msg, () -> verify(msg.body()))),
        bus.consumer(Addresses.TOKEN_REVOKE, msg -> answer(msg, () -> revoke(msg.body()))),
        bus.consumer(Addresses.REVOCATIONS_GET, msg -> answer(msg, revocations::active)));
    return Future.all(consumers.stream().map(MessageConsumer::completion).toList()).mapEmpty();
  }

  private static void answer(Message<JsonObject> msg, Supplier<Future<JsonObject>> work) {
    Future<JsonObject> reply;
    try {
      reply = work.get();
    } catch (RuntimeException e) {
      reply = Future.failedFuture(e);
    }
    reply.onSuccess(msg::reply).onFailure(err -> BusErrors.fail(msg, err));
  }

  private Future<JsonObject> issue(JsonObject body) {
    if (body == null || !(body.getValue("client_id") instanceof String id) || !(body.getValue("client_secret") instanceof String secret)) {
      return Future.failedFuture(ClientRepository.INVALID_CLIENT);
    }
    return clients.authenticate(id, secret).map(client -> grant(client, body));
  }

  /** The token for an authenticated client: what it asked for, within what it may have. */
  private JsonObject grant(Client client, JsonObject body) {
    Object sub = body.getValue("sub", client.clientId());
    if (!(sub instanceof String s) || s.isEmpty() || s.length() > 256) {
      throw ApiError.invalidRequest("The field 'sub' must be a string of 1-256 characters.");
    }
    if (ClientRules.isUserShaped(s)) {
      throw ApiError.invalidRequest("The field 'sub' must not be shaped like a user id: those belong to users.");
    }
    List<String> allowedRoles = client.roles().stream().filter(r -> !r.equals(Names.ADMIN)).toList();
    List<String> roles = body.containsKey("roles")
        ? Names.ROLES.parse(body.getValue("roles"), "roles", "invalid_request") : allowedRoles;
    if (!allowedRoles.containsAll(roles)) {
      throw new ApiError(400, "invalid_scope", "The requested roles exceed what this client may have.");
    }
    List<String> scopes = body.containsKey("scope")
        ? Names.SCOPES.check(Names.splitScope(stringOrNull(body, "scope")), "scope", "invalid_request") : client.scopes();
    if (!client.scopes().containsAll(scopes)) {
      throw new ApiError(400, "invalid_scope", "The requested scope exceeds what this client may ask for.");
    }
    long maxTtl = tokens.accessTtl().toSeconds();
    Object ttlValue = body.getValue("ttl");
    if (ttlValue != null && !(ttlValue instanceof Number)) {
      throw BAD_BODY;
    }
    long ttl = ttlValue == null ? maxTtl : Math.max(1, Math.min(maxTtl, ((Number) ttlValue).longValue()));
    String username = stringOrNull(body, "username");
    AccessTokens.Issued at = tokens.issueForService(client, s, username, roles, scopes, Duration.ofSeconds(ttl));
    return TokenResponse.of(at, scopes).toJson();
  }

  private static String stringOrNull(JsonObject body, String field) {
    Object v = body.getValue(field);
    if (v != null && !(v instanceof String)) {
      throw BAD_BODY;
    }
    return (String) v;
  }

  /**
   * The claims of a valid token. A token bound to a DPoP key ({@code cnf.jkt}) needs the request's
   * proof ({@code dpop}) with the method and URL it was sent to ({@code htm}, {@code htu}): checked
   * as a resource checks it, replay cache included (no server nonce: the caller's clients never saw one).
   */
  private Future<JsonObject> verify(JsonObject body) {
    String token = body == null ? null : stringOrNull(body, "token");
    if (token == null) {
      return Future.failedFuture(BAD_BODY);
    }
    String dpop = stringOrNull(body, "dpop");
    String htm = stringOrNull(body, "htm");
    String htu = stringOrNull(body, "htu");
    if (dpop != null && (htm == null || htu == null)) {
      return Future.failedFuture(ApiError.invalidRequest("A 'dpop' proof needs the request's 'htm' and 'htu'."));
    }
    return verifier.verify(token)
        .recover(err -> Future.failedFuture(new ApiError(401, "invalid_token", "The token is not valid.")))
        .compose(claims -> {
          try {
            proofs.checkBindingWithoutNonce(claims, dpop == null ? List.of() : List.of(dpop), htm,
                htu == null ? List.of() : List.of(htu), token);
            return Future.succeededFuture(claims);
          } catch (DpopProofs.Rejected e) {
            return Future.failedFuture(new ApiError(401, e.code(), e.description()));
          }
        });
  }

  private Future<JsonObject> revoke(JsonObject body) {
    JsonObject b = body == null ? new JsonObject() : body;
    Object token = b.getValue("token");
    Object sid = b.getValue("sid");
    ApiError unknown = ApiError.invalidRequest("The token is not a valid access token or a known refresh token.");
    Future<Void> done;
    if (token instanceof String t) {
      done = t.chars().filter(c -> c == '.').count() == 2
          ? verifier.verify(t).recover(err -> Future.failedFuture(unknown)).compose(tokens::revokeAccess)
          : tokens.revokeRefreshToken(t).compose(found -> found ? Future.succeededFuture() : Future.failedFuture(unknown));
    } else if (sid instanceof String s) {
      done = tokens.revokeSession(SessionIds.family(s), s);
    } else {
      return Future.failedFuture(BAD_BODY);
    }
    return done.map(v -> new JsonObject().put("revoked", true));
  }
}
