package dev.jwtauth.http;

import dev.jwtauth.testsupport.AuthClient;
import dev.jwtauth.testsupport.AuthClient.Origin;
import dev.jwtauth.testsupport.ServerExtension;
import dev.jwtauth.testsupport.TestServer;
import io.vertx.core.buffer.Buffer;
import io.vertx.core.http.HttpMethod;
import io.vertx.core.json.JsonObject;
import io.vertx.ext.web.client.HttpResponse;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.DisplayName;
import org.junit.jupiter.api.Named;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.Arguments;
import org.junit.jupiter.params.provider.MethodSource;
import org.junit.jupiter.params.provider.ValueSource;

import java.util.List;
import java.util.Map;
import java.util.function.Supplier;
import java.util.stream.Stream;

import static org.assertj.core.api.Assertions.assertThat;
import static org.junit.jupiter.params.provider.Arguments.arguments;

/**
 * CORS only for the configured origins ({@code CORS_ALLOWED_ORIGINS}, credentials allowed, none
 * without the setting), and the security headers: {@code X-Content-Type-Options: nosniff} on every
 * response, {@code Cache-Control: no-store} on every token response (RFC 6749 §5.1).
 */
@DisplayName("CORS for the configured origins only; nosniff on every response, no-store on token responses")
class CorsAndHeadersTest {
  static final String ORIGIN = "https://app.example.com";
  @RegisterExtension
  static final ServerExtension cors = ServerExtension.withSettings(Map.of("CORS_ALLOWED_ORIGINS", ORIGIN));
  @RegisterExtension
  static final ServerExtension plain = ServerExtension.withSettings(Map.of("CORS_ALLOWED_ORIGINS", ""));
  static String userToken;
  static String plainUserToken;

  @BeforeAll
  static void createUser() {
    cors.createUser("spa-user", "spa-user-password", "user");
    userToken = cors.http().accessToken("spa-user", "spa-user-password");
  }

  static HttpResponse<Buffer> preflight(ServerExtension server, Origin origin, String path, String from, String method,
                                        String headers) {
    return server.http().request(HttpMethod.OPTIONS, origin, path)
        .putHeader("Origin", from)
        .putHeader("Access-Control-Request-Method", method)
        .putHeader("Access-Control-Request-Headers", headers)
        .send().await();
  }

  static HttpResponse<Buffer> loginPreflight(ServerExtension server, String origin) {
    return preflight(server, Origin.AUTH, "/auth/login", origin, "POST", "content-type");
  }

  static HttpResponse<Buffer> mePreflight(ServerExtension server, String origin) {
    return preflight(server, Origin.RESOURCE, "/api/me", origin, "GET", "authorization");
  }

  static HttpResponse<Buffer> loginFrom(ServerExtension server, String origin, String password) {
    return server.http().request(HttpMethod.POST, Origin.AUTH, "/auth/login").putHeader("Origin", origin)
        .sendJsonObject(new JsonObject().put("username", "admin").put("password", password)).await();
  }

  static HttpResponse<Buffer> meFrom(ServerExtension server, String origin, String token) {
    var req = server.http().request(HttpMethod.GET, Origin.RESOURCE, "/api/me").putHeader("Origin", origin);
    if (token != null) {
      req.putHeader("Authorization", "Bearer " + token);
    }
    return req.send().await();
  }

  static void assertAllowed(HttpResponse<Buffer> res) {
    assertThat(res.statusCode()).as("status, body %s", res.bodyAsString()).isLessThan(500);
    assertThat(res.getHeader("Access-Control-Allow-Origin")).isEqualTo(ORIGIN);
    assertThat(res.getHeader("Access-Control-Allow-Credentials")).isEqualTo("true");
  }

  static void assertNoCors(HttpResponse<Buffer> res) {
    assertThat(res.statusCode()).as("status, body %s", res.bodyAsString()).isLessThan(500);
    assertThat(res.headers().names()).as("headers").noneMatch(n -> n.toLowerCase().startsWith("access-control-"));
  }

  // ---- CORS ----

