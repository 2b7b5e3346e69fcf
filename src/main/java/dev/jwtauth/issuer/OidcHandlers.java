package dev.jwtauth.issuer;

import dev.jwtauth.clients.Client;
import dev.jwtauth.clients.ClientRepository;
import dev.jwtauth.http.ApiError;
import dev.jwtauth.http.Responses;
import dev.jwtauth.oidc.AuthorizationStore;
import dev.jwtauth.tokens.Names;
import dev.jwtauth.tokens.SessionIds;
import dev.jwtauth.tokens.TokenVerifier;
import dev.jwtauth.users.UserRepository;
import io.vertx.core.Future;
import io.vertx.core.MultiMap;
import io.vertx.core.http.Cookie;
import io.vertx.core.http.CookieSameSite;
import io.vertx.core.http.HttpMethod;
import io.vertx.core.json.JsonArray;
import io.vertx.core.json.JsonObject;
import io.vertx.ext.web.RoutingContext;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import java.nio.charset.StandardCharsets;
import java.util.Base64;
import java.util.List;
import java.util.Optional;
import java.util.UUID;

/**
 * OpenID Connect's other endpoints: {@code /oauth2/userinfo} (OIDC Core §5.3; bearer access
 * token with scope {@code openid}) and {@code /oauth2/logout} (RP-Initiated Logout 1.0, the
 * {@code end_session_endpoint}).
 */
final class OidcHandlers {
  private static final Logger log = LoggerFactory.getLogger(OidcHandlers.class);

  private final UserRepository users;
  private final ClientRepository clients;
  private final AuthorizationStore store;
  private final TokenService tokens;

  OidcHandlers(UserRepository users, ClientRepository clients, AuthorizationStore store, TokenService tokens) {
    this.users = users;
    this.clients = clients;
    this.store = store;
    this.tokens = tokens;
  }

  /**
   * {@code GET/POST /oauth2/userinfo} after the bearer handler: {@code sub}, and by scope
   * {@code profile} → {@code preferred_username}, {@code roles} → {@code roles}. 403
   * insufficient_scope without {@code openid}; 401 invalid_token for a user gone or disabled.
   */
  void userinfo(RoutingContext ctx) {
    JsonObject claims = TokenVerifier.claims(ctx.user());
    List<String> scopes = Names.splitScope(claims.getString("scope"));
    if (!scopes.contains("openid")) {
      throw ApiError.insufficientScope("scope openid", "openid");
    }
    UUID sub;
    try {
      sub = UUID.fromString(claims.getString("sub"));
    } catch (RuntimeException e) {
      throw ApiError.insufficientScope("scope openid", "openid");
    }
    users.findById(sub).onSuccess(account -> {
      if (account.isEmpty() || account.get().disabled()) {
        ctx.fail(new ApiError(401, "invalid_token", "The access token is invalid or expired.")
            .challenge("Bearer realm=\"" + IssuerVerticle.REALM + "\", error=\"invalid_token\""));
        return;
      }
      JsonObject body = new JsonObject().put("sub", sub.toString());
      if (scopes.contains("profile")) {
        body.put("preferred_username", account.get().username());
      }
      if (scopes.contains("roles")) {
        body.put("roles", new JsonArray(account.get().roles()));
      }
      ctx.response().putHeader("Cache-Control", "no-store");
      Responses.json(ctx, 200, body);
    }).onFailure(ctx::fail);
  }

  /**
   * {@code GET/POST /oauth2/logout}: ends the browser's sign-in session (cookie) and every session
   * (refresh family, access tokens by {@code sid}) its codes created. With a
   * {@code post_logout_redirect_uri} registered for the client ({@code client_id}, or the
   * {@code aud} of {@code id_token_hint}) it redirects there with {@code state}; an unregistered one
   * is shown as an error page, never followed. The hint is read only to find the client: it only
   * chooses among that client's registered URIs, and nothing is revoked on its word alone.
   */
  void endSession(RoutingContext ctx) {
    MultiMap params = ctx.request().method() == HttpMethod.GET ? ctx.queryParams() : ctx.request().formAttributes();
    String postLogout = params.get("post_logout_redirect_uri");
    String state = params.get("state");
    String clientId = params.get("client_id");
    if (clientId == null) {
      clientId = audienceOf(params.get("id_token_hint"));
    }
    Cookie cookie = ctx.request().getCookie(SignInStep.COOKIE);
    String finalClientId = clientId;
    Future<Optional<Client>> client = postLogout == null || clientId == null || clientId.length() > 128
        ? Future.succeededFuture(Optional.empty()) : clients.find(clientId);
    client.compose(found -> {
      if (postLogout != null && (found.isEmpty() || !found.get().redirectUris().contains(postLogout))) {
        SignInPage.error(ctx, 400, "invalid_request",
            "post_logout_redirect_uri is not one registered for the client named by client_id or id_token_hint.");
        return Future.succeededFuture();
      }
      return (cookie == null ? Future.succeededFuture(List.<UUID>of()) : store.endSession(cookie.getValue()))
          .compose(families -> Future.all(families.stream()
              .map(f -> tokens.revokeSession(f, SessionIds.of(f))).toList()).map(families))
          .map(families -> {
            if (cookie != null) {
              log.info("signed out of the code flow sessions={} client_id={}", families.size(), finalClientId);
            }
            ctx.response().addCookie(Cookie.cookie(SignInStep.COOKIE, "").setPath(SignInStep.COOKIE_PATH)
                .setHttpOnly(true).setSecure(true).setSameSite(CookieSameSite.LAX).setMaxAge(0));
            if (postLogout != null) {
              String location = postLogout + (state == null ? ""
                  : (postLogout.contains("?") ? "&" : "?") + "state=" + AuthorizationResponses.encode(state));
              SignInPage.headers(ctx.response(), null);
              ctx.response().setStatusCode(303).putHeader("Location", location).end();
            } else {
              SignInPage.notice(ctx, "Signed out", "You are signed out.");
            }
            return null;
          });
    }).onFailure(ctx::fail);
  }

  /** The {@code aud} (or first of them) of a JWT's payload, unverified, or null. */
  private static String audienceOf(String jwt) {
    if (jwt == null || jwt.length() > 8_192) {
      return null;
    }
    String[] parts = jwt.split("\\.");
    if (parts.length != 3) {
      return null;
    }
    try {
      JsonObject payload = new JsonObject(new String(Base64.getUrlDecoder().decode(parts[1]), StandardCharsets.UTF_8));
      Object aud = payload.getValue("aud");
      return aud instanceof String s ? s : aud instanceof JsonArray a && !a.isEmpty() ? a.getString(0) : null;
    } catch (RuntimeException e) {
      return null;
    }
  }
}
