package dev.jwtauth.issuer;

import dev.jwtauth.bus.Addresses;
import dev.jwtauth.config.AppConfig;
import dev.jwtauth.config.ConfigException;
import dev.jwtauth.db.Database;
import dev.jwtauth.http.BearerChallenge;
import dev.jwtauth.http.RequireRole;
import dev.jwtauth.http.Responses;
import dev.jwtauth.jwks.JwksDocument;
import dev.jwtauth.jwks.KeysClient;
import dev.jwtauth.tokens.AccessTokens;
import dev.jwtauth.tokens.RefreshTokens;
import dev.jwtauth.tokens.TokenVerifier;
import dev.jwtauth.users.PasswordHasher;
import dev.jwtauth.users.UserRepository;
import io.vertx.core.Future;
import io.vertx.core.VerticleBase;
import io.vertx.core.WorkerExecutor;
import io.vertx.core.http.HttpServer;
import io.vertx.core.http.HttpServerOptions;
import io.vertx.core.json.JsonArray;
import io.vertx.core.json.JsonObject;
import io.vertx.ext.web.Router;
import io.vertx.ext.web.handler.BodyHandler;
import io.vertx.ext.web.handler.JWTAuthHandler;
import io.vertx.sqlclient.Pool;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import java.net.BindException;
import java.time.Clock;

/**
 * The auth origin: login and issuance, the JWKS and discovery documents, user administration.
 * Deployed with one instance per core; each instance owns its signer and verifier, and shares the
 * database pool and the argon2 workers with the others.
 */
public final class IssuerVerticle extends VerticleBase {
  private static final Logger log = LoggerFactory.getLogger(IssuerVerticle.class);
  static final String REALM = "jwt-auth-server";

  private final AppConfig config;
  private final String pgUri;
  private final Clock clock;
  private WorkerExecutor hashWorkers;
  private AccessTokens accessTokens;
  private TokenVerifier verifier;
  private JwksDocument jwks;
  private JsonObject discovery;
  private Pool pool;
  private HttpServer server;

  public IssuerVerticle(AppConfig config, String pgUri, Clock clock) {
    this.config = config;
    this.pgUri = pgUri;
    this.clock = clock;
  }

  @Override
  public Future<?> start() {
    pool = Database.pool(vertx, pgUri, config);
    hashWorkers = vertx.createSharedWorkerExecutor("argon2", config.effectiveHashWorkers(), 60, java.util.concurrent.TimeUnit.SECONDS);
    PasswordHasher hasher = new PasswordHasher(hashWorkers, config.argon2MemoryKib(), config.argon2Iterations(),
        config.argon2Parallelism());
    UserRepository users = new UserRepository(pool);
    accessTokens = new AccessTokens(config.issuer(), config.audience(), clock);
    verifier = new TokenVerifier(vertx, config.issuer(), config.audience(), (int) config.clockLeeway().toSeconds(), clock);
    TokenService tokens = new TokenService(accessTokens, new RefreshTokens(pool, config.refreshTokenTtl(), clock),
        config.accessTokenTtl());

    Router router = Router.router(vertx);
    router.route().handler(Responses.securityHeaders());
    BodyHandler body = BodyHandler.create(false).setBodyLimit(config.maxBodyBytes());
    router.post("/auth/login").handler(body).handler(new LoginHandler(users, hasher, tokens));
    router.route("/admin/*").handler(JWTAuthHandler.create(verifier, REALM))
        .failureHandler(ctx -> BearerChallenge.handle(ctx, REALM));
    router.post("/admin/users").handler(body).handler(RequireRole.of("admin")).handler(new AdminUsersHandler(users, hasher));
    router.get("/.well-known/jwks.json").handler(ctx -> jwks.serve(ctx));
    router.get("/.well-known/openid-configuration").handler(ctx -> Responses.json(ctx, 200, discovery));
    router.get("/.well-known/oauth-authorization-server").handler(ctx -> Responses.json(ctx, 200, discovery));
    router.get("/health").handler(ctx -> Responses.json(ctx, 200, new JsonObject().put("status", "UP")));
    router.get("/ready").handler(ctx -> pool.query("SELECT 1").execute()
        .onSuccess(r -> Responses.json(ctx, 200, new JsonObject().put("status", "UP")))
        .onFailure(err -> Responses.error(ctx, 503, "temporarily_unavailable", "The database is not reachable.")));
    router.route().failureHandler(Responses::failureHandler);
    router.errorHandler(404, ctx -> Responses.error(ctx, 404, "not_found", "No such resource."));
    router.errorHandler(405, ctx -> Responses.error(ctx, 405, "method_not_allowed", "Method not allowed on this resource."));

    vertx.eventBus().<JsonObject>consumer(Addresses.JWKS_CHANGED, msg -> loadKeys());
    return loadKeys()
        .compose(v -> vertx.createHttpServer(new HttpServerOptions().setMaxHeaderSize(16_384))
            .invalidRequestHandler(Responses.invalidRequests(vertx))
            .requestHandler(router)
            .listen(config.authHttpPort(), config.httpHost()))
        .recover(err -> Future.failedFuture(err instanceof BindException
            ? new ConfigException("AUTH_HTTP_PORT " + config.authHttpPort() + " is already in use on " + config.httpHost()
                + "; stop the other process or choose another port.", err)
            : err))
        .onSuccess(s -> server = s);
  }

  /** Fetches the signing key and the public key set from the JwksVerticle (at start and on change). */
  private Future<Void> loadKeys() {
    return Future.all(KeysClient.signingKey(vertx), KeysClient.jwks(vertx)).compose(all -> {
      KeysClient.SigningKey key = all.resultAt(0);
      JsonObject set = all.resultAt(1);
      try {
        if (!key.kid().equals(accessTokens.kid())) {
          accessTokens.useKey(key.kid(), key.alg(), key.key());
        }
      } catch (java.security.GeneralSecurityException e) {
        return Future.failedFuture(e);
      }
      verifier.update(set);
      jwks = new JwksDocument(set, config.jwksMaxAge());
      JsonArray algs = new JsonArray();
      set.getJsonArray("keys").forEach(k -> {
        String alg = ((JsonObject) k).getString("alg");
        if (!algs.contains(alg)) {
          algs.add(alg);
        }
      });
      discovery = Discovery.document(config.issuer(), algs.getList());
      log.debug("issuer keys loaded, signing kid={}", key.kid());
      return Future.<Void>succeededFuture();
    }).onFailure(err -> log.error("could not load keys from the JWKS verticle: {}", err.getMessage()));
  }

  /** The port actually bound (useful when configured as 0). */
  public int port() {
    return server.actualPort();
  }

  @Override
  public Future<?> stop() {
    return hashWorkers == null ? Future.succeededFuture() : hashWorkers.close();
  }

}
