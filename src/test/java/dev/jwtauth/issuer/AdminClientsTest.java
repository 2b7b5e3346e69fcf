package dev.jwtauth.issuer;

import dev.jwtauth.testsupport.Jwts;
import dev.jwtauth.testsupport.TestServer;
import io.vertx.core.buffer.Buffer;
import io.vertx.core.json.JsonArray;
import io.vertx.core.json.JsonObject;
import io.vertx.ext.web.client.HttpResponse;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.DisplayName;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.Arguments;
import org.junit.jupiter.params.provider.MethodSource;

import java.nio.charset.StandardCharsets;
import java.util.Base64;
import java.util.List;
import java.util.Map;
import java.util.stream.Stream;

import static org.assertj.core.api.Assertions.assertThat;

@DisplayName("Clients as clients: never admin, scope in the token, listed, disabled, deleted, secret rotated")
class AdminClientsTest {
  static TestServer server;
  static String admin;

  @BeforeAll
  static void start() {
    server = TestServer.start();
    admin = server.accessToken("admin", TestServer.ADMIN_PASSWORD);
  }

  @AfterAll
  static void stop() {
    server.close();
  }

  private static HttpResponse<Buffer> clientCredentials(String id, String secret, String scope) {
    String basic = "Basic " + Base64.getEncoder().encodeToString((id + ":" + secret).getBytes(StandardCharsets.UTF_8));
    return server.postForm("/oauth2/token", basic, scope == null
        ? Map.of("grant_type", "client_credentials") : Map.of("grant_type", "client_credentials", "scope", scope));
  }

  private static HttpResponse<Buffer> post(String path) {
    return server.postJson(path, admin, new JsonObject());
  }

  private static HttpResponse<Buffer> send(String method, String path) {
    return server.client.request(io.vertx.core.http.HttpMethod.valueOf(method), server.authPort(), "127.0.0.1", path)
        .putHeader("Authorization", "Bearer " + admin).send().await();
  }

  static Stream<Arguments> badRegistrations() {
    return Stream.of(
        Arguments.of("the admin role", new JsonObject().put("client_id", "sneaky").put("roles", new JsonArray().add("admin"))),
        Arguments.of("admin among other roles", new JsonObject().put("client_id", "sneaky2")
            .put("roles", new JsonArray().add("reports").add("admin"))),
        Arguments.of("a client_id shaped like a user id", new JsonObject()
            .put("client_id", "6f1c2a9e-3b4d-4e5f-8a7b-9c0d1e2f3a4b")),
        Arguments.of("a bad client_id", new JsonObject().put("client_id", "no spaces")),
        Arguments.of("no client_id", new JsonObject().put("roles", new JsonArray())),
        Arguments.of("a bad scope", new JsonObject().put("client_id", "c1").put("scopes", new JsonArray().add("Bad Scope"))),
        Arguments.of("roles not an array", new JsonObject().put("client_id", "c2").put("roles", "reports")));
  }

  @ParameterizedTest(name = "{0}")
  @MethodSource("badRegistrations")
  @DisplayName("a bad registration is a 400 invalid_client_metadata and registers nothing")
  void badRegistrationRefused(String what, JsonObject body) {
    var res = server.postJson("/admin/clients", admin, body);

    assertThat(res.statusCode()).isEqualTo(400);
    assertThat(res.bodyAsJsonObject().getString("error")).isEqualTo("invalid_client_metadata");
    var list = send("GET", "/admin/clients").bodyAsJsonObject().getJsonArray("clients");
    assertThat(list.stream().map(c -> ((JsonObject) c).getString("client_id")))
        .doesNotContain(body.getString("client_id"));
  }

  @Test
  @DisplayName("client_credentials puts the granted scope in the access token (RFC 9068 scope claim), and /api/reports requires it")
  void scopeInToken() {
    String secret = server.createClient("reporter", List.of("reports"), List.of("reports:read", "reports:write"));

    var narrow = clientCredentials("reporter", secret, "reports:read");
    var other = clientCredentials("reporter", secret, "reports:write");
    var all = clientCredentials("reporter", secret, null);

    assertThat(narrow.statusCode()).isEqualTo(200);
    String token = narrow.bodyAsJsonObject().getString("access_token");
    JsonObject claims = Jwts.part(token, 1);
    assertThat(claims.getString("scope")).isEqualTo("reports:read");
    assertThat(claims.getString("sub")).isEqualTo("reporter");
    assertThat(claims.getString("client_id")).isEqualTo("reporter");
    assertThat(Jwts.part(all.bodyAsJsonObject().getString("access_token"), 1).getString("scope"))
        .isEqualTo("reports:read reports:write");
    assertThat(server.getResource("/api/reports", token).statusCode()).isEqualTo(200);
    var refused = server.getResource("/api/reports", other.bodyAsJsonObject().getString("access_token"));
    assertThat(refused.statusCode()).isEqualTo(403);
    assertThat(refused.getHeader("WWW-Authenticate")).contains("insufficient_scope").contains("scope=\"reports:read\"");
    var user = server.getResource("/api/reports", admin);
    assertThat(user.statusCode()).as("a user token without the scope").isEqualTo(403);
  }

