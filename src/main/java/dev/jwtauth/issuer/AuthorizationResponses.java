package dev.jwtauth.issuer;

import dev.jwtauth.oidc.AuthorizationRequest;
import io.vertx.ext.web.RoutingContext;

import java.net.URLEncoder;
import java.nio.charset.StandardCharsets;

/**
 * The authorization responses of the code flow: a 303 to the client's registered redirect URI
 * with {@code code} or {@code error}, always with {@code state} as sent and {@code iss}
 * (RFC 6749 §4.1.2, RFC 9207). Only ever called with a redirect URI that matched a registered one.
 */
final class AuthorizationResponses {
  private final String issuer;

  AuthorizationResponses(String issuer) {
    this.issuer = issuer;
  }

  /** Success: {@code redirect_uri?code=…&state=…&iss=…}. */
  void code(RoutingContext ctx, AuthorizationRequest request, String code) {
    StringBuilder q = new StringBuilder("code=").append(encode(code));
    if (request.state() != null) {
      q.append("&state=").append(encode(request.state()));
    }
    q.append("&iss=").append(encode(issuer));
    redirect(ctx, request.redirectUri(), q.toString());
  }

  /** An error the client may see (RFC 6749 §4.1.2.1). */
  void error(RoutingContext ctx, String redirectUri, String state, String code, String description) {
    StringBuilder q = new StringBuilder("error=").append(encode(code))
        .append("&error_description=").append(encode(description));
    if (state != null) {
      q.append("&state=").append(encode(state));
    }
    q.append("&iss=").append(encode(issuer));
    redirect(ctx, redirectUri, q.toString());
  }

  private static void redirect(RoutingContext ctx, String redirectUri, String query) {
    String location = redirectUri + (redirectUri.contains("?") ? "&" : "?") + query;
    SignInPage.headers(ctx.response(), null);
    ctx.response().setStatusCode(303).putHeader("Location", location).end();
  }

  /** RFC 3986 percent-encoding of a query value (a space is %20, never +). */
  static String encode(String s) {
    return URLEncoder.encode(s, StandardCharsets.UTF_8).replace("+", "%20");
  }
}
