package dev.jwtauth.issuer;

import dev.jwtauth.bus.Addresses;
import dev.jwtauth.tokens.AccessTokens;
import dev.jwtauth.tokens.Revocations;
import dev.jwtauth.tokens.SessionIds;
import dev.jwtauth.tokens.TokenVerifier;
import io.vertx.core.Future;
import io.vertx.core.eventbus.EventBus;
import io.vertx.core.eventbus.Message;
import io.vertx.core.eventbus.MessageConsumer;
import io.vertx.core.json.JsonArray;
import io.vertx.core.json.JsonObject;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.regex.Pattern;

/**
 * The event-bus API for other verticles (contracts in {@link Addresses}). Every issuer instance
 * registers these consumers, so the bus spreads signing over all instances and event loops.
 * Failures carry the HTTP status of the same failure over HTTP.
 */
final class TokenBusApi {
  private static final Logger log = LoggerFactory.getLogger(TokenBusApi.class);
  private static final Pattern ROLE = Pattern.compile("[a-z0-9_-]{1,64}");

  private final TokenService tokens;
  private final TokenVerifier verifier;
  private final Revocations revocations;

  TokenBusApi(TokenService tokens, TokenVerifier verifier, Revocations revocations) {
    this.tokens = tokens;
    this.verifier = verifier;
    this.revocations = revocations;
  }

  /** Registers the consumers; completes once all are registered. */
  Future<Void> register(EventBus bus) {
    List<MessageConsumer<JsonObject>> consumers = List.of(
        bus.consumer(Addresses.TOKEN_ISSUE, this::issue),
        bus.consumer(Addresses.TOKEN_VERIFY, this::verify),
        bus.consumer(Addresses.TOKEN_REVOKE, this::revoke),
        bus.consumer(Addresses.REVOCATIONS_GET, this::revocations));
    return Future.all(consumers.stream().map(MessageConsumer::completion).toList()).mapEmpty();
  }

  private void issue(Message<JsonObject> msg) {
    JsonObject body = msg.body();
    Object sub = body == null ? null : body.getValue("sub");
    if (!(sub instanceof String s) || s.isEmpty() || s.length() > 256) {
      msg.fail(400, "invalid_request");
      return;
    }
    List<String> roles = new ArrayList<>();
    Object rawRoles = body.getValue("roles");
    if (rawRoles != null) {
      if (!(rawRoles instanceof JsonArray arr) || arr.size() > 32) {
        msg.fail(400, "invalid_request");
        return;
      }
      for (Object r : arr) {
        if (!(r instanceof String role) || !ROLE.matcher(role).matches()) {
          msg.fail(400, "invalid_request");
          return;
        }
        roles.add(role);
      }
    }
    long maxTtl = tokens.accessTtl().toSeconds();
    Object ttlValue = body.getValue("ttl");
    if (ttlValue != null && !(ttlValue instanceof Number)) {
      msg.fail(400, "invalid_request");
      return;
    }
    long ttl = ttlValue == null ? maxTtl : Math.max(1, Math.min(maxTtl, ((Number) ttlValue).longValue()));
    Object username = body.getValue("username");
    Object clientId = body.getValue("client_id");
    if ((username != null && !(username instanceof String)) || (clientId != null && !(clientId instanceof String))) {
      msg.fail(400, "invalid_request");
      return;
    }
    AccessTokens.Issued at = tokens.issueForService(s, (String) username, roles, Duration.ofSeconds(ttl), (String) clientId);
    msg.reply(new JsonObject().put("access_token", at.token()).put("token_type", "Bearer").put("expires_in", at.expiresIn()));
  }

  private void verify(Message<JsonObject> msg) {
    String token = msg.body() == null ? null : msg.body().getString("token");
    if (token == null) {
      msg.fail(400, "invalid_request");
      return;
    }
    verifier.verify(token).onSuccess(msg::reply).onFailure(err -> msg.fail(401, "invalid_token"));
  }

  private void revoke(Message<JsonObject> msg) {
    JsonObject body = msg.body() == null ? new JsonObject() : msg.body();
    Object token = body.getValue("token");
    Object sid = body.getValue("sid");
    Future<Void> done;
    if (token instanceof String t) {
      done = t.chars().filter(c -> c == '.').count() == 2
          ? verifier.verify(t).compose(tokens::revokeAccess)
          : tokens.revokeRefreshToken(t).compose(found -> found ? Future.succeededFuture() : Future.failedFuture("unknown"));
    } else if (sid instanceof String s) {
      done = tokens.revokeSession(SessionIds.family(s), s);
    } else {
      msg.fail(400, "invalid_request");
      return;
    }
    done.onSuccess(v -> msg.reply(new JsonObject().put("revoked", true)))
        .onFailure(err -> {
          log.debug("bus revocation failed: {}", err.getMessage());
          msg.fail(err instanceof TokenVerifier.InvalidToken || "unknown".equals(err.getMessage()) ? 400 : 503,
              err instanceof TokenVerifier.InvalidToken || "unknown".equals(err.getMessage())
                  ? "invalid_request" : "temporarily_unavailable");
        });
  }

  private void revocations(Message<JsonObject> msg) {
    revocations.active().onSuccess(msg::reply).onFailure(err -> msg.fail(503, "temporarily_unavailable"));
  }
}
