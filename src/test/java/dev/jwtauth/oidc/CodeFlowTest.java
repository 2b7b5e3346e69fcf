package dev.jwtauth.oidc;

import dev.jwtauth.testsupport.AuthClient;
import dev.jwtauth.testsupport.CodeFlow;
import dev.jwtauth.testsupport.Jwts;
import dev.jwtauth.testsupport.ServerExtension;
import dev.jwtauth.testsupport.SetCookie;
import dev.jwtauth.testsupport.TestServer;
import dev.jwtauth.testsupport.TestUser;
import io.vertx.core.buffer.Buffer;
import io.vertx.core.json.JsonArray;
import io.vertx.core.json.JsonObject;
import io.vertx.ext.web.client.HttpResponse;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.DisplayName;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

import java.nio.charset.StandardCharsets;
import java.security.MessageDigest;
import java.util.Base64;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

import static org.assertj.core.api.Assertions.assertThat;

/**
 * The authorization code flow with PKCE, the sign-in page and OpenID Connect, driven as a browser
 * and a client would, and attacked the ways the issue lists: each attack is refused.
 */
@DisplayName("Code flow: authorize, sign-in page, code exchange, ID token, userinfo, logout, and the attacks on them")
class CodeFlowTest {
  static final String WEB_CB = "https://app.example.com/callback";
  static final String WEB_CB2 = "https://app.example.com/other";
  static final String SPA_CB = "http://127.0.0.1:3000/cb";
  static final String OTHER_CB = "https://other.example.com/cb";

  @RegisterExtension
  static final ServerExtension server = ServerExtension.withPorts(p -> Map.of(
      "ISSUER", "http://127.0.0.1:" + p.auth(), "LOCKOUT_THRESHOLD", 3));
  static String issuer;
  static String webSecret;
  static String otherSecret;
  static CodeFlow browser;

  @BeforeAll
  static void clients() {
    issuer = "http://127.0.0.1:" + server.authPort();
    String admin = server.server().adminToken();
    webSecret = register(admin, new JsonObject().put("client_id", "web-app").put("scope", "openid profile roles")
        .put("redirect_uris", new JsonArray().add(WEB_CB).add(WEB_CB2))).getString("client_secret");
    register(admin, new JsonObject().put("client_id", "spa").put("scopes", new JsonArray().add("openid").add("profile"))
        .put("redirect_uris", new JsonArray().add(SPA_CB)).put("token_endpoint_auth_method", "none"));
    otherSecret = register(admin, new JsonObject().put("client_id", "other-app").put("scope", "openid")
        .put("redirect_uris", new JsonArray().add(OTHER_CB)).put("token_endpoint_auth_method", "client_secret_post"))
        .getString("client_secret");
    browser = new CodeFlow(server.server().client, server.authPort());
  }

  static JsonObject register(String admin, JsonObject body) {
    return AuthClient.ok(server.http().post("/admin/clients", admin, body), 201, "client registration").bodyAsJsonObject();
  }

  static Map<String, String> request(String clientId, String redirectUri, String challenge, String scope) {
    Map<String, String> p = new LinkedHashMap<>();
    p.put("response_type", "code");
    p.put("client_id", clientId);
    if (redirectUri != null) {
      p.put("redirect_uri", redirectUri);
    }
    p.put("scope", scope);
    p.put("state", "st-" + CodeFlow.verifier().substring(0, 8));
    p.put("nonce", "n-" + CodeFlow.verifier().substring(0, 8));
    p.put("code_challenge", challenge);
    p.put("code_challenge_method", "S256");
    return p;
  }

  static String basic(String id, String secret) {
    return "Basic " + Base64.getEncoder().encodeToString((id + ":" + secret).getBytes(StandardCharsets.UTF_8));
  }

  /** A signed-in code: the 303 of the sign-in, with its request and verifier. */
  record Signed(HttpResponse<Buffer> redirect, Map<String, String> request, String verifier) {
    String code() {
      return CodeFlow.query(redirect.getHeader("Location")).get("code");
    }

    String cookie() {
      return CodeFlow.sessionCookie(redirect);
    }
  }

  static Signed signIn(TestUser user, String clientId, String redirectUri, String scope) {
    String verifier = CodeFlow.verifier();
    Map<String, String> req = request(clientId, redirectUri, CodeFlow.challenge(verifier), scope);
    var page = browser.authorize(req, null);
    assertThat(page.statusCode()).as(page.bodyAsString()).isEqualTo(200);
    var res = browser.signIn(page, user.name(), user.password());
    assertThat(res.statusCode()).as(res.bodyAsString()).isEqualTo(303);
    return new Signed(res, req, verifier);
  }

  static HttpResponse<Buffer> exchange(String authorization, Map<String, String> form) {
    return server.http().postForm("/oauth2/token", authorization, form);
  }

  static Map<String, String> codeForm(Signed s, String redirectUri) {
    Map<String, String> f = new HashMap<>();
    f.put("grant_type", "authorization_code");
    f.put("code", s.code());
    f.put("redirect_uri", redirectUri);
    f.put("code_verifier", s.verifier());
    return f;
  }

