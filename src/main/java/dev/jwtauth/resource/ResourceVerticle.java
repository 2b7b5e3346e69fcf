package dev.jwtauth.resource;

import dev.jwtauth.bus.Addresses;
import dev.jwtauth.bus.KeySetSeal;
import dev.jwtauth.config.AppConfig;
import dev.jwtauth.http.AccessTokenAuth;
import dev.jwtauth.http.BearerChallenge;
import dev.jwtauth.http.DpopUrls;
import dev.jwtauth.http.OpenApi;
import dev.jwtauth.http.RequireMfa;
import dev.jwtauth.http.RequireRole;
import dev.jwtauth.http.RequireScope;
import dev.jwtauth.http.Responses;
import dev.jwtauth.http.Servers;
import dev.jwtauth.keys.KeysClient;
import dev.jwtauth.keys.RemoteJwks;
import dev.jwtauth.process.ProcessServices;
import dev.jwtauth.tokens.RevocationSet;
import dev.jwtauth.tokens.TokenVerifier;
import io.vertx.core.Future;
import io.vertx.core.VerticleBase;
import io.vertx.core.json.JsonArray;
import io.vertx.core.json.JsonObject;
import io.vertx.ext.web.Router;
import io.vertx.ext.web.RoutingContext;
import io.vertx.ext.web.client.WebClient;
import io.vertx.ext.web.handler.JWTAuthHandler;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import java.time.Clock;
import java.util.Map;
import java.util.function.Supplier;
import java.util.concurrent.atomic.LongAdder;

/**
 * The resource origin: {@code /api/*} behind vertx-web's {@code JWTAuthHandler}, validating tokens
 * locally against the public keys received over the event bus, with no call back to the issuer
 * and no database. Until it holds a key it rejects every token. The revocation set and the
 * verified-token cache are the process's ({@link ProcessServices}), shared by every instance.
 */
public final class ResourceVerticle extends VerticleBase {
  private static final Logger log = LoggerFactory.getLogger(ResourceVerticle.class);
  static final String REALM = "api";
  /** The scope {@code GET /api/reports} requires. */
  public static final String REPORTS_SCOPE = "reports:read";
  /** Requests served by the protected routes, all instances: a LongAdder, so event loops do not contend on one counter. */
  private static final LongAdder SERVED = new LongAdder();

  private final AppConfig config;
  private final Clock clock;
  private final ProcessServices shared;
  private final long startedAt = System.currentTimeMillis();
  private TokenVerifier verifier;
  private RevocationSet revoked;
  private Supplier<Future<JsonObject>> keySource;

  private Router router;
  private long retryTimer = -1;
  private io.vertx.core.http.HttpServer server;

  /**
   * @param shared what the process has once: the revocation set (kept current for us) and the verified-token cache
   */
  public ResourceVerticle(AppConfig config, Clock clock, ProcessServices shared) {
    this.config = config;
    this.clock = clock;
    this.shared = shared;
  }

  @Override
  public Future<?> start() {
    revoked = shared.revoked();
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
    verifier = shared.verifier(keySource);
    var keysChanged = vertx.eventBus().<JsonObject>consumer(Addresses.JWKS_CHANGED, msg -> {
      if (KeySetSeal.accepts(vertx, msg)) {
        verifier.update(msg.body());
      }
    });

    router = Router.router(vertx);
    Servers.front(router, config);
    // Fail closed until the revocation feed's first snapshot: a token revoked earlier would pass.
    router.route("/api/*").handler(this::requireRevocations);
    // Bearer through JWTAuthHandler as before; DPoP (RFC 9449 §7) with its proof; a bound token never as Bearer
    new AccessTokenAuth(JWTAuthHandler.create(verifier, REALM), verifier, shared.dpopProofs(), DpopUrls::asRequested)
        .protect(router.route("/api/*"))
        .failureHandler(ctx -> BearerChallenge.handle(ctx, REALM));
    router.get("/api/me").handler(this::me);
    router.get("/api/admin/stats").handler(RequireRole.of("admin")).handler(RequireMfa.of(config.requireMfaRoles()))
        .handler(this::stats);
    // the README's example of a scope check: a client granted reports:read (client_credentials or the bus)
    router.get("/api/reports").handler(RequireScope.of(REPORTS_SCOPE)).handler(this::reports);
    router.get(OpenApi.PATH).handler(new OpenApi(config)::serve);
    router.get("/public/ping").handler(ctx -> Responses.json(ctx, 200, new JsonObject().put("ok", true)));
    Servers.back(router, vertx, Map.of(
        "keys", () -> verifier.ready() ? Future.succeededFuture() : Future.failedFuture("no key set yet"),
        "revocations", () -> shared.revocationsSynced() ? Future.succeededFuture()
            : Future.failedFuture("no revocation snapshot yet")),
        !config.managementServer());

    return keysChanged.completion()
        .compose(v -> fetchKeys())
        .compose(v -> Servers.listen(vertx, config, router, config.resourceHttpPort(), "RESOURCE_HTTP_PORT"))
        .onSuccess(s -> server = s);
  }

  /** Asks for the key set; while no KeyManagerVerticle answers, keeps rejecting tokens and asks again. */
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

  private void requireRevocations(RoutingContext ctx) {
    if (shared.revocationsSynced()) {
      ctx.next();
      return;
    }
    ctx.response().putHeader("Retry-After", "1");
    Responses.error(ctx, 503, "temporarily_unavailable", "The revocation list is not loaded yet; retry shortly.");
  }

  private void me(RoutingContext ctx) {
    SERVED.increment();
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

  private void reports(RoutingContext ctx) {
    SERVED.increment();
    JsonObject p = TokenVerifier.claims(ctx.user());
    Responses.json(ctx, 200, new JsonObject().put("reports", new JsonArray())
        .put("for", p.getString("sub")).put("scope", p.getString("scope")));
  }

  private void stats(RoutingContext ctx) {
    SERVED.increment();
    Responses.json(ctx, 200, new JsonObject()
        .put("requests_served", SERVED.sum())
        .put("revocations_in_memory", revoked.size())
        .put("uptime_seconds", (System.currentTimeMillis() - startedAt) / 1000)
        .put("verticle_instances", config.effectiveInstances()));
  }

  /**
   * Stops accepting connections and lets requests in flight finish for at most {@code grace}
   * (Vert.x 5 {@code HttpServer.shutdown}: idle connections close at once, busy ones after their response).
   */
  public Future<Void> shutdown(java.time.Duration grace) {
    return server == null ? Future.succeededFuture() : server.shutdown(grace.toMillis(), java.util.concurrent.TimeUnit.MILLISECONDS);
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
