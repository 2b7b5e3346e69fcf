package dev.jwtauth.resource;

import dev.jwtauth.bus.Addresses;
import dev.jwtauth.config.AppConfig;
import dev.jwtauth.config.ConfigException;
import dev.jwtauth.http.BearerChallenge;
import dev.jwtauth.http.OpenApi;
import dev.jwtauth.http.RequireRole;
import dev.jwtauth.http.Responses;
import dev.jwtauth.http.Servers;
import dev.jwtauth.jwks.KeysClient;
import dev.jwtauth.jwks.RemoteJwks;
import dev.jwtauth.tokens.RevocationSet;
import dev.jwtauth.tokens.TokenVerifier;
import io.vertx.core.Future;
import io.vertx.core.Promise;
import io.vertx.core.VerticleBase;
import io.vertx.core.http.HttpServer;
import io.vertx.core.json.JsonArray;
import io.vertx.core.json.JsonObject;
import io.vertx.ext.web.Router;
import io.vertx.ext.web.RoutingContext;
import io.vertx.ext.web.client.WebClient;
import io.vertx.ext.web.handler.JWTAuthHandler;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import java.net.BindException;
import java.time.Clock;
import java.util.Map;
import java.util.function.Supplier;
import java.util.concurrent.atomic.AtomicLong;

/**
 * The resource origin: {@code /api/*} behind vertx-web's {@code JWTAuthHandler}, validating tokens
 * locally against the public keys received over the event bus, with no call back to the issuer
 * and no database. Until it holds a key it rejects every token.
 */
public final class ResourceVerticle extends VerticleBase {
  private static final Logger log = LoggerFactory.getLogger(ResourceVerticle.class);
  static final String REALM = "api";
  private static final AtomicLong SERVED = new AtomicLong();

  private final AppConfig config;
  private final Clock clock;
  private final long startedAt = System.currentTimeMillis();
  private TokenVerifier verifier;
  private RevocationSet revoked;
  private Supplier<Future<JsonObject>> keySource;
  private HttpServer server;
  private OpenApi openApi;
  private Router router;
  private long retryTimer = -1;

  public ResourceVerticle(AppConfig config, Clock clock) {
    this.config = config;
    this.clock = clock;
  }

  @Override
  public Future<?> start() {
    revoked = RevocationSet.shared(vertx, clock);
    if (config.jwksUri() != null) {
      RemoteJwks remote = new RemoteJwks(WebClient.create(vertx), config.jwksUri());
      keySource = remote::fetch;
      // Outside the cluster nobody announces rotations: re-read the key set as often as it may be
      // cached, conditionally (a 304 leaves the verifier as it is).
      vertx.setPeriodic(Math.max(10_000, config.jwksMaxAge().toMillis()), t -> remote.fetchIfChanged()
          .onSuccess(changed -> {
            if (changed != null) {
              verifier.update(changed);
            }
          })
          .onFailure(err -> log.warn("JWKS_URI not re-read ({}); keeping the keys held", err.getMessage())));
    } else {
      keySource = () -> KeysClient.jwks(vertx);
    }
    verifier = new TokenVerifier(vertx, config.issuer(), config.audience(), (int) config.clockLeeway().toSeconds(),
        clock, revoked, keySource, config.verifyCacheSize());
    var bus = vertx.eventBus();
    // Subscribe before loading, so a revocation published meanwhile is not missed.
    var keysChanged = bus.<JsonObject>consumer(Addresses.JWKS_CHANGED, msg -> verifier.update(msg.body()));
    var revokedNow = bus.<JsonObject>consumer(Addresses.TOKEN_REVOKED, msg -> revoked.add(msg.body()));
    vertx.setPeriodic(60_000, t -> revoked.prune(config.clockLeeway().toSeconds()));

    router = Router.router(vertx);
    Servers.front(router, config);
    router.route("/api/*").handler(JWTAuthHandler.create(verifier, REALM))
        .failureHandler(ctx -> BearerChallenge.handle(ctx, REALM));
    router.get("/api/me").handler(this::me);
    router.get("/api/admin/stats").handler(RequireRole.of("admin")).handler(this::stats);
    router.get(OpenApi.PATH).handler(ctx -> openApi.serve(ctx));
    router.get("/public/ping").handler(ctx -> Responses.json(ctx, 200, new JsonObject().put("ok", true)));
    Servers.back(router, vertx, Map.of(
        "keys", () -> verifier.ready() ? Future.succeededFuture() : Future.failedFuture("no key set yet")),
        !config.managementServer());

    return Future.all(keysChanged.completion(), revokedNow.completion())
        .compose(v -> fetchKeys())
        .compose(v -> config.jwksUri() == null ? fetchRevocations() : Future.<Void>succeededFuture())
        .compose(v -> OpenApi.load(vertx, config)).onSuccess(doc -> openApi = doc)
        .compose(v -> vertx.createHttpServer(Servers.options(config))
            .invalidRequestHandler(Responses.invalidRequests(vertx))
            .requestHandler(router)
            .listen(config.resourceHttpPort(), config.httpHost()))
        .recover(err -> Future.failedFuture(err instanceof BindException
            ? new ConfigException("RESOURCE_HTTP_PORT " + config.resourceHttpPort() + " is already in use on "
                + config.httpHost() + "; stop the other process or choose another port.", err)
            : err))
        .onSuccess(s -> server = s);
  }

