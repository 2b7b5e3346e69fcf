package dev.jwtauth.ops;

import dev.jwtauth.config.AppConfig;
import dev.jwtauth.config.ConfigException;
import dev.jwtauth.db.Database;
import dev.jwtauth.http.Responses;
import dev.jwtauth.http.Servers;
import dev.jwtauth.keys.KeysClient;
import io.vertx.core.Future;
import io.vertx.core.VerticleBase;
import io.vertx.core.http.HttpServer;
import io.vertx.ext.web.Router;
import io.vertx.micrometer.PrometheusScrapingHandler;
import io.vertx.sqlclient.Pool;

import java.net.BindException;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.function.Supplier;

/**
 * The management server ({@code MANAGEMENT_HTTP_HOST:MANAGEMENT_HTTP_PORT}, loopback port 9000 by
 * default, as Keycloak does): {@code GET /metrics} (Prometheus), {@code /health} and
 * {@code /ready}, kept off the public origins so that a scraper's view of the process (request
 * rates by path, pool sizes, JVM) is not handed to every client.
 */
public final class ManagementVerticle extends VerticleBase {
  private final AppConfig config;
  private final String pgUri;
  private Pool pool;
  private HttpServer server;

  /**
   * @param pgUri the database this process uses, or null when it has none (a resource-only process)
   */
  public ManagementVerticle(AppConfig config, String pgUri) {
    this.config = config;
    this.pgUri = pgUri;
  }

  @Override
  public Future<?> start() {
    Router router = Router.router(vertx);
    router.route().handler(Responses.securityHeaders(config.tls()));
    Metrics metrics = Metrics.of(vertx);
    if (metrics.registryName() != null) {
      router.get("/metrics").handler(PrometheusScrapingHandler.create(metrics.registryName()));
    }
    Map<String, Supplier<Future<?>>> checks = new LinkedHashMap<>();
    if (pgUri != null) {
      pool = Database.pool(vertx, pgUri, config);
      checks.put("database", () -> pool.query("SELECT 1").execute());
    }
    if (config.jwksUri() == null) {
      checks.put("keys", () -> KeysClient.jwks(vertx));
    }
    Servers.back(router, vertx, checks, false);
    return vertx.createHttpServer(Servers.options(config))
        .requestHandler(router)
        .listen(config.managementHttpPort(), config.managementHttpHost())
        .onSuccess(s -> server = s)
        .recover(err -> Future.failedFuture(err instanceof BindException
            ? new ConfigException("MANAGEMENT_HTTP_PORT " + config.managementHttpPort() + " is already in use on "
                + config.managementHttpHost() + "; stop the other process, choose another port, or set"
                + " MANAGEMENT_HTTP_PORT=-1 to run without a management server.", err)
            : err));
  }

  /** The port the management server listens on (the chosen one when configured as 0). */
  public int actualPort() {
    return server == null ? -1 : server.actualPort();
  }
}
