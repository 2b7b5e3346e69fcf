package dev.jwtauth.demo;

import dev.jwtauth.config.AppConfig;
import dev.jwtauth.http.PublicOrigins;
import dev.jwtauth.http.Responses;
import io.vertx.core.http.HttpHeaders;
import io.vertx.core.json.JsonObject;
import io.vertx.ext.web.Router;
import io.vertx.ext.web.RoutingContext;
import io.vertx.ext.web.handler.StaticHandler;

/**
 * The browser demo of the auth origin: {@code GET /demo} (the page), {@code /demo/*} (its script and
 * style, from the classpath's {@code demo/}) and {@code GET /demo/config.json} (where the resource
 * origin is, and the page's code-flow client). The page shows two ways in: the password form
 * ({@code /auth/login}; access token in a script variable, refresh token in the HttpOnly cookie it
 * asks for) and the authorization code flow with PKCE and DPoP (the server's sign-in page, the
 * public client {@link DemoClient}, a non-extractable WebCrypto key; tokens in script variables).
 * Its responses get a Content-Security-Policy that allows this origin's script and style and
 * fetches to this origin and the resource origin; every other response keeps the strict
 * {@code default-src 'none'}.
 */
public final class DemoPage {
  /** Where the page is served. */
  public static final String PATH = "/demo";

  private DemoPage() {
  }

  /** Adds the demo routes to the auth origin's router. */
  public static void mount(Router router, AppConfig config) {
    StaticHandler files = StaticHandler.create("demo").setMaxAgeSeconds(60).setIncludeHidden(false);
    // "/demo" also matches "/demo/"; both show the page
    router.get(PATH).handler(ctx -> ctx.reroute(PATH + "/index.html"));
    router.get(PATH + "/config.json").handler(ctx -> settings(ctx, config));
    router.get(PATH + "/*").handler(ctx -> {
      ctx.response().headers().set("Content-Security-Policy", policy(ctx, config));
      ctx.next();
    }).handler(files);
  }

  /** The page's policy: no inline script or style, fetches only to the two origins, no framing. */
  static String policy(RoutingContext ctx, AppConfig config) {
    return "default-src 'none'; script-src 'self'; style-src 'self'; img-src 'self'; connect-src 'self' "
        + PublicOrigins.resource(ctx, config) + "; base-uri 'none'; form-action 'none'; frame-ancestors 'none'";
  }

  /**
   * {@code {"resource_url","auth_url","cors_allowed","refresh_cookie_mode","code_flow","client_id",
   * "redirect_uri"}}: {@code cors_allowed} says whether the page's origin is in
   * {@code CORS_ALLOWED_ORIGINS}, without which the browser refuses the page's calls to the resource
   * origin; {@code code_flow} whether {@code DEMO_CLIENT} registers the page's client, whose
   * {@code redirect_uri} is the page under {@code ISSUER} (the page runs the code flow only there).
   */
  private static void settings(RoutingContext ctx, AppConfig config) {
    String page = PublicOrigins.requested(ctx, config);
    boolean allowed = config.corsAllowedOrigins().stream().anyMatch(o -> o.equalsIgnoreCase(page));
    ctx.response().putHeader(HttpHeaders.CACHE_CONTROL, "no-store");
    Responses.json(ctx, 200, new JsonObject()
        .put("resource_url", PublicOrigins.resource(ctx, config))
        .put("auth_url", PublicOrigins.auth(ctx, config))
        .put("cors_allowed", allowed)
        .put("refresh_cookie_mode", config.refreshCookie())
        .put("code_flow", config.demoClient())
        .put("client_id", DemoClient.CLIENT_ID)
        .put("redirect_uri", config.demoRedirectUri()));
  }
}
