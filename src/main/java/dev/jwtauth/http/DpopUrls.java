package dev.jwtauth.http;

import dev.jwtauth.config.AppConfig;
import io.vertx.core.net.HostAndPort;
import io.vertx.ext.web.RoutingContext;

import java.util.ArrayList;
import java.util.List;

/**
 * The URLs a DPoP proof's {@code htu} may name for a request (RFC 9449 §4.3 check 9: the URL of
 * the request, without query and fragment). The server cannot know for sure how a client addressed
 * it, so it accepts:
 * <ul>
 *   <li>on the auth origin, the endpoint under the configured {@code ISSUER} (what discovery
 *       advertises, and what a client behind a proxy uses);</li>
 *   <li>on both origins, the URL as this request names it: its {@code Host} and path, with
 *       {@code http} or {@code https} (a TLS-terminating proxy in front changes only the scheme).</li>
 * </ul>
 * A proof thus stays bound to one host and path; the {@code Host} a client sends is what it
 * addressed, and an attacker who rewrites it gains nothing a replay within the window would not give.
 */
public final class DpopUrls {
  private DpopUrls() {
  }

  /** For an endpoint of the auth origin: under ISSUER, and as requested. */
  public static List<String> forAuth(RoutingContext ctx, AppConfig config) {
    List<String> urls = new ArrayList<>(3);
    String issuer = config.issuer().endsWith("/") ? config.issuer().substring(0, config.issuer().length() - 1) : config.issuer();
    urls.add(issuer + ctx.request().path());
    urls.addAll(asRequested(ctx));
    return urls;
  }

  /** For the resource origin: as requested. */
  public static List<String> asRequested(RoutingContext ctx) {
    HostAndPort authority = ctx.request().authority();
    String path = ctx.request().path();
    if (authority == null || authority.host() == null || authority.host().isEmpty() || path == null) {
      return List.of();
    }
    String host = authority.host().indexOf(':') >= 0 && !authority.host().startsWith("[")
        ? "[" + authority.host() + "]" : authority.host();
    String hostPort = host + (authority.port() >= 0 ? ":" + authority.port() : "");
    return List.of("http://" + hostPort + path, "https://" + hostPort + path);
  }
}
