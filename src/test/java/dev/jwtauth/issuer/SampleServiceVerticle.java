package dev.jwtauth.issuer;

import dev.jwtauth.bus.Addresses;
import io.vertx.core.Future;
import io.vertx.core.Promise;
import io.vertx.core.VerticleBase;
import io.vertx.core.eventbus.Message;
import io.vertx.core.json.JsonArray;
import io.vertx.core.json.JsonObject;
import io.vertx.ext.web.client.WebClient;

/**
 * The README's example of "another verticle obtains a token over the event bus": a service asks
 * {@link Addresses#TOKEN_ISSUE}, as a registered client, for a token for itself, then calls the resource origin's
 * {@code GET /api/me} with it. Deploy it on the server's Vert.x; {@link #me()} completes with what
 * {@code /api/me} answered (deployment completes only after that call, since it is part of start).
 */
public final class SampleServiceVerticle extends VerticleBase {
  /** The service's subject and roles, as it asks for them. */
  public static final String SUBJECT = "report-service";
  public static final String ROLE = "reports";

  private final int resourcePort;
  private final String clientId;
  private final String clientSecret;
  private final Promise<Answer> me = Promise.promise();
  private WebClient client;

  /**
   * @param resourcePort the resource origin's port on 127.0.0.1
   * @param clientId     the registered client the service authenticates as
   * @param clientSecret its secret
   */
  public SampleServiceVerticle(int resourcePort, String clientId, String clientSecret) {
    this.resourcePort = resourcePort;
    this.clientId = clientId;
    this.clientSecret = clientSecret;
  }

  @Override
  public Future<?> start() {
    client = WebClient.create(vertx);
    JsonObject ask = new JsonObject().put("client_id", clientId).put("client_secret", clientSecret)
        .put("sub", SUBJECT).put("roles", new JsonArray().add(ROLE));
    return vertx.eventBus().<JsonObject>request(Addresses.TOKEN_ISSUE, ask)
        .map(Message::body)
        .compose(issued -> client.get(resourcePort, "127.0.0.1", "/api/me")
            .bearerTokenAuthentication(issued.getString("access_token"))
            .send())
        .map(res -> new Answer(res.statusCode(), res.bodyAsJsonObject()))
        .onComplete(me);
  }

  @Override
  public Future<?> stop() {
    if (client != null) {
      client.close();
    }
    return Future.succeededFuture();
  }

  /** What {@code GET /api/me} answered, once start has run. */
  public Future<Answer> me() {
    return me.future();
  }

  /**
   * One HTTP answer.
   *
   * @param status the status code
   * @param body   the JSON body
   */
  public record Answer(int status, JsonObject body) {
  }
}
