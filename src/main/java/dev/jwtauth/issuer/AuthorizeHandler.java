package dev.jwtauth.issuer;

import dev.jwtauth.clients.Client;
import dev.jwtauth.clients.ClientRepository;
import dev.jwtauth.http.ApiError;
import dev.jwtauth.oidc.AuthorizationRequest;
import dev.jwtauth.oidc.AuthorizationStore;
import dev.jwtauth.oidc.Pkce;
import dev.jwtauth.tokens.Names;
import dev.jwtauth.users.User;
import io.vertx.core.Future;
import io.vertx.core.MultiMap;
import io.vertx.core.http.Cookie;
import io.vertx.core.http.CookieSameSite;
import io.vertx.core.http.HttpMethod;
import io.vertx.ext.web.RoutingContext;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import java.net.URLEncoder;
import java.nio.charset.StandardCharsets;
import java.time.Clock;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;
import java.util.Set;

/**
 * {@code GET /oauth2/authorize} (and POST, OIDC Core §3.1.2.1) and the sign-in step that follows
 * it ({@code POST /oauth2/authorize} with the form's hidden {@code request_id} and
 * {@code csrf_token}): the authorization code flow of RFC 6749 §4.1
 * with PKCE (RFC 7636, {@code S256} only, required of every client) and OAuth 2.1's exact redirect
 * URI matching.
 *
 * <p>An unknown client or a redirect URI that is not exactly a registered one is shown on an error
 * page, never redirected (RFC 6749 §4.1.2.1); every other error goes back to the redirect URI with
 * {@code error}, {@code state} and {@code iss} (RFC 9207). A browser with a live sign-in session
 * (cookie, see {@link #COOKIE}) gets its code at once, unless {@code prompt=login} or
 * {@code max_age} ask for the password again; {@code prompt=none} without one is
 * {@code login_required}. The password goes through the same {@link PasswordCheck} as
 * {@code /auth/login}. The pending request and its CSRF token live in PostgreSQL, so the form can
 * be posted to any event loop or auth process.
 */
final class AuthorizeHandler {
  private static final Logger log = LoggerFactory.getLogger(AuthorizeHandler.class);
  /** The sign-in session cookie: HttpOnly, Secure, SameSite=Lax, path {@code /oauth2}. */
  static final String COOKIE = "signin_session";
  static final String COOKIE_PATH = "/oauth2";
  private static final Set<String> PROMPTS = Set.of("none", "login", "consent", "select_account");
  private static final int MAX_PARAM = 2_048;
  private static final String BAD_CREDENTIALS = "Invalid username or password.";

  private final ClientRepository clients;
  private final AuthorizationStore store;
  private final PasswordCheck passwords;
  private final String issuer;
  private final Duration codeTtl;
  private final Duration sessionTtl;
  private final Clock clock;

  AuthorizeHandler(ClientRepository clients, AuthorizationStore store, PasswordCheck passwords, String issuer,
                   Duration codeTtl, Duration sessionTtl, Clock clock) {
    this.clients = clients;
    this.store = store;
    this.passwords = passwords;
    this.issuer = issuer;
    this.codeTtl = codeTtl;
    this.sessionTtl = sessionTtl;
    this.clock = clock;
  }

  /** GET: the query's parameters; POST: the sign-in step when it carries {@code request_id}, else a request. */
  void handle(RoutingContext ctx) {
    if (ctx.request().method() == HttpMethod.GET) {
      authorize(ctx, ctx.queryParams());
      return;
    }
    MultiMap form = form(ctx);
    if (form == null) {
      return;
    }
    if (form.contains("request_id") || form.contains("csrf_token") || form.contains("password")) {
      signIn(ctx, form);
    } else {
      authorize(ctx, form);
    }
  }

