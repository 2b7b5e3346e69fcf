package dev.jwtauth.http;

import dev.jwtauth.ops.Metrics;
import dev.jwtauth.ops.Readiness;
import io.vertx.core.Future;
import io.vertx.core.json.JsonObject;
import io.vertx.micrometer.PrometheusScrapingHandler;
import java.util.Map;
import java.util.function.Supplier;

import dev.jwtauth.config.AppConfig;
import dev.jwtauth.config.ConfigException;
import io.vertx.core.Vertx;
import io.vertx.core.http.HttpServer;
import io.vertx.core.http.HttpMethod;
import io.vertx.core.http.HttpServerOptions;
import io.vertx.core.net.PemKeyCertOptions;
import io.vertx.ext.web.Router;
import io.vertx.ext.web.handler.CorsHandler;

import java.util.Set;
import java.util.concurrent.TimeUnit;

/** What both HTTP servers share: options (TLS, header limits) and the common front handlers. */
public final class Servers {
  private Servers() {
  }

  /**
   * Server options: HTTPS from the configured PEM files when set, and connections closed after
   * {@code HTTP_IDLE_TIMEOUT} without traffic (a held-open idle connection costs the server a
   * socket and buffers, and nothing else would ever close it).
   */
  public static HttpServerOptions options(AppConfig config) {
    HttpServerOptions options = new HttpServerOptions().setMaxHeaderSize(16_384)
        .setIdleTimeout((int) config.httpIdleTimeout().toSeconds()).setIdleTimeoutUnit(TimeUnit.SECONDS);
    if (config.tls()) {
      options.setSsl(true).setKeyCertOptions(keyCert(config));
    }
    return options;
  }

  private static PemKeyCertOptions keyCert(AppConfig config) {
    return new PemKeyCertOptions()
        .setCertPath(config.tlsCertFile().toString())
        .setKeyPath(config.tlsKeyFile().toString());
  }

  /**
   * Loads the TLS certificate and key once before any server starts (blocking: start-up only), so
   * that unusable files stop start-up with a sentence naming the settings, not a bare
   * {@code CertificateException} from the first {@code listen}.
   *
   * @throws ConfigException when the files are not a PEM certificate chain and private key
   */
  public static void checkTls(Vertx vertx, AppConfig config) {
    if (!config.tls()) {
      return;
    }
    try {
      keyCert(config).getKeyManagerFactory(vertx);
    } catch (Exception e) {
      String why = e.getMessage() == null ? e.getClass().getSimpleName() : e.getMessage().replaceAll("\\.$", "");
      throw new ConfigException("TLS_CERT_FILE (" + config.tlsCertFile() + ") and TLS_KEY_FILE (" + config.tlsKeyFile()
          + ") must be a PEM certificate chain and its PEM private key: " + why + ".", e);
    }
  }

  /**
   * Security headers, then CORS for the configured origins (none: no CORS headers at all). A
   * request from a page of the server's own origin (the demo page) passes untouched: it is not a
   * CORS request, but CorsHandler would refuse it with 403 when that origin is not in the list.
   */
  /** Paths of pages a browser navigates to (HTML, form posts, redirects): CORS does not apply. */
  private static final Set<String> NAVIGATIONS = Set.of("/oauth2/authorize", "/oauth2/logout");

  public static void front(Router router, AppConfig config) {
    router.route().handler(Responses.securityHeaders(config.tls()));
    if (!config.corsAllowedOrigins().isEmpty()) {
      CorsHandler cors = CorsHandler.create()
          .addOrigins(config.corsAllowedOrigins())
          .allowCredentials(true)
          .allowedMethods(Set.of(HttpMethod.GET, HttpMethod.POST))
          .allowedHeaders(Set.of("Authorization", "Content-Type", "DPoP"))
          .exposedHeaders(Set.of("WWW-Authenticate", "Retry-After", "DPoP-Nonce"))
          .maxAgeSeconds(600);
      router.route().handler(ctx -> {
        // the code flow's pages are navigations (a form post, a redirect), never CORS requests; under
        // their Referrer-Policy no-referrer a browser posts the sign-in form with Origin: null
        if (PublicOrigins.sameOrigin(ctx, config) || NAVIGATIONS.contains(ctx.request().path())) {
          ctx.response().headers().add("Vary", "Origin");
          ctx.next();
        } else {
          cors.handle(ctx);
        }
      });
    }
  }

  /**
   * What every router ends with: {@code /health}, {@code /ready} with the given checks,
   * {@code /metrics} when {@code withMetrics} (no management server), and JSON errors for
   * failures, 404 and 405.
   */
  public static void back(Router router, Vertx vertx, Map<String, Supplier<Future<?>>> readiness, boolean withMetrics) {
    router.get("/health").handler(ctx -> Responses.json(ctx, 200, new JsonObject().put("status", "UP")));
    router.get("/ready").handler(Readiness.handler(vertx, readiness));
    Metrics metrics = Metrics.of(vertx);
    if (withMetrics && metrics.registryName() != null) {
      router.get("/metrics").handler(PrometheusScrapingHandler.create(metrics.registryName()));
    }
    router.route().failureHandler(Responses::failureHandler);
    router.errorHandler(404, ctx -> Responses.error(ctx, 404, "not_found", "No such resource."));
    router.errorHandler(405, ctx -> Responses.error(ctx, 405, "method_not_allowed", "Method not allowed on this resource."));
  }

  /**
   * Starts an origin's HTTP server: the shared options (TLS, limits), the JSON handler for
   * undecodable requests, the router. A port in use fails start-up with one sentence naming the
   * setting ({@code portSetting}).
   */
  public static Future<HttpServer> listen(Vertx vertx, AppConfig config, Router router, int port, String portSetting) {
    return vertx.createHttpServer(options(config))
        .invalidRequestHandler(Responses.invalidRequests(vertx))
        .requestHandler(router)
        .listen(port, config.httpHost())
        .recover(err -> Future.failedFuture(err instanceof java.net.BindException
            ? new dev.jwtauth.config.ConfigException(portSetting + " " + port + " is already in use on " + config.httpHost()
                + "; stop the other process or choose another port.", err)
            : err));
  }
}