  static JsonObject webTokens(Signed s) {
    var res = exchange(basic("web-app", webSecret), codeForm(s, WEB_CB));
    assertThat(res.statusCode()).as(res.bodyAsString()).isEqualTo(200);
    return res.bodyAsJsonObject();
  }

  @Test
  @DisplayName("A confidential client signs a user in: 303 with code, state and iss; the code buys access, refresh and ID tokens")
  void confidentialClient() throws Exception {
    TestUser user = server.server().newUser("cf", "user");
    Signed s = signIn(user, "web-app", WEB_CB, "openid profile");
    String location = s.redirect().getHeader("Location");
    assertThat(location).startsWith(WEB_CB + "?code=");
    Map<String, String> q = CodeFlow.query(location);
    assertThat(q.get("state")).isEqualTo(s.request().get("state"));
    assertThat(q.get("iss")).isEqualTo(issuer);
    assertThat(q.get("code")).hasSizeGreaterThanOrEqualTo(43);

    var res = exchange(basic("web-app", webSecret), codeForm(s, WEB_CB));
    assertThat(res.statusCode()).as(res.bodyAsString()).isEqualTo(200);
    assertThat(res.getHeader("Cache-Control")).isEqualTo("no-store");
    JsonObject body = res.bodyAsJsonObject();
    assertThat(body.getString("token_type")).isEqualTo("Bearer");
    assertThat(body.getString("scope")).isEqualTo("openid profile");
    assertThat(body.getString("refresh_token")).isNotBlank();

    JsonObject at = Jwts.part(body.getString("access_token"), 1);
    assertThat(at.getString("client_id")).isEqualTo("web-app");
    assertThat(at.getString("scope")).isEqualTo("openid profile");
    assertThat(Jwts.part(body.getString("access_token"), 0).getString("typ")).isEqualTo("at+jwt");
    var me = server.http().me(body.getString("access_token"));
    assertThat(me.statusCode()).isEqualTo(200);
    assertThat(me.bodyAsJsonObject().getString("username")).isEqualTo(user.name());

    String idToken = body.getString("id_token");
    JsonObject header = Jwts.part(idToken, 0);
    assertThat(header.getString("typ")).isEqualTo("JWT");
    assertThat(header.getString("kid")).isEqualTo(Jwts.part(body.getString("access_token"), 0).getString("kid"));
    JsonObject id = Jwts.part(idToken, 1);
    assertThat(id.getString("iss")).isEqualTo(issuer);
    assertThat(id.getString("sub")).isEqualTo(at.getString("sub"));
    assertThat(id.getString("aud")).isEqualTo("web-app");
    assertThat(id.getString("azp")).isEqualTo("web-app");
    assertThat(id.getString("nonce")).isEqualTo(s.request().get("nonce"));
    assertThat(id.getString("sid")).isEqualTo(at.getString("sid"));
    assertThat(id.getJsonArray("amr")).containsExactly("pwd");
    assertThat(id.getLong("auth_time")).isLessThanOrEqualTo(id.getLong("iat"));
    assertThat(id.getLong("exp")).isGreaterThan(id.getLong("iat"));
    byte[] digest = MessageDigest.getInstance("SHA-256").digest(body.getString("access_token").getBytes(StandardCharsets.US_ASCII));
    assertThat(id.getString("at_hash")).isEqualTo(Base64.getUrlEncoder().withoutPadding()
        .encodeToString(java.util.Arrays.copyOf(digest, 16)));
  }

  @Test
  @DisplayName("The sign-in session cookie is HttpOnly, Secure, SameSite=Lax on /oauth2")
  void sessionCookieAttributes() {
    Signed s = signIn(server.server().newUser("ck"), "web-app", WEB_CB, "openid");
    SetCookie c = SetCookie.named(s.redirect(), "signin_session");
    assertThat(c.has("HttpOnly")).isTrue();
    assertThat(c.has("Secure")).isTrue();
    assertThat(c.get("SameSite")).isEqualToIgnoringCase("Lax");
    assertThat(c.get("Path")).isEqualTo("/oauth2");
  }

