package dev.jwtauth.issuer;

import dev.jwtauth.testsupport.TestServer;
import io.vertx.core.buffer.Buffer;
import io.vertx.core.json.JsonArray;
import io.vertx.core.json.JsonObject;
import io.vertx.ext.web.client.HttpResponse;
import io.vertx.junit5.VertxExtension;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.DisplayName;
import org.junit.jupiter.api.Named;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.ExtendWith;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.Arguments;
import org.junit.jupiter.params.provider.MethodSource;
import org.junit.jupiter.params.provider.ValueSource;

import java.util.stream.Stream;

import static org.assertj.core.api.Assertions.assertThat;
import static org.junit.jupiter.params.provider.Arguments.arguments;

@ExtendWith(VertxExtension.class)
@DisplayName("POST /auth/login and POST /admin/users enforce their input rules")
class LoginTest {
  static TestServer server;

  @BeforeAll
  static void start() {
    server = TestServer.start();
  }

  @AfterAll
  static void stop() {
    server.close();
  }

  static HttpResponse<Buffer> postLogin(String contentType, Buffer body) {
    return server.client.post(server.authPort(), "127.0.0.1", "/auth/login")
        .putHeader("Content-Type", contentType).sendBuffer(body).await();
  }

  static HttpResponse<Buffer> createUser(String bearer, JsonObject body) {
    var req = server.client.post(server.authPort(), "127.0.0.1", "/admin/users");
    if (bearer != null) {
      req.putHeader("Authorization", "Bearer " + bearer);
    }
    return req.sendJsonObject(body).await();
  }

  static JsonObject user(String username, String password, String role) {
    return new JsonObject().put("username", username).put("password", password).put("roles", new JsonArray().add(role));
  }

  static String admin() {
    return server.accessToken("admin", TestServer.ADMIN_PASSWORD);
  }

  /** The DESIGN error shape: JSON {"error","error_description"}, with no stack trace or exception name. */
  static JsonObject assertError(HttpResponse<Buffer> res, int status, String error) {
    assertThat(res.statusCode()).as("status, body %s", res.bodyAsString()).isEqualTo(status);
    assertThat(res.getHeader("Content-Type")).startsWith("application/json");
    assertThat(res.bodyAsString()).doesNotContain("at dev.", "Exception");
    JsonObject body = res.bodyAsJsonObject();
    assertThat(body.getString("error")).isEqualTo(error);
    assertThat(body.getString("error_description")).isNotBlank();
    return body;
  }

  // ---- /auth/login ----

  @Test
  @DisplayName("Unknown user and wrong password get the same 401 and byte-identical bodies")
  void unknownUserAndWrongPasswordLookTheSame() {
    var unknown = server.login("nobody-here", "some-password");
    var wrong = server.login("admin", "not-the-admin-password");

    assertError(unknown, 401, "invalid_grant");
    assertError(wrong, 401, "invalid_grant");
    assertThat(wrong.body().getBytes()).isEqualTo(unknown.body().getBytes());
  }

  @Test
  @DisplayName("The right password logs in (control for the rejections below)")
  void rightPasswordLogsIn() {
    var res = server.login("admin", TestServer.ADMIN_PASSWORD);
    assertThat(res.statusCode()).isEqualTo(200);
    assertThat(res.bodyAsJsonObject().getString("access_token")).isNotBlank();
  }

  @Test
  @DisplayName("A body that is not application/json gets 415")
  void wrongContentTypeIs415() {
    var body = new JsonObject().put("username", "admin").put("password", TestServer.ADMIN_PASSWORD);
    assertError(postLogin("text/plain", body.toBuffer()), 415, "unsupported_media_type");
  }

  @ParameterizedTest(name = "body [{0}]")
  @ValueSource(strings = {"{\"username\":", "not json", "[\"admin\",\"x\"]", "\"admin\"", "null", ""})
  @DisplayName("A body that is not a JSON object gets 400 invalid_request")
  void badJsonIs400(String body) {
    assertError(postLogin("application/json", Buffer.buffer(body)), 400, "invalid_request");
  }

