package dev.jwtauth.issuer;

import dev.jwtauth.http.Responses;
import io.vertx.core.http.Cookie;
import io.vertx.core.http.CookieSameSite;
import io.vertx.core.json.JsonObject;
import io.vertx.ext.web.RoutingContext;

/**
 * Sends token responses of the {@code /auth} API. With {@code REFRESH_COOKIE=true} the refresh
 * token travels as an {@code HttpOnly; Secure; SameSite=Strict} cookie scoped to {@code /auth}
 * instead of in the body, so a browser page never holds it where script can read it.
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

  boolean cookieMode() {
    return cookieMode;
  }

  void send(RoutingContext ctx, JsonObject body) {
    if (cookieMode) {
      String refresh = (String) body.remove("refresh_token");
      ctx.response().addCookie(Cookie.cookie(COOKIE, refresh).setPath(PATH).setHttpOnly(true).setSecure(true)
          .setSameSite(CookieSameSite.STRICT).setMaxAge(maxAgeSeconds));
    }
    Responses.tokenJson(ctx, body);
  }

  /** The refresh token sent as a cookie, or null. */
  String fromCookie(RoutingContext ctx) {
    Cookie c = cookieMode ? ctx.request().getCookie(COOKIE) : null;
    return c == null || c.getValue().isEmpty() ? null : c.getValue();
  }

  /** Expires the cookie (after logout). */
  void clear(RoutingContext ctx) {
    if (cookieMode) {
      ctx.response().addCookie(Cookie.cookie(COOKIE, "").setPath(PATH).setHttpOnly(true).setSecure(true)
          .setSameSite(CookieSameSite.STRICT).setMaxAge(0));
    }
  }
}