  @Test
  @DisplayName("A public client gets no secret, redeems with client_id and verifier, and refreshes with rotation")
  void publicClient() {
    var reg = register(server.server().adminToken(), new JsonObject().put("client_id", "spa-" + CodeFlow.verifier().substring(0, 6).toLowerCase().replaceAll("[^a-z0-9]", "x"))
        .put("redirect_uris", new JsonArray().add(SPA_CB)).put("token_endpoint_auth_method", "none").put("scope", "openid"));
    assertThat(reg.containsKey("client_secret")).isFalse();
    assertThat(reg.getString("token_endpoint_auth_method")).isEqualTo("none");

    Signed s = signIn(server.server().newUser("pub"), "spa", SPA_CB, "openid profile");
    Map<String, String> form = codeForm(s, SPA_CB);
    form.put("client_id", "spa");
    var res = exchange(null, form);
    assertThat(res.statusCode()).as(res.bodyAsString()).isEqualTo(200);
    String refresh = res.bodyAsJsonObject().getString("refresh_token");

    var otherClient = exchange(null, Map.of("grant_type", "refresh_token", "refresh_token", refresh, "client_id", "web-app"));
    assertThat(otherClient.statusCode()).isIn(400, 401);
    // another public client, identified as well as this one is: the rotation itself refuses it
    String other = "spb-" + CodeFlow.verifier().substring(0, 6).toLowerCase().replaceAll("[^a-z0-9]", "x");
    register(server.server().adminToken(), new JsonObject().put("client_id", other)
        .put("redirect_uris", new JsonArray().add(SPA_CB)).put("token_endpoint_auth_method", "none").put("scope", "openid"));
    var otherPublic = exchange(null, Map.of("grant_type", "refresh_token", "refresh_token", refresh, "client_id", other));
    assertThat(otherPublic.statusCode()).as(otherPublic.bodyAsString()).isEqualTo(400);
    assertThat(otherPublic.bodyAsJsonObject().getString("error")).isEqualTo("invalid_grant");
    var viaAuth = server.http().refresh(refresh);
    assertThat(viaAuth.statusCode()).as("a client's session is not refreshed through /auth/refresh").isEqualTo(401);

    var rotated = exchange(null, Map.of("grant_type", "refresh_token", "refresh_token", refresh, "client_id", "spa"));
    assertThat(rotated.statusCode()).as(rotated.bodyAsString()).isEqualTo(200);
    assertThat(rotated.bodyAsJsonObject().getString("scope")).isEqualTo("openid profile");
    assertThat(Jwts.part(rotated.bodyAsJsonObject().getString("access_token"), 1).getString("client_id")).isEqualTo("spa");
    var reused = exchange(null, Map.of("grant_type", "refresh_token", "refresh_token", refresh, "client_id", "spa"));
    assertThat(reused.statusCode()).isEqualTo(400);
    assertThat(reused.bodyAsJsonObject().getString("error")).isEqualTo("invalid_grant");
    var afterReuse = exchange(null, Map.of("grant_type", "refresh_token",
        "refresh_token", rotated.bodyAsJsonObject().getString("refresh_token"), "client_id", "spa"));
    assertThat(afterReuse.statusCode()).as("reuse revoked the family").isEqualTo(400);
  }

  @Test
  @DisplayName("An administrator signing in to an app through the code flow gives it no admin role, at issuance or refresh")
  void noAdminRoleThroughAClient() {
    TestUser admin = server.server().newUser("adm", "admin", "user");
    JsonObject tokens = webTokens(signIn(admin, "web-app", WEB_CB, "openid"));
    JsonObject claims = Jwts.part(tokens.getString("access_token"), 1);
    assertThat(claims.getJsonArray("roles").getList()).contains("user").doesNotContain("admin");
    var adminApi = server.server().client.get(server.authPort(), "127.0.0.1", "/admin/users")
        .putHeader("Authorization", "Bearer " + tokens.getString("access_token")).send().await();
    assertThat(adminApi.statusCode()).isEqualTo(403);

    var refreshed = exchange(basic("web-app", webSecret),
        Map.of("grant_type", "refresh_token", "refresh_token", tokens.getString("refresh_token")));
    assertThat(refreshed.statusCode()).isEqualTo(200);
    JsonObject after = Jwts.part(refreshed.bodyAsJsonObject().getString("access_token"), 1);
    assertThat(after.getJsonArray("roles").getList()).contains("user").doesNotContain("admin");
  }

  @Test
  @DisplayName("A confidential client's refresh needs its own authentication")
  void confidentialRefreshNeedsAuth() {
    JsonObject tokens = webTokens(signIn(server.server().newUser("cr"), "web-app", WEB_CB, "openid"));
    String refresh = tokens.getString("refresh_token");
    var none = exchange(null, Map.of("grant_type", "refresh_token", "refresh_token", refresh));
    assertThat(none.statusCode()).isEqualTo(401);
    assertThat(none.bodyAsJsonObject().getString("error")).isEqualTo("invalid_client");
    var other = exchange(null, Map.of("grant_type", "refresh_token", "refresh_token", refresh,
        "client_id", "other-app", "client_secret", otherSecret));
    assertThat(other.statusCode()).isEqualTo(400);
    var ok = exchange(basic("web-app", webSecret), Map.of("grant_type", "refresh_token", "refresh_token", refresh));
    assertThat(ok.statusCode()).as(ok.bodyAsString()).isEqualTo(200);
  }