  private static MultiMap form(RoutingContext ctx) {
    String type = ctx.request().getHeader("Content-Type");
    if (type == null || !type.toLowerCase().startsWith("application/x-www-form-urlencoded")) {
      SignInPage.error(ctx, 415, "invalid_request", "The form must be sent as application/x-www-form-urlencoded.");
      return null;
    }
    return ctx.request().formAttributes();
  }

  /** A failure that is shown on the error page (the client or its redirect URI is not trusted). */
  private static final class PageError extends RuntimeException {
    final int status;
    final String code;

    PageError(int status, String code, String description) {
      super(description, null, false, false);
      this.status = status;
      this.code = code;
    }
  }

  /** A failure that goes back to the client's redirect URI. */
  private static final class RedirectError extends RuntimeException {
    final String code;

    RedirectError(String code, String description) {
      super(description, null, false, false);
      this.code = code;
    }
  }

  private void authorize(RoutingContext ctx, MultiMap params) {
    String clientId;
    try {
      clientId = param(params, "client_id", true, true);
    } catch (RedirectError e) {
      SignInPage.error(ctx, 400, "invalid_request", e.getMessage());
      return;
    }
    clients.find(clientId).onComplete(ar -> {
      if (ar.failed()) {
        ctx.fail(ar.cause());
        return;
      }
      Optional<Client> found = ar.result();
      if (found.isEmpty() || found.get().disabled() || !found.get().allows("authorization_code")) {
        SignInPage.error(ctx, 400, "invalid_client",
            "The application (client_id) is unknown or not allowed to use this sign-in.");
        return;
      }
      Client client = found.get();
      String redirectUri;
      try {
        redirectUri = redirectUri(client, params);
      } catch (RedirectError e) {
        SignInPage.error(ctx, 400, "invalid_request", e.getMessage());
        return;
      }
      String state = params.getAll("state").size() == 1 ? params.get("state") : null;
      AuthorizationRequest request;
      try {
        request = validate(client, redirectUri, params);
      } catch (RedirectError e) {
        redirectError(ctx, redirectUri, state, e.code, e.getMessage());
        return;
      }
      continueWithSession(ctx, request);
    });
  }

  /** The redirect URI: exactly a registered one, or the only one when none is given. */
  private static String redirectUri(Client client, MultiMap params) {
    String given = param(params, "redirect_uri", false, true);
    if (given == null) {
      if (client.redirectUris().size() == 1) {
        return client.redirectUris().get(0);
      }
      throw new RedirectError("invalid_request", "redirect_uri is required: this client has several.");
    }
    // exact string comparison (OAuth 2.1 §4.1.1): an extra path, query or trailing slash is another URI
    if (!client.redirectUris().contains(given)) {
      throw new RedirectError("invalid_request", "redirect_uri is not one registered for this client.");
    }
    return given;
  }