  @Test
  @DisplayName("clients are listed without secrets, and read one by one")
  void listAndGet() {
    server.createClient("listed", List.of("reports"), List.of("reports:read"));

    var list = send("GET", "/admin/clients");
    var one = send("GET", "/admin/clients/listed");
    var missing = send("GET", "/admin/clients/missing");

    assertThat(list.statusCode()).isEqualTo(200);
    assertThat(list.bodyAsString()).doesNotContain("secret");
    JsonObject listed = list.bodyAsJsonObject().getJsonArray("clients").stream().map(c -> (JsonObject) c)
        .filter(c -> c.getString("client_id").equals("listed")).findFirst().orElseThrow();
    assertThat(listed.getJsonArray("roles")).containsExactly("reports");
    assertThat(listed.getBoolean("disabled")).isFalse();
    assertThat(one.statusCode()).isEqualTo(200);
    assertThat(one.bodyAsJsonObject().getJsonArray("scopes")).containsExactly("reports:read");
    assertThat(missing.statusCode()).isEqualTo(404);
  }

  @Test
  @DisplayName("a disabled client cannot authenticate and its tokens are refused at once; enabled again, it can")
  void disableAndEnable() throws Exception {
    String secret = server.createClient("toggled", List.of("reports"), List.of());
    String token = clientCredentials("toggled", secret, null).bodyAsJsonObject().getString("access_token");
    assertThat(server.getResource("/api/me", token).statusCode()).isEqualTo(200);

    assertThat(post("/admin/clients/toggled/disable").statusCode()).isEqualTo(204);

    assertThat(clientCredentials("toggled", secret, null).statusCode()).isEqualTo(401);
    assertThat(clientCredentials("toggled", secret, null).bodyAsJsonObject().getString("error")).isEqualTo("invalid_client");
    assertThat(server.getResource("/api/me", token).statusCode()).isEqualTo(401);
    var introspected = server.postForm("/oauth2/introspect", null, Map.of("token", token, "client_id", "toggled",
        "client_secret", secret));
    assertThat(introspected.statusCode()).isEqualTo(401);

    assertThat(post("/admin/clients/toggled/enable").statusCode()).isEqualTo(204);
    // tokens are cut off by their issue second: one made in the second of the disable is refused too
    server.app().vertx().timer(1_100).await();
    String fresh = clientCredentials("toggled", secret, null).bodyAsJsonObject().getString("access_token");
    assertThat(server.getResource("/api/me", fresh).statusCode()).isEqualTo(200);
    assertThat(server.getResource("/api/me", token).statusCode()).as("the old token stays revoked").isEqualTo(401);
    assertThat(post("/admin/clients/nobody/disable").statusCode()).isEqualTo(404);
  }

  @Test
  @DisplayName("a deleted client is gone: 401 for its secret, its tokens refused, 404 afterwards")
  void delete() {
    String secret = server.createClient("doomed", List.of("reports"), List.of());
    String token = clientCredentials("doomed", secret, null).bodyAsJsonObject().getString("access_token");

    assertThat(send("DELETE", "/admin/clients/doomed").statusCode()).isEqualTo(204);

    assertThat(clientCredentials("doomed", secret, null).statusCode()).isEqualTo(401);
    assertThat(server.getResource("/api/me", token).statusCode()).isEqualTo(401);
    assertThat(send("GET", "/admin/clients/doomed").statusCode()).isEqualTo(404);
    assertThat(send("DELETE", "/admin/clients/doomed").statusCode()).isEqualTo(404);
  }

  @Test
  @DisplayName("a rotated secret replaces the old one at once")
  void rotateSecret() {
    String old = server.createClient("rotating", List.of("reports"), List.of());

    var rotated = post("/admin/clients/rotating/secret");

    assertThat(rotated.statusCode()).isEqualTo(200);
    assertThat(rotated.getHeader("Cache-Control")).isEqualTo("no-store");
    String fresh = rotated.bodyAsJsonObject().getString("client_secret");
    assertThat(fresh).isNotEqualTo(old).hasSizeGreaterThanOrEqualTo(43);
    assertThat(clientCredentials("rotating", old, null).statusCode()).isEqualTo(401);
    assertThat(clientCredentials("rotating", fresh, null).statusCode()).isEqualTo(200);
    assertThat(post("/admin/clients/nobody/secret").statusCode()).isEqualTo(404);
  }

  @Test
  @DisplayName("client administration needs the admin role: a user token gets 403, no token 401")
  void needsAdmin() {
    server.createUser("plain-user", "plain-password", "user");
    String user = server.accessToken("plain-user", "plain-password");

    var asUser = server.client.get(server.authPort(), "127.0.0.1", "/admin/clients")
        .putHeader("Authorization", "Bearer " + user).send().await();
    var anonymous = server.client.post(server.authPort(), "127.0.0.1", "/admin/clients/x/disable").send().await();

    assertThat(asUser.statusCode()).isEqualTo(403);
    assertThat(anonymous.statusCode()).isEqualTo(401);
  }
}