  @Test
  @DisplayName("A code used twice fails the second time and revokes what the first exchange issued")
  void codeReuse() {
    Signed s = signIn(server.server().newUser("reuse"), "web-app", WEB_CB, "openid");
    JsonObject first = webTokens(s);
    assertThat(server.http().me(first.getString("access_token")).statusCode()).isEqualTo(200);
    var second = exchange(basic("web-app", webSecret), codeForm(s, WEB_CB));
    assertThat(second.statusCode()).isEqualTo(400);
    assertThat(second.bodyAsJsonObject().getString("error")).isEqualTo("invalid_grant");
    assertThat(server.http().me(first.getString("access_token")).statusCode()).as("access token revoked by sid").isEqualTo(401);
    var refresh = exchange(basic("web-app", webSecret), Map.of("grant_type", "refresh_token",
        "refresh_token", first.getString("refresh_token")));
    assertThat(refresh.statusCode()).as("refresh family revoked").isEqualTo(400);
  }

  @Test
  @DisplayName("A code issued to one client is refused to another")
  void codeForAnotherClient() {
    Signed s = signIn(server.server().newUser("other"), "web-app", WEB_CB, "openid");
    Map<String, String> form = codeForm(s, WEB_CB);
    form.put("client_id", "other-app");
    form.put("client_secret", otherSecret);
    var res = exchange(null, form);
    assertThat(res.statusCode()).isEqualTo(400);
    assertThat(res.bodyAsJsonObject().getString("error")).isEqualTo("invalid_grant");
    assertThat(exchange(basic("web-app", webSecret), codeForm(s, WEB_CB)).statusCode())
        .as("the mismatch did not burn the owner's code").isEqualTo(200);
  }

  @ParameterizedTest
  @ValueSource(strings = {WEB_CB2, WEB_CB + "/extra", WEB_CB + "?x=1", "https://app.example.com/callback/", ""})
  @DisplayName("The token request's redirect_uri must be exactly the authorization request's")
  void wrongRedirectAtToken(String redirect) {
    Signed s = signIn(server.server().newUser("rd"), "web-app", WEB_CB, "openid");
    Map<String, String> form = codeForm(s, redirect);
    if (redirect.isEmpty()) {
      form.remove("redirect_uri");
    }
    var res = exchange(basic("web-app", webSecret), form);
    assertThat(res.statusCode()).isEqualTo(400);
    assertThat(res.bodyAsJsonObject().getString("error")).isEqualTo("invalid_grant");
  }

  @ParameterizedTest
  @ValueSource(strings = {"missing", "wrong", "short", "challenge-itself"})
  @DisplayName("A missing, wrong or malformed code_verifier is refused")
  void badVerifier(String kind) {
    Signed s = signIn(server.server().newUser("pk"), "web-app", WEB_CB, "openid");
    Map<String, String> form = codeForm(s, WEB_CB);
    switch (kind) {
      case "missing" -> form.remove("code_verifier");
      case "wrong" -> form.put("code_verifier", CodeFlow.verifier());
      case "short" -> form.put("code_verifier", "abc");
      default -> form.put("code_verifier", s.request().get("code_challenge"));
    }
    var res = exchange(basic("web-app", webSecret), form);
    assertThat(res.statusCode()).isEqualTo(400);
    assertThat(res.bodyAsJsonObject().getString("error")).isEqualTo("invalid_grant");
  }

  @ParameterizedTest
  @ValueSource(strings = {"plain", "absent-method", "no-challenge", "bad-challenge"})
  @DisplayName("PKCE is required and only S256: plain, no method, no or a malformed challenge go back as invalid_request")
  void pkceRequired(String kind) {
    String verifier = CodeFlow.verifier();
    Map<String, String> req = request("web-app", WEB_CB, CodeFlow.challenge(verifier), "openid");
    switch (kind) {
      case "plain" -> {
        req.put("code_challenge_method", "plain");
        req.put("code_challenge", verifier);
      }
      case "absent-method" -> req.remove("code_challenge_method");
      case "no-challenge" -> req.remove("code_challenge");
      default -> req.put("code_challenge", "short");
    }
    var res = browser.authorize(req, null);
    assertThat(res.statusCode()).isEqualTo(303);
    Map<String, String> q = CodeFlow.query(res.getHeader("Location"));
    assertThat(res.getHeader("Location")).startsWith(WEB_CB + "?");
    assertThat(q.get("error")).isEqualTo("invalid_request");
    assertThat(q.get("state")).isEqualTo(req.get("state"));
    assertThat(q.get("iss")).isEqualTo(issuer);
    assertThat(q).doesNotContainKey("code");
  }

  @ParameterizedTest
  @ValueSource(strings = {"https://evil.example/cb", WEB_CB + "/extra", WEB_CB + "?next=https://evil.example",
      "https://app.example.com/callback#x", "HTTPS://app.example.com/callback", "//evil.example/cb"})
  @DisplayName("An unregistered redirect_uri (other host, extra path or query) is an error page, never a redirect")
  void openRedirect(String redirect) {
    var res = browser.authorize(request("web-app", redirect, CodeFlow.challenge(CodeFlow.verifier()), "openid"), null);
    assertThat(res.statusCode()).isEqualTo(400);
    assertThat(res.getHeader("Location")).isNull();
    assertThat(res.getHeader("Content-Type")).startsWith("text/html");
    assertThat(res.bodyAsString()).doesNotContain("evil.example").doesNotContain("<form");
  }

