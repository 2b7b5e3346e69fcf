package dev.jwtauth.issuer;

import io.vertx.core.http.HttpHeaders;
import io.vertx.core.http.HttpServerResponse;
import io.vertx.ext.web.RoutingContext;

import java.net.URI;

/**
 * The HTML of the code flow: the sign-in form, its error states and the error pages of requests
 * that cannot go back to the client. No script at all, no third-party resource; every page is sent
 * with a strict CSP ({@code default-src 'none'}; the form may post only to this origin and be
 * redirected only to the client's), {@code frame-ancestors 'none'} and {@code X-Frame-Options: DENY}
 * against clickjacking, {@code no-store} and {@code no-referrer}. After the password of a user with
 * a second factor, {@link #secondFactor} asks for the code (or a recovery code) on a form posting
 * the same hidden fields plus the login challenge ({@code mfa_token}).
 */
final class SignInPage {
  /** The form's action: the sign-in step of {@code /oauth2/authorize} (POST with the hidden fields). */
  static final String ACTION = "/oauth2/authorize";

  private SignInPage() {
  }

  /**
   * The sign-in form of a pending request.
   *
   * @param status      200, or the status of a failed attempt (401, 429, 503)
   * @param requestId   the pending request's id (hidden field {@code request_id})
   * @param csrf        its CSRF token (hidden field {@code csrf_token})
   * @param clientId    the client asking, shown to the user
   * @param redirectUri where the client receives the answer (its origin is allowed in {@code form-action})
   * @param error       a sentence to show, or null
   */
  static void form(RoutingContext ctx, int status, String requestId, String csrf, String clientId, String redirectUri,
                   String error) {
    String html = "<!doctype html>\n<html lang=\"en\"><head><meta charset=\"utf-8\">"
        + "<meta name=\"viewport\" content=\"width=device-width, initial-scale=1\">"
        + "<title>Sign in</title></head><body><main>"
        + "<h1>Sign in</h1>"
        + "<p>to continue to <strong>" + escape(clientId) + "</strong></p>"
        + (error == null ? "" : "<p role=\"alert\" class=\"error\">" + escape(error) + "</p>")
        + "<form method=\"post\" action=\"" + ACTION + "\">"
        + "<input type=\"hidden\" name=\"request_id\" value=\"" + escape(requestId) + "\">"
        + "<input type=\"hidden\" name=\"csrf_token\" value=\"" + escape(csrf) + "\">"
        + "<p><label for=\"username\">Username</label><br>"
        + "<input id=\"username\" name=\"username\" type=\"text\" autocomplete=\"username\" required autofocus></p>"
        + "<p><label for=\"password\">Password</label><br>"
        + "<input id=\"password\" name=\"password\" type=\"password\" autocomplete=\"current-password\" required></p>"
        + "<p><button type=\"submit\">Sign in</button></p>"
        + "</form></main></body></html>\n";
    send(ctx, status, html, origin(redirectUri));
  }

  /**
   * The second-factor form of a pending request, after the right password: a TOTP {@code code},
   * or (folded away, no script needed) a {@code recovery_code}; both forms carry the hidden
   * {@code request_id}, {@code csrf_token} and {@code mfa_token} (the login challenge: single use,
   * short-lived, stored hashed, bound to the user).
   *
   * @param status   200, or the status of a failed attempt (400, 401, 429)
   * @param mfaToken the login challenge of {@link dev.jwtauth.mfa.SecondFactor#afterPassword}
   * @param error    a sentence to show, or null
   */
  static void secondFactor(RoutingContext ctx, int status, String requestId, String csrf, String clientId,
                           String redirectUri, String mfaToken, String error) {
    String hidden = "<input type=\"hidden\" name=\"request_id\" value=\"" + escape(requestId) + "\">"
        + "<input type=\"hidden\" name=\"csrf_token\" value=\"" + escape(csrf) + "\">"
        + "<input type=\"hidden\" name=\"mfa_token\" value=\"" + escape(mfaToken) + "\">";
    String html = "<!doctype html>\n<html lang=\"en\"><head><meta charset=\"utf-8\">"
        + "<meta name=\"viewport\" content=\"width=device-width, initial-scale=1\">"
        + "<title>Two-step verification</title></head><body><main>"
        + "<h1>Two-step verification</h1>"
        + "<p>to continue to <strong>" + escape(clientId) + "</strong></p>"
        + (error == null ? "" : "<p role=\"alert\" class=\"error\">" + escape(error) + "</p>")
        + "<form method=\"post\" action=\"" + ACTION + "\">" + hidden
        + "<p><label for=\"code\">Code from your authenticator app</label><br>"
        + "<input id=\"code\" name=\"code\" type=\"text\" inputmode=\"numeric\" autocomplete=\"one-time-code\""
        + " maxlength=\"16\" required autofocus></p>"
        + "<p><button type=\"submit\">Verify</button></p>"
        + "</form>"
        + "<details><summary>Use a recovery code instead</summary>"
        + "<form method=\"post\" action=\"" + ACTION + "\">" + hidden
        + "<p><label for=\"recovery_code\">Recovery code</label><br>"
        + "<input id=\"recovery_code\" name=\"recovery_code\" type=\"text\" autocomplete=\"off\" maxlength=\"64\""
        + " required></p>"
        + "<p><button type=\"submit\">Use the recovery code</button></p>"
        + "</form></details></main></body></html>\n";
    send(ctx, status, html, origin(redirectUri));
  }

