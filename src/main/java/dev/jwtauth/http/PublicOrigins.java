package dev.jwtauth.http;

import dev.jwtauth.config.AppConfig;
import io.vertx.core.net.HostAndPort;
import io.vertx.ext.web.RoutingContext;

import java.util.Locale;
import java.util.regex.Pattern;

/**
 * The two origins as a browser reaches them: the host name the request was addressed to (its
 * {@code Host}), with {@code https} when TLS is on and the configured ports. The demo page and the
 * OpenAPI document name the resource origin this way, so both work on {@code localhost}, an IP
 * address or a machine name without configuring a public URL.
 */
public final class PublicOrigins {
  /** A DNS name, an IPv4 address or a bracketed IPv6 literal; anything else is not echoed back. */
  private static final Pattern HOST = Pattern.compile("[A-Za-z0-9.-]{1,253}|\\[[0-9A-Fa-f:.]{2,45}\\]");

  private PublicOrigins() {
  }

  /** {@code scheme://host:AUTH_HTTP_PORT}. */
  public static String auth(RoutingContext ctx, AppConfig config) {
    return scheme(config) + "://" + host(ctx) + ":" + config.authHttpPort();
  }

  /** {@code scheme://host:RESOURCE_HTTP_PORT}. */
  public static String resource(RoutingContext ctx, AppConfig config) {
    return scheme(config) + "://" + host(ctx) + ":" + config.resourceHttpPort();
  }

  /**
   * Whether the request comes from a page of this very origin: its {@code Origin} is this
   * server's scheme and {@code Host}. Such a request is not a CORS request (Fetch standard, "CORS
   * protocol"), though browsers send {@code Origin} on its POSTs.
   */
  public static boolean sameOrigin(RoutingContext ctx, AppConfig config) {
    String origin = ctx.request().getHeader("Origin");
    String self = requested(ctx, config);
    return origin != null && self != null && origin.toLowerCase(Locale.ROOT).equals(self.toLowerCase(Locale.ROOT));
  }

  /**
   * The origin the request was addressed to, written as a browser writes {@code Origin}
   * ({@code scheme://host[:port]} from {@code Host}), or null without a {@code Host}.
   */
  public static String requested(RoutingContext ctx, AppConfig config) {
    HostAndPort authority = ctx.request().authority();
    if (authority == null || authority.host() == null || authority.host().isEmpty()) {
      return null;
    }
    return scheme(config) + "://" + bracketed(authority.host()) + (authority.port() >= 0 ? ":" + authority.port() : "");
  }

  /** The request's host name (without port), or {@code localhost} when it is missing or not a plain host. */
  static String host(RoutingContext ctx) {
    HostAndPort authority = ctx.request().authority();
    String host = authority == null || authority.host() == null ? "" : bracketed(authority.host());
    return HOST.matcher(host).matches() ? host : "localhost";
  }

  private static String bracketed(String host) {
    return host.indexOf(':') >= 0 && !host.startsWith("[") ? "[" + host + "]" : host;
  }

  private static String scheme(AppConfig config) {
    return config.tls() ? "https" : "http";
  }
}