  @Test
  @DisplayName("An unknown client, or several redirect URIs and none given, is an error page, never a redirect")
  void unknownClientOrMissingRedirect() {
    var unknown = browser.authorize(request("nobody", WEB_CB, CodeFlow.challenge(CodeFlow.verifier()), "openid"), null);
    assertThat(unknown.statusCode()).isEqualTo(400);
    assertThat(unknown.getHeader("Location")).isNull();
    var severalNone = browser.authorize(request("web-app", null, CodeFlow.challenge(CodeFlow.verifier()), "openid"), null);
    assertThat(severalNone.statusCode()).isEqualTo(400);
    assertThat(severalNone.getHeader("Location")).isNull();
    var oneNone = browser.authorize(request("other-app", null, CodeFlow.challenge(CodeFlow.verifier()), "openid"), null);
    assertThat(oneNone.statusCode()).as("a client with one redirect URI may leave it out").isEqualTo(200);
  }

  @Test
  @DisplayName("Other errors go back to the client: unsupported response_type, a scope beyond the client's")
  void redirectedErrors() {
    Map<String, String> req = request("web-app", WEB_CB, CodeFlow.challenge(CodeFlow.verifier()), "openid admin");
    assertThat(CodeFlow.query(browser.authorize(req, null).getHeader("Location")).get("error")).isEqualTo("invalid_scope");
    req = request("web-app", WEB_CB, CodeFlow.challenge(CodeFlow.verifier()), "openid");
    req.put("response_type", "token");
    assertThat(CodeFlow.query(browser.authorize(req, null).getHeader("Location")).get("error"))
        .isEqualTo("unsupported_response_type");
  }

  @Test
  @DisplayName("The sign-in page: inputs username and password, strict CSP, no framing, no cache, no referrer, no script")
  void pageHeaders() {
    var page = browser.authorize(request("web-app", WEB_CB, CodeFlow.challenge(CodeFlow.verifier()), "openid"), null);
    assertThat(page.statusCode()).isEqualTo(200);
    assertThat(page.getHeader("Content-Type")).startsWith("text/html");
    String csp = page.getHeader("Content-Security-Policy");
    assertThat(csp).contains("default-src 'none'").contains("frame-ancestors 'none'")
        .contains("form-action 'self' https://app.example.com").doesNotContain("unsafe-inline").doesNotContain("script-src");
    assertThat(page.getHeader("X-Frame-Options")).isEqualTo("DENY");
    assertThat(page.getHeader("Cache-Control")).isEqualTo("no-store");
    assertThat(page.getHeader("Referrer-Policy")).isEqualTo("no-referrer");
    String html = page.bodyAsString();
    assertThat(CodeFlow.inputNames(html)).contains("username", "password", "csrf_token");
    assertThat(html).doesNotContain("<script").doesNotContain("<iframe");
    assertThat(CodeFlow.formAction(html)).startsWith("/oauth2/");
  }

  @ParameterizedTest
  @ValueSource(strings = {"missing", "wrong", "another-request"})
  @DisplayName("The sign-in form without its CSRF token, with a wrong one or with another request's is refused")
  void csrf(String kind) {
    TestUser user = server.server().newUser("csrf");
    var page = browser.authorize(request("web-app", WEB_CB, CodeFlow.challenge(CodeFlow.verifier()), "openid"), null);
    var other = browser.authorize(request("web-app", WEB_CB, CodeFlow.challenge(CodeFlow.verifier()), "openid"), null);
    Map<String, String> form = CodeFlow.hiddenFields(page.bodyAsString());
    switch (kind) {
      case "missing" -> form.remove("csrf_token");
      case "wrong" -> form.put("csrf_token", CodeFlow.verifier());
      default -> form.put("csrf_token", CodeFlow.hiddenFields(other.bodyAsString()).get("csrf_token"));
    }
    form.put("username", user.name());
    form.put("password", user.password());
    var res = browser.post(CodeFlow.formAction(page.bodyAsString()), form);
    assertThat(res.statusCode()).isEqualTo(403);
    assertThat(res.getHeader("Location")).isNull();
    assertThat(CodeFlow.sessionCookie(res)).isNull();
    assertThat(browser.signIn(page, user.name(), user.password()).statusCode())
        .as("the real form still works").isEqualTo(303);
  }

  @Test
  @DisplayName("state comes back exactly, odd characters and all")
  void stateEchoed() {
    String state = "a b+c&d=e%20f/ü?#'\"<>;,\\~";
    Map<String, String> req = request("web-app", WEB_CB, CodeFlow.challenge(CodeFlow.verifier()), "openid");
    req.put("state", state);
    TestUser user = server.server().newUser("st");
    var page = browser.authorize(req, null);
    assertThat(page.bodyAsString()).doesNotContain(state);
    var res = browser.signIn(page, user.name(), user.password());
    assertThat(CodeFlow.query(res.getHeader("Location")).get("state")).isEqualTo(state);
    req.put("response_type", "token");
    assertThat(CodeFlow.query(browser.authorize(req, null).getHeader("Location")).get("state")).isEqualTo(state);
  }