  static Stream<Arguments> missingFields() {
    return Stream.of(
        arguments(Named.of("no username", new JsonObject().put("password", "some-password"))),
        arguments(Named.of("no password", new JsonObject().put("username", "admin"))),
        arguments(Named.of("empty username", new JsonObject().put("username", "").put("password", "some-password"))),
        arguments(Named.of("empty password", new JsonObject().put("username", "admin").put("password", ""))),
        arguments(Named.of("username not a string", new JsonObject().put("username", 42).put("password", "x"))),
        arguments(Named.of("password not a string",
            new JsonObject().put("username", "admin").put("password", new JsonArray().add("x")))),
        arguments(Named.of("empty object", new JsonObject())));
  }

  @ParameterizedTest(name = "{0}")
  @MethodSource("missingFields")
  @DisplayName("A missing or non-string username or password gets 400 invalid_request")
  void missingFieldIs400(JsonObject body) {
    assertError(postLogin("application/json", body.toBuffer()), 400, "invalid_request");
  }

  static Stream<Arguments> tooLong() {
    return Stream.of(
        arguments(Named.of("username of 257 characters",
            new JsonObject().put("username", "a".repeat(257)).put("password", "some-password"))),
        arguments(Named.of("password of 1025 characters",
            new JsonObject().put("username", "admin").put("password", "p".repeat(1_025)))));
  }

  @ParameterizedTest(name = "{0}")
  @MethodSource("tooLong")
  @DisplayName("A username over 256 or a password over 1024 characters gets 400 invalid_request")
  void tooLongFieldIs400(JsonObject body) {
    assertError(postLogin("application/json", body.toBuffer()), 400, "invalid_request");
  }

  @Test
  @DisplayName("A body over 64 KiB gets 413")
  void oversizedBodyIs413() {
    var body = new JsonObject().put("username", "admin").put("password", "p".repeat(64 * 1024 + 1));
    assertError(postLogin("application/json", body.toBuffer()), 413, "request_too_large");
  }

  @Test
  @DisplayName("A chunked body over 64 KiB (no Content-Length) gets 413")
  void oversizedChunkedBodyIs413() {
    var body = new JsonObject().put("username", "admin").put("password", "p".repeat(64 * 1024 + 1));
    var res = server.client.post(server.authPort(), "127.0.0.1", "/auth/login")
        .putHeader("Content-Type", "application/json").putHeader("Transfer-Encoding", "chunked")
        .sendBuffer(body.toBuffer()).await();
    assertError(res, 413, "request_too_large");
  }

  @Test
  @DisplayName("A body without a Content-Type gets 415")
  void missingContentTypeIs415() {
    var body = new JsonObject().put("username", "admin").put("password", TestServer.ADMIN_PASSWORD);
    var res = server.client.post(server.authPort(), "127.0.0.1", "/auth/login").sendBuffer(body.toBuffer()).await();
    assertError(res, 415, "unsupported_media_type");
  }

  @Test
  @DisplayName("Deeply nested JSON is a 400, never a 5xx")
  void deeplyNestedJsonIs400() {
    String nested = "{\"username\":" + "[".repeat(20_000) + "]".repeat(20_000) + "}";
    assertError(postLogin("application/json", Buffer.buffer(nested)), 400, "invalid_request");
  }

  @Test
  @DisplayName("Header fields over the limit get 431 with a JSON error and Connection: close; the next login works")
  void oversizedHeaderIs431() {
    var body = new JsonObject().put("username", "admin").put("password", TestServer.ADMIN_PASSWORD);
    for (int i = 0; i < 5; i++) {
      var res = server.client.post(server.authPort(), "127.0.0.1", "/auth/login")
          .putHeader("X-Padding", "x".repeat(32 * 1024)).sendJsonObject(body).await();
      assertError(res, 431, "request_header_too_large");
      assertThat(res.getHeader("Connection")).isEqualToIgnoringCase("close");

      assertThat(server.login("admin", TestServer.ADMIN_PASSWORD).statusCode()).isEqualTo(200);
    }
  }

  @Test
  @DisplayName("An SQL-looking username is just data: 401 invalid_grant")
  void sqlLookingUsernameIs401() {
    assertError(server.login("admin' OR '1'='1", TestServer.ADMIN_PASSWORD), 401, "invalid_grant");
    assertError(server.login("admin'--", TestServer.ADMIN_PASSWORD), 401, "invalid_grant");
  }