  private static AuthorizationRequest validate(Client client, String redirectUri, MultiMap params) {
    for (String name : params.names()) {
      if (params.getAll(name).size() > 1) {
        throw new RedirectError("invalid_request", "The parameter '" + name + "' must not be repeated.");
      }
    }
    if (params.contains("request")) {
      throw new RedirectError("request_not_supported", "Request objects are not supported.");
    }
    if (params.contains("request_uri")) {
      throw new RedirectError("request_uri_not_supported", "request_uri is not supported.");
    }
    String responseType = param(params, "response_type", true, false);
    if (!"code".equals(responseType)) {
      throw new RedirectError("unsupported_response_type", "Only response_type=code is supported.");
    }
    String responseMode = param(params, "response_mode", false, false);
    if (responseMode != null && !responseMode.equals("query")) {
      throw new RedirectError("invalid_request", "Only response_mode=query is supported.");
    }
    String challenge = param(params, "code_challenge", false, false);
    String method = param(params, "code_challenge_method", false, false);
    if (challenge == null) {
      throw new RedirectError("invalid_request", "PKCE is required: send code_challenge with code_challenge_method=S256.");
    }
    if (!"S256".equals(method)) {
      // RFC 7636 §4.3: an absent method means plain, which is refused too (OAuth 2.1)
      throw new RedirectError("invalid_request", "code_challenge_method must be S256 (plain is not supported).");
    }
    if (!Pkce.isChallenge(challenge)) {
      throw new RedirectError("invalid_request", "code_challenge must be the base64url SHA-256 of the code_verifier.");
    }
    List<String> scopes = new ArrayList<>();
    for (String s : Names.splitScope(param(params, "scope", false, false))) {
      if (!scopes.contains(s)) {
        scopes.add(s);
      }
    }
    // openid asks for the sign-in itself (an ID token), not for access: every code-flow client may ask it
    if (!scopes.stream().allMatch(s -> s.equals("openid") || client.scopes().contains(s))) {
      throw new RedirectError("invalid_scope", "The requested scope exceeds what this client may ask for.");
    }
    String prompt = null;
    List<String> prompts = Names.splitScope(param(params, "prompt", false, false));
    if (!PROMPTS.containsAll(prompts) || (prompts.contains("none") && prompts.size() > 1)) {
      throw new RedirectError("invalid_request", "prompt must be none, or any of login, consent, select_account.");
    }
    if (prompts.contains("none")) {
      prompt = "none";
    } else if (prompts.contains("login")) {
      prompt = "login";
    }
    Long maxAge = null;
    String maxAgeParam = param(params, "max_age", false, false);
    if (maxAgeParam != null) {
      try {
        maxAge = Long.parseLong(maxAgeParam);
      } catch (NumberFormatException e) {
        maxAge = -1L;
      }
      if (maxAge < 0) {
        throw new RedirectError("invalid_request", "max_age must be a number of seconds.");
      }
    }
    return new AuthorizationRequest(client.clientId(), redirectUri, param(params, "state", false, false),
        param(params, "nonce", false, false), challenge, List.copyOf(scopes), maxAge, prompt);
  }

  /** A parameter given at most once and not longer than 2048 characters, or null when absent and optional. */
  private static String param(MultiMap params, String name, boolean required, boolean pageError) {
    List<String> values = params.getAll(name);
    if (values.size() > 1) {
      throw new RedirectError("invalid_request", "The parameter '" + name + "' must not be repeated.");
    }
    if (values.isEmpty() || values.get(0).isEmpty()) {
      if (required) {
        throw new RedirectError("invalid_request", "The parameter '" + name + "' is required.");
      }
      return null;
    }
    if (values.get(0).length() > MAX_PARAM) {
      throw new RedirectError("invalid_request", "The parameter '" + name + "' is too long.");
    }
    return values.get(0);
  }

  /** With a usable sign-in session, the code at once; else the form (or login_required for prompt=none). */
  private void continueWithSession(RoutingContext ctx, AuthorizationRequest request) {
    Cookie cookie = ctx.request().getCookie(COOKIE);
    Future<Optional<AuthorizationStore.Session>> session = "login".equals(request.prompt()) || cookie == null
        ? Future.succeededFuture(Optional.empty()) : store.session(cookie.getValue());
    session.compose(s -> {
      long now = clock.millis() / 1000;
      Optional<AuthorizationStore.Session> usable = s.filter(x -> request.maxAge() == null
          || now - x.authTime() <= request.maxAge());
      if (usable.isPresent()) {
        AuthorizationStore.Session live = usable.get();
        return store.createCode(request, live.userId(), live.authTime(), live.tokenHash(), codeTtl)
            .map(code -> {
              redirectCode(ctx, request, code);
              return null;
            });
      }
      if ("none".equals(request.prompt())) {
        redirectError(ctx, request.redirectUri(), request.state(), "login_required", "The user is not signed in.");
        return Future.succeededFuture();
      }
      return store.putPending(request).map(p -> {
        SignInPage.form(ctx, 200, p.id(), p.csrf(), request.clientId(), request.redirectUri(), null);
        return null;
      });
    }).onFailure(ctx::fail);
  }