  @Test
  @DisplayName("A preflight for POST /auth/login from an allowed origin is allowed, with credentials")
  void loginPreflightAllowed() {
    var res = loginPreflight(cors, ORIGIN);

    assertThat(res.statusCode()).isBetween(200, 299);
    assertAllowed(res);
    assertThat(res.getHeader("Access-Control-Allow-Methods")).contains("POST");
    assertThat(res.getHeader("Access-Control-Allow-Headers")).containsIgnoringCase("content-type");
  }

  @Test
  @DisplayName("A preflight for GET /api/me with an Authorization header from an allowed origin is allowed, with credentials")
  void mePreflightAllowed() {
    var res = mePreflight(cors, ORIGIN);

    assertThat(res.statusCode()).isBetween(200, 299);
    assertAllowed(res);
    assertThat(res.getHeader("Access-Control-Allow-Methods")).contains("GET");
    assertThat(res.getHeader("Access-Control-Allow-Headers")).containsIgnoringCase("authorization");
  }

  @Test
  @DisplayName("The actual requests from an allowed origin carry Access-Control-Allow-Origin and credentials")
  void actualRequestsAllowed() {
    var login = loginFrom(cors, ORIGIN, TestServer.ADMIN_PASSWORD);
    assertThat(login.statusCode()).isEqualTo(200);
    assertAllowed(login);

    var me = meFrom(cors, ORIGIN, userToken);
    assertThat(me.statusCode()).isEqualTo(200);
    assertAllowed(me);
  }

  @Test
  @DisplayName("Error answers to an allowed origin carry CORS headers too, so the page can read the 401 and its challenge")
  void errorsToAllowedOriginCarryCors() {
    var wrong = loginFrom(cors, ORIGIN, "not-the-password");
    assertThat(wrong.statusCode()).isEqualTo(401);
    assertAllowed(wrong);

    var noToken = meFrom(cors, ORIGIN, null);
    assertThat(noToken.statusCode()).isEqualTo(401);
    assertAllowed(noToken);
    assertThat(noToken.getHeader("Access-Control-Expose-Headers")).containsIgnoringCase("WWW-Authenticate");
  }

  @ParameterizedTest(name = "Origin {0}")
  @ValueSource(strings = {"https://evil.example.com", "http://app.example.com", "https://app.example.com.evil.com",
      "https://app.example.com:8443", "null"})
  @DisplayName("An origin not in the list gets no Access-Control-Allow-Origin, on preflights or requests, on both ports")
  void otherOriginRefused(String origin) {
    for (var res : List.of(loginPreflight(cors, origin), mePreflight(cors, origin),
        loginFrom(cors, origin, TestServer.ADMIN_PASSWORD), meFrom(cors, origin, userToken))) {
      assertThat(res.statusCode()).as("status, body %s", res.bodyAsString()).isLessThan(500);
      assertThat(res.getHeader("Access-Control-Allow-Origin")).isNull();
      assertThat(res.getHeader("Access-Control-Allow-Credentials")).isNull();
    }
  }

  @Test
  @DisplayName("Without CORS_ALLOWED_ORIGINS there are no CORS headers at all, even for a preflight")
  void noSettingNoCors() {
    String token = plain.adminToken();

    assertNoCors(loginPreflight(plain, ORIGIN));
    assertNoCors(mePreflight(plain, ORIGIN));
    assertNoCors(loginFrom(plain, ORIGIN, TestServer.ADMIN_PASSWORD));
    assertNoCors(meFrom(plain, ORIGIN, token));
  }

  // ---- security headers ----