  @Test
  @DisplayName("A wrong password and an unknown name get the same page and status, and the form can be retried")
  void badCredentialsGeneric() {
    TestUser user = server.server().newUser("bad");
    var page = browser.authorize(request("web-app", WEB_CB, CodeFlow.challenge(CodeFlow.verifier()), "openid"), null);
    var wrong = browser.signIn(page, user.name(), "not-the-password");
    var unknown = browser.signIn(page, "nobody-" + user.name(), "not-the-password");
    assertThat(wrong.statusCode()).isEqualTo(401).isEqualTo(unknown.statusCode());
    assertThat(wrong.bodyAsString()).contains("Invalid username or password");
    assertThat(unknown.bodyAsString()).contains("Invalid username or password");
    assertThat(wrong.bodyAsString().replace(user.name(), "")).isEqualTo(unknown.bodyAsString().replace("nobody-" + user.name(), ""));
    assertThat(browser.signIn(page, user.name(), user.password()).statusCode()).isEqualTo(303);
  }

  @Test
  @DisplayName("The sign-in page locks a name out like /auth/login: 429 with Retry-After, even for the right password")
  void lockout() {
    TestUser user = server.server().newUser("lock");
    var page = browser.authorize(request("web-app", WEB_CB, CodeFlow.challenge(CodeFlow.verifier()), "openid"), null);
    for (int i = 0; i < 3; i++) {
      assertThat(browser.signIn(page, user.name(), "wrong-" + i).statusCode()).isEqualTo(401);
    }
    var locked = browser.signIn(page, user.name(), user.password());
    assertThat(locked.statusCode()).isEqualTo(429);
    assertThat(locked.getHeader("Retry-After")).isNotNull();
    assertThat(locked.getHeader("Location")).isNull();
    assertThat(server.http().login(user.name(), user.password()).statusCode())
        .as("the same lock as /auth/login").isEqualTo(429);
  }

  @Test
  @DisplayName("With the session cookie another client signs in without the password; prompt=login asks again; prompt=none without one is login_required")
  void signInSession() {
    Signed s = signIn(server.server().newUser("sso"), "web-app", WEB_CB, "openid");
    String cookie = s.cookie();
    assertThat(cookie).isNotNull();
    Map<String, String> req = request("other-app", OTHER_CB, CodeFlow.challenge(CodeFlow.verifier()), "openid");
    var direct = browser.authorize(req, cookie);
    assertThat(direct.statusCode()).isEqualTo(303);
    Map<String, String> q = CodeFlow.query(direct.getHeader("Location"));
    assertThat(q.get("code")).isNotBlank();
    assertThat(q.get("state")).isEqualTo(req.get("state"));

    req.put("prompt", "login");
    assertThat(browser.authorize(req, cookie).statusCode()).isEqualTo(200);
    req.put("prompt", "none");
    assertThat(browser.authorize(req, cookie).statusCode()).isEqualTo(303);
    var none = browser.authorize(req, null);
    assertThat(none.statusCode()).isEqualTo(303);
    assertThat(CodeFlow.query(none.getHeader("Location")).get("error")).isEqualTo("login_required");
    req.remove("prompt");
    assertThat(browser.authorize(req, "signin_session=forged").statusCode()).as("an unknown cookie").isEqualTo(200);
  }

  @Test
  @DisplayName("Logout ends the sign-in session and the sessions it created; post_logout_redirect_uri must be registered")
  void logout() {
    Signed s = signIn(server.server().newUser("out"), "web-app", WEB_CB, "openid");
    JsonObject tokens = webTokens(s);
    var evil = server.http().web().get(server.authPort(), "127.0.0.1", "/oauth2/logout")
        .addQueryParam("client_id", "web-app").addQueryParam("post_logout_redirect_uri", "https://evil.example/")
        .followRedirects(false).putHeader("Cookie", s.cookie()).send().await();
    assertThat(evil.statusCode()).isEqualTo(400);
    assertThat(evil.getHeader("Location")).isNull();
    assertThat(server.http().me(tokens.getString("access_token")).statusCode()).as("nothing ended").isEqualTo(200);

    var out = server.http().web().get(server.authPort(), "127.0.0.1", "/oauth2/logout")
        .addQueryParam("id_token_hint", tokens.getString("id_token")).addQueryParam("post_logout_redirect_uri", WEB_CB2)
        .addQueryParam("state", "bye now").followRedirects(false).putHeader("Cookie", s.cookie()).send().await();
    assertThat(out.statusCode()).isEqualTo(303);
    assertThat(out.getHeader("Location")).isEqualTo(WEB_CB2 + "?state=bye%20now");
    assertThat(server.http().me(tokens.getString("access_token")).statusCode()).isEqualTo(401);
    assertThat(exchange(basic("web-app", webSecret), Map.of("grant_type", "refresh_token",
        "refresh_token", tokens.getString("refresh_token"))).statusCode()).isEqualTo(400);
    assertThat(browser.authorize(request("web-app", WEB_CB, CodeFlow.challenge(CodeFlow.verifier()), "openid"),
        s.cookie()).statusCode()).as("the password is asked again").isEqualTo(200);
  }

