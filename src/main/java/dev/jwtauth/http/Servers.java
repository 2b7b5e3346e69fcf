package dev.jwtauth.http;

import dev.jwtauth.config.AppConfig;
import io.vertx.core.http.HttpMethod;
import io.vertx.core.http.HttpServerOptions;
import io.vertx.core.net.PemKeyCertOptions;
import io.vertx.ext.web.Router;
import io.vertx.ext.web.handler.CorsHandler;

import java.util.Set;

/** What both HTTP servers share: options (TLS, header limits) and the common front handlers. */
public final class Servers {
  private Servers() {
  }

  /** Server options: HTTPS from the configured PEM files when set. */
  public static HttpServerOptions options(AppConfig config) {
    HttpServerOptions options = new HttpServerOptions().setMaxHeaderSize(16_384);
    if (config.tls()) {
      options.setSsl(true).setKeyCertOptions(new PemKeyCertOptions()
          .setCertPath(config.tlsCertFile().toString())
          .setKeyPath(config.tlsKeyFile().toString()));
    }
    return options;
  }

  /** Security headers, then CORS for the configured origins (none: no CORS headers at all). */
  public static void front(Router router, AppConfig config) {
    router.route().handler(Responses.securityHeaders(config.tls()));
    if (!config.corsAllowedOrigins().isEmpty()) {
      router.route().handler(CorsHandler.create()
          .addOrigins(config.corsAllowedOrigins())
          .allowCredentials(true)
          .allowedMethods(Set.of(HttpMethod.GET, HttpMethod.POST))
          .allowedHeaders(Set.of("Authorization", "Content-Type"))
          .exposedHeaders(Set.of("WWW-Authenticate", "Retry-After"))
          .maxAgeSeconds(600));
    }
  }
}