  static Stream<Arguments> responses() {
    return Stream.of(
        arguments(Named.of("200 GET /health (auth)", (Supplier<HttpResponse<Buffer>>) () ->
            plain.http().get(Origin.AUTH, "/health")), 200),
        arguments(Named.of("200 GET /health (resource)", (Supplier<HttpResponse<Buffer>>) () ->
            plain.http().get(Origin.RESOURCE, "/health")), 200),
        arguments(Named.of("200 GET /.well-known/jwks.json", (Supplier<HttpResponse<Buffer>>) () ->
            plain.http().jwks()), 200),
        arguments(Named.of("200 GET /api/me", (Supplier<HttpResponse<Buffer>>) () ->
            plain.http().me(plain.adminToken())), 200),
        arguments(Named.of("200 POST /auth/login", (Supplier<HttpResponse<Buffer>>) () ->
            plain.http().login("admin", TestServer.ADMIN_PASSWORD)), 200),
        arguments(Named.of("401 POST /auth/login, wrong password", (Supplier<HttpResponse<Buffer>>) () ->
            plain.http().login("admin", "not-the-password")), 401),
        arguments(Named.of("401 GET /api/me without a token", (Supplier<HttpResponse<Buffer>>) () ->
            plain.http().me(null)), 401),
        arguments(Named.of("401 GET /api/me with a bad token", (Supplier<HttpResponse<Buffer>>) () ->
            plain.http().me("not.a.token")), 401),
        arguments(Named.of("403 GET /api/admin/stats as a user", (Supplier<HttpResponse<Buffer>>) () ->
            plain.http().get(Origin.RESOURCE, "/api/admin/stats", userTokenOnPlain())), 403),
        arguments(Named.of("404 unknown path (auth)", (Supplier<HttpResponse<Buffer>>) () ->
            plain.http().get(Origin.AUTH, "/no/such/path")), 404),
        arguments(Named.of("404 unknown path (resource)", (Supplier<HttpResponse<Buffer>>) () ->
            plain.http().get(Origin.RESOURCE, "/no/such/path")), 404),
        arguments(Named.of("413 POST /auth/login, body over the limit", (Supplier<HttpResponse<Buffer>>) () ->
            plain.http().login("admin", "p".repeat(70 * 1024))), 413),
        arguments(Named.of("415 POST /auth/login, text/plain", (Supplier<HttpResponse<Buffer>>) () ->
            plain.http().request(HttpMethod.POST, Origin.AUTH, "/auth/login").putHeader("Content-Type", "text/plain")
                .sendBuffer(Buffer.buffer("x")).await()), 415),
        arguments(Named.of("431 header fields over the limit", (Supplier<HttpResponse<Buffer>>) () ->
            plain.http().request(HttpMethod.GET, Origin.RESOURCE, "/health").putHeader("X-Padding", "x".repeat(32 * 1024))
                .send().await()), 431));
  }

  static String userTokenOnPlain() {
    if (plainUserToken == null) {
      plain.createUser("header-user", "header-user-password", "user");
      plainUserToken = plain.http().accessToken("header-user", "header-user-password");
    }
    return plainUserToken;
  }

  @ParameterizedTest(name = "{0}")
  @MethodSource("responses")
  @DisplayName("Every response carries X-Content-Type-Options: nosniff")
  void nosniffEverywhere(Supplier<HttpResponse<Buffer>> request, int status) {
    var res = request.get();

    assertThat(res.statusCode()).as("status, body %s", res.bodyAsString()).isEqualTo(status);
    assertThat(res.getHeader("X-Content-Type-Options")).isEqualTo("nosniff");
  }

  @Test
  @DisplayName("Token responses (login, refresh, client_credentials) carry Cache-Control: no-store")
  void tokenResponsesAreNotStored() {
    AuthClient http = plain.http();
    var login = http.login("admin", TestServer.ADMIN_PASSWORD);
    assertThat(login.statusCode()).isEqualTo(200);
    assertThat(login.getHeader("Cache-Control")).isEqualTo("no-store");
    assertThat(login.getHeader("X-Content-Type-Options")).isEqualTo("nosniff");

    var refresh = http.refresh(login.bodyAsJsonObject().getString("refresh_token"));
    assertThat(refresh.statusCode()).isEqualTo(200);
    assertThat(refresh.getHeader("Cache-Control")).isEqualTo("no-store");
    assertThat(refresh.getHeader("X-Content-Type-Options")).isEqualTo("nosniff");

    String secret = plain.server().createClient("header-client", List.of("reports"), List.of());
    var client = http.token(Map.of("grant_type", "client_credentials", "client_id", "header-client", "client_secret", secret));
    assertThat(client.statusCode()).as("body %s", client.bodyAsString()).isEqualTo(200);
    assertThat(client.getHeader("Cache-Control")).isEqualTo("no-store");
    assertThat(client.getHeader("X-Content-Type-Options")).isEqualTo("nosniff");
  }
}