  @Test
  @DisplayName("userinfo: sub and preferred_username by scope; 403 insufficient_scope without openid; 401 with a challenge for a bad token")
  void userinfo() {
    TestUser user = server.server().newUser("ui");
    JsonObject tokens = webTokens(signIn(user, "web-app", WEB_CB, "openid profile roles"));
    var get = server.http().get(AuthClient.Origin.AUTH, "/oauth2/userinfo", tokens.getString("access_token"));
    assertThat(get.statusCode()).isEqualTo(200);
    assertThat(get.bodyAsJsonObject().getString("sub")).isEqualTo(Jwts.part(tokens.getString("id_token"), 1).getString("sub"));
    assertThat(get.bodyAsJsonObject().getString("preferred_username")).isEqualTo(user.name());
    assertThat(get.bodyAsJsonObject().getJsonArray("roles")).isNotNull();
    var post = server.http().request(io.vertx.core.http.HttpMethod.POST, AuthClient.Origin.AUTH, "/oauth2/userinfo")
        .putHeader("Authorization", "Bearer " + tokens.getString("access_token")).send().await();
    assertThat(post.statusCode()).isEqualTo(200);

    JsonObject noProfile = webTokens(signIn(server.server().newUser("ui2"), "web-app", WEB_CB, "openid"));
    var minimal = server.http().get(AuthClient.Origin.AUTH, "/oauth2/userinfo", noProfile.getString("access_token"));
    assertThat(minimal.bodyAsJsonObject().fieldNames()).containsExactly("sub");

    String loginToken = server.http().accessToken(user.name(), user.password());
    var noOpenid = server.http().get(AuthClient.Origin.AUTH, "/oauth2/userinfo", loginToken);
    assertThat(noOpenid.statusCode()).isEqualTo(403);
    assertThat(noOpenid.getHeader("WWW-Authenticate")).contains("insufficient_scope");
    var bad = server.http().get(AuthClient.Origin.AUTH, "/oauth2/userinfo", "not.a.token");
    assertThat(bad.statusCode()).isEqualTo(401);
    assertThat(bad.getHeader("WWW-Authenticate")).startsWith("Bearer").contains("invalid_token");
  }

  @Test
  @DisplayName("Discovery tells the truth: the code flow with S256, the endpoints, iss in responses")
  void discovery() {
    JsonObject d = server.http().get(AuthClient.Origin.AUTH, "/.well-known/openid-configuration").bodyAsJsonObject();
    assertThat(d.getString("issuer")).isEqualTo(issuer);
    assertThat(d.getString("authorization_endpoint")).isEqualTo(issuer + "/oauth2/authorize");
    assertThat(d.getString("token_endpoint")).isEqualTo(issuer + "/oauth2/token");
    assertThat(d.getString("userinfo_endpoint")).isEqualTo(issuer + "/oauth2/userinfo");
    assertThat(d.getString("end_session_endpoint")).isEqualTo(issuer + "/oauth2/logout");
    assertThat(d.getJsonArray("response_types_supported")).containsExactly("code");
    assertThat(d.getJsonArray("response_modes_supported")).containsExactly("query");
    assertThat(d.getJsonArray("code_challenge_methods_supported")).containsExactly("S256");
    assertThat(d.getJsonArray("grant_types_supported")).contains("authorization_code", "refresh_token", "client_credentials");
    assertThat(d.getJsonArray("token_endpoint_auth_methods_supported")).contains("client_secret_basic", "client_secret_post", "none");
    assertThat(d.getJsonArray("subject_types_supported")).containsExactly("public");
    assertThat(d.getJsonArray("scopes_supported")).contains("openid", "profile");
    assertThat(d.getJsonArray("claims_supported")).contains("sub", "iss", "aud", "nonce", "at_hash", "sid", "auth_time");
    assertThat(d.getBoolean("authorization_response_iss_parameter_supported")).isTrue();
    assertThat(d.getJsonArray("id_token_signing_alg_values_supported")).contains("RS256");
    for (String endpoint : List.of("authorization_endpoint", "userinfo_endpoint", "end_session_endpoint")) {
      String path = d.getString(endpoint).substring(issuer.length());
      assertThat(server.http().get(AuthClient.Origin.AUTH, path).statusCode()).as(endpoint).isNotIn(404, 405);
    }
  }

