package dev.jwtauth.issuer;

import dev.jwtauth.clients.Client;
import dev.jwtauth.clients.ClientRepository;
import dev.jwtauth.http.ClientAddress;
import dev.jwtauth.mfa.SecondFactor;
import dev.jwtauth.oidc.AuthorizationRequest;
import dev.jwtauth.oidc.AuthorizationStore;
import dev.jwtauth.oidc.Pkce;
import dev.jwtauth.tokens.Names;
import io.vertx.core.Future;
import io.vertx.core.MultiMap;
import io.vertx.core.http.Cookie;
import io.vertx.core.http.HttpMethod;
import io.vertx.ext.web.RoutingContext;

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
 * (cookie, see {@link SignInStep#COOKIE}) gets its code at once, unless {@code prompt=login} or
 * {@code max_age} ask for the password again, or the session was a password alone and the user
 * now has (or must have) a second factor; {@code prompt=none} without a usable one is
 * {@code login_required}. Otherwise the request waits in PostgreSQL (so the form can be posted to
 * any event loop or auth process) and the sign-in page is shown; its post is {@link SignInStep}'s.
 */
final class AuthorizeHandler {
  private static final Set<String> PROMPTS = Set.of("none", "login", "consent", "select_account");
  private static final int MAX_PARAM = 2_048;

  private final ClientRepository clients;
  private final AuthorizationStore store;
  private final SecondFactor secondFactor;
  private final SignInStep signIn;
  private final AuthorizationResponses responses;
  private final Duration codeTtl;
  private final Clock clock;

  AuthorizeHandler(ClientRepository clients, AuthorizationStore store, PasswordCheck passwords,
                   SecondFactor secondFactor, ClientAddress addresses, String issuer, Duration codeTtl,
                   Duration sessionTtl, Clock clock) {
    this.clients = clients;
    this.store = store;
    this.secondFactor = secondFactor;
    this.responses = new AuthorizationResponses(issuer);
    this.signIn = new SignInStep(store, passwords, secondFactor, addresses, responses, codeTtl, sessionTtl, clock);
    this.codeTtl = codeTtl;
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
    if (form.contains("request_id") || form.contains("csrf_token") || form.contains("password")
        || form.contains("mfa_token")) {
      signIn.signIn(ctx, form);
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
      clientId = param(params, "client_id", true);
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
        responses.error(ctx, redirectUri, state, e.code, e.getMessage());
        return;
      }
      continueWithSession(ctx, request);
    });
  }

  /** The redirect URI: exactly a registered one, or the only one when none is given. */
  private static String redirectUri(Client client, MultiMap params) {
    String given = param(params, "redirect_uri", false);
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
    String responseType = param(params, "response_type", true);
    if (!"code".equals(responseType)) {
      throw new RedirectError("unsupported_response_type", "Only response_type=code is supported.");
    }
    String responseMode = param(params, "response_mode", false);
    if (responseMode != null && !responseMode.equals("query")) {
      throw new RedirectError("invalid_request", "Only response_mode=query is supported.");
    }
    String challenge = param(params, "code_challenge", false);
    String method = param(params, "code_challenge_method", false);
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
    for (String s : Names.splitScope(param(params, "scope", false))) {
      if (!scopes.contains(s)) {
        scopes.add(s);
      }
    }
    // openid asks for the sign-in itself (an ID token), not for access: every code-flow client may ask it
    if (!scopes.stream().allMatch(s -> s.equals("openid") || client.scopes().contains(s))) {
      throw new RedirectError("invalid_scope", "The requested scope exceeds what this client may ask for.");
    }
    String prompt = null;
    List<String> prompts = Names.splitScope(param(params, "prompt", false));
    if (!PROMPTS.containsAll(prompts) || (prompts.contains("none") && prompts.size() > 1)) {
      throw new RedirectError("invalid_request", "prompt must be none, or any of login, consent, select_account.");
    }
    if (prompts.contains("none")) {
      prompt = "none";
    } else if (prompts.contains("login")) {
      prompt = "login";
    }
    Long maxAge = null;
    String maxAgeParam = param(params, "max_age", false);
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
    return new AuthorizationRequest(client.clientId(), redirectUri, param(params, "state", false),
        param(params, "nonce", false), challenge, List.copyOf(scopes), maxAge, prompt,
        params.get("redirect_uri") != null && !params.get("redirect_uri").isEmpty());
  }

  /** A parameter given at most once and not longer than 2048 characters, or null when absent and optional. */
  private static String param(MultiMap params, String name, boolean required) {
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
    Cookie cookie = ctx.request().getCookie(SignInStep.COOKIE);
    Future<Optional<AuthorizationStore.Session>> session = "login".equals(request.prompt()) || cookie == null
        ? Future.succeededFuture(Optional.empty()) : store.session(cookie.getValue()).compose(this::usable);
    session.compose(s -> {
      long now = clock.millis() / 1000;
      Optional<AuthorizationStore.Session> usable = s.filter(x -> request.maxAge() == null
          || now - x.authTime() <= request.maxAge());
      if (usable.isPresent()) {
        AuthorizationStore.Session live = usable.get();
        return store.createCode(request, live.userId(), live.authTime(), live.amr(), live.tokenHash(), codeTtl)
            .map(code -> {
              responses.code(ctx, request, code);
              return null;
            });
      }
      if ("none".equals(request.prompt())) {
        responses.error(ctx, request.redirectUri(), request.state(), "login_required", "The user is not signed in.");
        return Future.succeededFuture();
      }
      return store.putPending(request).map(p -> {
        SignInPage.form(ctx, 200, p.id(), p.csrf(), request.clientId(), request.redirectUri(), null);
        return null;
      });
    }).onFailure(ctx::fail);
  }

  /**
   * A session made by a password alone does not stand in for a user who has since enrolled a
   * second factor (or been given a role that requires one): that user signs in again, with it.
   */
  private Future<Optional<AuthorizationStore.Session>> usable(Optional<AuthorizationStore.Session> session) {
    if (session.isEmpty()) {
      return Future.succeededFuture(session);
    }
    AuthorizationStore.Session s = session.get();
    return secondFactor.satisfiedBy(s.userId(), s.roles(), s.amr()).map(ok -> ok ? session : Optional.empty());
  }
}