  /**
   * The page of a user who must sign in with a second factor and has none yet
   * ({@code REQUIRE_MFA_ROLES}): no form, no code; where to enrol first.
   */
  static void enrolmentRequired(RoutingContext ctx, String clientId) {
    String html = "<!doctype html>\n<html lang=\"en\"><head><meta charset=\"utf-8\">"
        + "<meta name=\"viewport\" content=\"width=device-width, initial-scale=1\">"
        + "<title>Set up two-step verification first</title></head><body><main>"
        + "<h1>Set up two-step verification first</h1>"
        + "<p>to continue to <strong>" + escape(clientId) + "</strong></p>"
        + "<p role=\"alert\" class=\"error\">This account must sign in with a second factor (an authenticator app)"
        + " and has none yet, so it cannot sign in here.</p>"
        + "<p>Set one up first: sign in on the <a href=\"/console\">console</a> (or with <code>POST /auth/login</code>,"
        + " which answers <code>mfa_enrollment_required</code>) and follow the enrolment; then go back to the"
        + " application and sign in again.</p></main></body></html>\n";
    send(ctx, 403, html, null);
  }

  /** An error page: for a request whose client or redirect URI cannot be trusted, never a redirect. */
  static void error(RoutingContext ctx, int status, String code, String description) {
    String html = "<!doctype html>\n<html lang=\"en\"><head><meta charset=\"utf-8\"><title>Sign-in error</title>"
        + "</head><body><main><h1>This sign-in request cannot be completed</h1>"
        + "<p role=\"alert\" class=\"error\">" + escape(description) + "</p>"
        + "<p><code>error=" + escape(code) + "</code></p>"
        + "<p>Go back to the application and start again.</p></main></body></html>\n";
    send(ctx, status, html, null);
  }

  /** A short notice page ("you are signed out"). */
  static void notice(RoutingContext ctx, String title, String text) {
    String html = "<!doctype html>\n<html lang=\"en\"><head><meta charset=\"utf-8\"><title>" + escape(title)
        + "</title></head><body><main><h1>" + escape(title) + "</h1><p>" + escape(text) + "</p></main></body></html>\n";
    send(ctx, 200, html, null);
  }

  /** The headers of every page of the flow and of its redirects. */
  static void headers(HttpServerResponse res, String formTarget) {
    res.headers()
        .set("Content-Security-Policy", "default-src 'none'; style-src 'self'; form-action 'self'"
            + (formTarget == null ? "" : " " + formTarget) + "; frame-ancestors 'none'; base-uri 'none'")
        .set("X-Frame-Options", "DENY")
        .set(HttpHeaders.CACHE_CONTROL, "no-store")
        .set("Pragma", "no-cache")
        .set("Referrer-Policy", "no-referrer")
        .set("X-Content-Type-Options", "nosniff");
  }

  private static void send(RoutingContext ctx, int status, String html, String formTarget) {
    HttpServerResponse res = ctx.response();
    if (res.ended()) {
      return;
    }
    headers(res, formTarget);
    res.setStatusCode(status).putHeader(HttpHeaders.CONTENT_TYPE, "text/html; charset=utf-8").end(html);
  }

  /** {@code scheme://host[:port]} of a registered redirect URI, for {@code form-action}. */
  static String origin(String uri) {
    URI u = URI.create(uri);
    return u.getScheme() + "://" + u.getRawAuthority();
  }

  /** HTML escaping of text and attribute values. */
  static String escape(String s) {
    if (s == null) {
      return "";
    }
    StringBuilder b = new StringBuilder(s.length() + 16);
    for (int i = 0; i < s.length(); i++) {
      char c = s.charAt(i);
      switch (c) {
        case '&' -> b.append("&amp;");
        case '<' -> b.append("&lt;");
        case '>' -> b.append("&gt;");
        case '"' -> b.append("&quot;");
        case '\'' -> b.append("&#39;");
        default -> b.append(c);
      }
    }
    return b.toString();
  }
}
