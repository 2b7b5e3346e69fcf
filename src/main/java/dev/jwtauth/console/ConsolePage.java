package dev.jwtauth.console;

import io.vertx.ext.web.Router;
import io.vertx.ext.web.handler.StaticHandler;

/**
 * The admin console of the auth origin: {@code GET /console} (the page) and {@code /console/*} (its
 * script and style, from the classpath's {@code console/}). It is a static page: everything it shows
 * comes from the {@code /admin/*}, {@code /account*} and {@code /auth/*} routes of this same origin,
 * called with the access token it keeps in a script variable (the refresh token stays in the HttpOnly
 * cookie it asks for at login). Its responses get a Content-Security-Policy that allows this origin's
 * script, style and fetches, and {@code data:} images (the two-factor enrolment's QR code arrives as a
 * data URI); no inline script, no other origin, no framing.
 */
public final class ConsolePage {
  /** Where the page is served. */
  public static final String PATH = "/console";

  /** The page's policy: this origin only (plus data: images), no inline code, no forms posting away, no framing. */
  public static final String POLICY = "default-src 'none'; script-src 'self'; style-src 'self'; img-src 'self' data:;"
      + " connect-src 'self'; base-uri 'none'; form-action 'none'; frame-ancestors 'none'";

  private ConsolePage() {
  }

  /** Adds the console routes to the auth origin's router. */
  public static void mount(Router router) {
    StaticHandler files = StaticHandler.create("console").setMaxAgeSeconds(60).setIncludeHidden(false);
    // "/console" also matches "/console/"; both show the page
    router.get(PATH).handler(ctx -> ctx.reroute(PATH + "/index.html"));
    router.get(PATH + "/*").handler(ctx -> {
      ctx.response().headers().set("Content-Security-Policy", POLICY);
      ctx.next();
    }).handler(files);
  }
}