  @ParameterizedTest
  @ValueSource(strings = {"http://app.example.com/cb", "https://app.example.com/cb#frag", "https://*.example.com/cb",
      "/relative/cb", "app.example.com/cb", "javascript:alert(1)", "https://user@app.example.com/cb"})
  @DisplayName("Registration refuses redirect URIs that are not absolute https (or http to loopback), or have a fragment or wildcard")
  void badRedirectUris(String uri) {
    var res = server.http().post("/admin/clients", server.server().adminToken(), new JsonObject()
        .put("client_id", "bad-uri").put("redirect_uris", new JsonArray().add(uri)));
    assertThat(res.statusCode()).isEqualTo(400);
    assertThat(res.bodyAsJsonObject().getString("error")).isEqualTo("invalid_redirect_uri");
  }

  @Test
  @DisplayName("Loopback http redirect URIs register; clients without the new fields stay client_credentials clients")
  void registrationDefaults() {
    String admin = server.server().adminToken();
    var loop = register(admin, new JsonObject().put("client_id", "native-app").put("token_endpoint_auth_method", "none")
        .put("redirect_uris", new JsonArray().add("http://localhost:8765/cb").add("http://[::1]:8765/cb")));
    assertThat(loop.getJsonArray("grant_types")).containsExactly("authorization_code", "refresh_token");
    var openid = browser.authorize(request("native-app", "http://localhost:8765/cb", CodeFlow.challenge(CodeFlow.verifier()),
        "openid"), null);
    assertThat(openid.statusCode()).as("openid needs no registration").isEqualTo(200);
    var plain = register(admin, new JsonObject().put("client_id", "plain-svc").put("scopes", new JsonArray().add("reports:read")));
    assertThat(plain.getString("client_secret")).isNotBlank();
    assertThat(plain.getJsonArray("grant_types")).containsExactly("client_credentials");
    assertThat(plain.getString("token_endpoint_auth_method")).isEqualTo("client_secret_basic");
    var cc = exchange(basic("plain-svc", plain.getString("client_secret")), Map.of("grant_type", "client_credentials"));
    assertThat(cc.statusCode()).isEqualTo(200);
    var webCc = exchange(basic("web-app", webSecret), Map.of("grant_type", "client_credentials"));
    assertThat(webCc.statusCode()).as("a code-flow client is not a client_credentials client").isEqualTo(400);
    assertThat(webCc.bodyAsJsonObject().getString("error")).isEqualTo("unauthorized_client");
    var noCode = browser.authorize(request("plain-svc", null, CodeFlow.challenge(CodeFlow.verifier()), ""), null);
    assertThat(noCode.statusCode()).isEqualTo(400);
    assertThat(noCode.getHeader("Location")).isNull();
  }

  @Test
  @DisplayName("The sign-in form posted as a browser posts it under Referrer-Policy no-referrer (Origin: null) works")
  void originNull() {
    TestUser user = server.server().newUser("null");
    var page = browser.authorize(request("web-app", WEB_CB, CodeFlow.challenge(CodeFlow.verifier()), "openid"), null);
    io.vertx.core.MultiMap form = io.vertx.core.MultiMap.caseInsensitiveMultiMap();
    CodeFlow.hiddenFields(page.bodyAsString()).forEach(form::add);
    form.add("username", user.name()).add("password", user.password());
    var res = server.http().web().post(server.authPort(), "127.0.0.1", CodeFlow.formAction(page.bodyAsString()))
        .putHeader("Origin", "null").followRedirects(false).sendForm(form).await();
    assertThat(res.statusCode()).as(res.bodyAsString()).isEqualTo(303);
  }

  @Test
  @DisplayName("redirect_uri left out of the authorization request (one registered) may be left out of the token request, not changed")
  void redirectUriLeftOut() {
    Signed s = signIn(server.server().newUser("one"), "other-app", null, "openid");
    assertThat(s.redirect().getHeader("Location")).startsWith(OTHER_CB + "?code=");
    Map<String, String> form = codeForm(s, OTHER_CB + "/x");
    form.put("client_id", "other-app");
    form.put("client_secret", otherSecret);
    assertThat(exchange(null, form).statusCode()).isEqualTo(400);
    form.remove("redirect_uri");
    var res = exchange(null, form);
    assertThat(res.statusCode()).as(res.bodyAsString()).isEqualTo(200);
  }

  @Test
  @DisplayName("An administrator ending a user's sessions ends the browser's sign-in session too")
  void adminEndsSignInSession() {
    TestUser user = server.server().newUser("end");
    Signed s = signIn(user, "web-app", WEB_CB, "openid");
    Map<String, String> req = request("other-app", OTHER_CB, CodeFlow.challenge(CodeFlow.verifier()), "openid");
    assertThat(browser.authorize(req, s.cookie()).statusCode()).isEqualTo(303);
    var ended = server.http().request(io.vertx.core.http.HttpMethod.DELETE, AuthClient.Origin.AUTH,
        "/admin/users/" + user.name() + "/sessions").putHeader("Authorization", "Bearer " + server.server().adminToken())
        .send().await();
    assertThat(ended.statusCode()).isEqualTo(204);
    assertThat(browser.authorize(req, s.cookie()).statusCode()).as("the password is asked again").isEqualTo(200);
  }
}
