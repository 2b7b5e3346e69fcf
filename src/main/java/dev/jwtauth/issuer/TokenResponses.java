package dev.jwtauth.issuer;

import dev.jwtauth.http.Responses;
import io.vertx.core.http.Cookie;
import io.vertx.core.http.CookieSameSite;
import io.vertx.core.json.JsonObject;
import io.vertx.ext.web.RoutingContext;

/**
 * Sends token responses of the {@code /auth} API. The refresh token travels as an
 * {@code HttpOnly; Secure; SameSite=Strict} cookie scoped to {@code /auth} instead of in the body,
 * so a browser page never holds it where script can read it, when {@code REFRESH_COOKIE=true}
 * (every response) or when the client asks for it (login with {@code "refresh_cookie": true}, or a
 * refresh that presented the cookie).
 */
final class TokenResponses {
  static final String COOKIE = "refresh_token";
  private static final String PATH = "/auth";

  private final boolean cookieMode;
  private final long maxAgeSeconds;

  TokenResponses(boolean cookieMode, long maxAgeSeconds) {
    this.cookieMode = cookieMode;
    this.maxAgeSeconds = maxAgeSeconds;
  }

  /** Sends the token response, with the refresh token in the cookie when {@code asCookie} or in cookie mode. */
  void send(RoutingContext ctx, JsonObject body, boolean asCookie) {
    if (cookieMode || asCookie) {
      String refresh = (String) body.remove("refresh_token");
      ctx.response().addCookie(Cookie.cookie(COOKIE, refresh).setPath(PATH).setHttpOnly(true).setSecure(true)
          .setSameSite(CookieSameSite.STRICT).setMaxAge(maxAgeSeconds));
    }
    Responses.tokenJson(ctx, body);
  }

  /**
   * The refresh token sent as a cookie, or null. Read in either mode: a client that opted in at
   * login presents it later without saying so again.
   */
  String fromCookie(RoutingContext ctx) {
    Cookie c = ctx.request().getCookie(COOKIE);
    return c == null || c.getValue().isEmpty() || c.getValue().length() > SessionHandlers.MAX_TOKEN ? null : c.getValue();
  }

  /** Expires the cookie (after logout), in cookie mode or when the request carried one. */
  void clear(RoutingContext ctx) {
    if (cookieMode || ctx.request().getCookie(COOKIE) != null) {
      ctx.response().addCookie(Cookie.cookie(COOKIE, "").setPath(PATH).setHttpOnly(true).setSecure(true)
          .setSameSite(CookieSameSite.STRICT).setMaxAge(0));
    }
  }
}