  @ParameterizedTest(name = "{0}")
  @ValueSource(strings = {"ADMIN", "Admin", "ａｄｍｉｎ", " admin "})
  @DisplayName("Usernames are normalised (NFKC, lower case): case and full-width variants log in as admin")
  void normalisedUsernameLogsIn(String username) {
    var res = server.login(username, TestServer.ADMIN_PASSWORD);
    assertThat(res.statusCode()).as("body %s", res.bodyAsString()).isEqualTo(200);
    var me = server.getResource("/api/me", res.bodyAsJsonObject().getString("access_token"));
    assertThat(me.bodyAsJsonObject().getString("username")).isEqualTo("admin");
  }

  // ---- /admin/users ----

  @Test
  @DisplayName("/admin/users without a token gets 401 with a Bearer challenge")
  void createUserWithoutTokenIs401() {
    var res = createUser(null, user("nobody-created", "long-enough-pw", "user"));
    assertError(res, 401, "invalid_token");
    assertThat(res.getHeader("WWW-Authenticate")).startsWith("Bearer");
  }

  @Test
  @DisplayName("/admin/users with a non-admin user's token gets 403")
  void createUserAsNonAdminIs403() {
    server.createUser("carol", "carol-password", "user");
    String carol = server.accessToken("carol", "carol-password");

    var res = createUser(carol, user("carols-friend", "long-enough-pw", "admin"));
    assertError(res, 403, "insufficient_scope");
    assertThat(server.login("carols-friend", "long-enough-pw").statusCode()).isEqualTo(401);
  }

  @Test
  @DisplayName("Creating a taken username gets 409 user_exists")
  void duplicateUsernameIs409() {
    String admin = admin();
    assertThat(createUser(admin, user("bob", "bob-password", "user")).statusCode()).isEqualTo(201);

    assertError(createUser(admin, user("bob", "other-password", "admin")), 409, "user_exists");
    assertThat(server.accessToken("bob", "bob-password")).isNotBlank();
  }

  @Test
  @DisplayName("A look-alike of a taken username (\"Alice\", \"ALICE\", full-width) gets 409 user_exists")
  void lookAlikeUsernameIs409() {
    String admin = admin();
    var first = createUser(admin, user("alice", "alice-password", "user"));
    assertThat(first.statusCode()).as("body %s", first.bodyAsString()).isEqualTo(201);

    for (String lookAlike : new String[] {"Alice", "ALICE", "ａｌｉｃｅ"}) {
      assertError(createUser(admin, user(lookAlike, "other-password", "admin")), 409, "user_exists");
    }
    assertThat(server.accessToken("alice", "alice-password")).isNotBlank();
  }

  static Stream<Arguments> badUserBodies() {
    return Stream.of(
        arguments(Named.of("role name with upper case and punctuation", user("dave", "dave-password", "Admin!"))),
        arguments(Named.of("role name too long", user("dave", "dave-password", "r".repeat(65)))),
        arguments(Named.of("roles not an array", user("dave", "dave-password", "user").put("roles", "admin"))),
        arguments(Named.of("password shorter than 8", user("dave", "short", "user"))),
        arguments(Named.of("username with a space and a quote", user("dave' OR 1", "dave-password", "user"))),
        arguments(Named.of("missing password", new JsonObject().put("username", "dave"))));
  }

  @ParameterizedTest(name = "{0}")
  @MethodSource("badUserBodies")
  @DisplayName("A bad /admin/users body gets 400 invalid_request and creates nobody")
  void badUserBodyIs400(JsonObject body) {
    assertError(createUser(admin(), body), 400, "invalid_request");
    assertThat(server.login("dave", "dave-password").statusCode()).isEqualTo(401);
  }

  @Test
  @DisplayName("/admin/users with a body over 64 KiB gets 413")
  void createUserOversizedBodyIs413() {
    assertError(createUser(admin(), user("frank", "f".repeat(64 * 1024 + 1), "user")), 413, "request_too_large");
  }

  @Test
  @DisplayName("/admin/users with a wrong content type gets 415")
  void createUserWrongContentTypeIs415() {
    var res = server.client.post(server.authPort(), "127.0.0.1", "/admin/users")
        .putHeader("Authorization", "Bearer " + admin())
        .putHeader("Content-Type", "text/plain")
        .sendBuffer(user("erin", "erin-password", "user").toBuffer()).await();
    assertError(res, 415, "unsupported_media_type");
  }
}