  /** The sign-in step: the pending request its hidden fields name (CSRF-checked), then the password. */
  private void signIn(RoutingContext ctx, MultiMap form) {
    String requestId = single(form, "request_id");
    String csrf = single(form, "csrf_token");
    store.pending(requestId, csrf).onComplete(ar -> {
      if (ar.failed()) {
        ctx.fail(ar.cause());
        return;
      }
      if (ar.result().isEmpty()) {
        SignInPage.error(ctx, 403, "invalid_request",
            "This sign-in form has expired or is not valid (missing or wrong CSRF token).");
        return;
      }
      AuthorizationRequest request = ar.result().get();
      String username = single(form, "username");
      String password = single(form, "password");
      if (username == null || password == null || username.length() > LoginHandler.MAX_USERNAME
          || password.length() > LoginHandler.MAX_PASSWORD) {
        SignInPage.form(ctx, 400, requestId, csrf, request.clientId(), request.redirectUri(),
            "Enter your username and password.");
        return;
      }
      passwords.verify(ctx, username, password)
          .onSuccess(user -> complete(ctx, requestId, request, user))
          .onFailure(err -> {
            if (err instanceof ApiError e && (e.status() == 401 || e.status() == 429 || e.status() == 503)) {
              if (e.retryAfter() > 0) {
                ctx.response().putHeader("Retry-After", Long.toString(e.retryAfter()));
              }
              String message = e.status() == 401 ? BAD_CREDENTIALS
                  : e.status() == 429 ? "Too many failed sign-ins. Try again in " + e.retryAfter() + " seconds."
                  : "The server is busy. Try again in a moment.";
              SignInPage.form(ctx, e.status(), requestId, csrf, request.clientId(), request.redirectUri(), message);
            } else {
              ctx.fail(err);
            }
          });
    });
  }

  /** The password was right: the pending request is used up, a sign-in session begins, and the code goes back. */
  private void complete(RoutingContext ctx, String requestId, AuthorizationRequest request, User user) {
    long authTime = clock.millis() / 1000;
    store.takePending(requestId)
        .compose(taken -> taken ? store.createSession(user.id(), sessionTtl)
            : Future.failedFuture(new PageError(400, "invalid_request", "This sign-in request was already completed.")))
        .compose(session -> store.createCode(request, user.id(), authTime, hashOf(session), codeTtl).map(code -> {
          ctx.response().addCookie(Cookie.cookie(COOKIE, session).setPath(COOKIE_PATH).setHttpOnly(true)
              .setSecure(true).setSameSite(CookieSameSite.LAX).setMaxAge(sessionTtl.toSeconds()));
          log.info("signed in through the code flow user_id={} client_id={}", user.id(), request.clientId());
          redirectCode(ctx, request, code);
          return null;
        }))
        .onFailure(err -> {
          if (err instanceof PageError e) {
            SignInPage.error(ctx, e.status, e.code, e.getMessage());
          } else {
            ctx.fail(err);
          }
        });
  }

  private static io.vertx.core.buffer.Buffer hashOf(String secret) {
    return io.vertx.core.buffer.Buffer.buffer(dev.jwtauth.tokens.Digests.sha256(secret));
  }

  private void redirectCode(RoutingContext ctx, AuthorizationRequest request, String code) {
    StringBuilder q = new StringBuilder("code=").append(encode(code));
    if (request.state() != null) {
      q.append("&state=").append(encode(request.state()));
    }
    q.append("&iss=").append(encode(issuer));
    redirect(ctx, request.redirectUri(), q.toString());
  }

  /** An error response to the client (RFC 6749 §4.1.2.1), with {@code iss} (RFC 9207). */
  private void redirectError(RoutingContext ctx, String redirectUri, String state, String code, String description) {
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

  private static String single(MultiMap form, String name) {
    List<String> values = form.getAll(name);
    return values.size() != 1 || values.get(0).isEmpty() ? null : values.get(0);
  }
}