  /** Asks for the key set; while no JwksVerticle answers, keeps rejecting tokens and asks again. */
  private Future<Void> fetchKeys() {
    return keySource.get()
        .onSuccess(verifier::update)
        .<Void>mapEmpty()
        .recover(err -> {
          log.warn("no key set yet ({}); every token is rejected until one arrives", err.getMessage());
          retryTimer = vertx.setTimer(2_000, t -> fetchKeys());
          return Future.succeededFuture();
        });
  }

  /**
   * Loads the revocations in force. Until it succeeds the verticle serves nothing: a verifier that
   * missed a revocation would accept a revoked token.
   */
  private Future<Void> fetchRevocations() {
    return vertx.eventBus().<JsonObject>request(Addresses.REVOCATIONS_GET, new JsonObject(),
            new io.vertx.core.eventbus.DeliveryOptions().setSendTimeout(10_000))
        .onSuccess(msg -> revoked.addAll(msg.body()))
        .<Void>mapEmpty()
        .recover(err -> {
          log.warn("revocation list not available yet ({}); retrying", err.getMessage());
          Promise<Void> retry = Promise.promise();
          vertx.setTimer(1_000, t -> fetchRevocations().onComplete(retry));
          return retry.future();
        });
  }

  private void me(RoutingContext ctx) {
    SERVED.incrementAndGet();
    JsonObject p = TokenVerifier.claims(ctx.user());
    JsonObject body = new JsonObject()
        .put("sub", p.getString("sub"))
        .put("username", p.getString("username"))
        .put("roles", p.getJsonArray("roles", new JsonArray()))
        .put("sid", p.getString("sid"))
        .put("exp", p.getLong("exp"));
    if (p.containsKey("client_id")) {
      body.put("client_id", p.getString("client_id"));
    }
    Responses.json(ctx, 200, body);
  }

  private void stats(RoutingContext ctx) {
    SERVED.incrementAndGet();
    Responses.json(ctx, 200, new JsonObject()
        .put("requests_served", SERVED.get())
        .put("revocations_in_memory", revoked.size())
        .put("uptime_seconds", (System.currentTimeMillis() - startedAt) / 1000)
        .put("verticle_instances", config.effectiveInstances()));
  }

  /** The routes this instance serves, once started (the OpenAPI document is checked against them). */
  public Router router() {
    return router;
  }

  @Override
  public Future<?> stop() {
    if (retryTimer >= 0) {
      vertx.cancelTimer(retryTimer);
    }
    return Future.succeededFuture();
  }
}
