package dev.jwtauth.issuer;

import dev.jwtauth.testsupport.AuthClient.Origin;
import dev.jwtauth.testsupport.Jwts;
import dev.jwtauth.testsupport.TestServer;
import dev.jwtauth.testsupport.TestUser;
import io.vertx.core.buffer.Buffer;
import io.vertx.core.http.HttpMethod;
import io.vertx.core.json.JsonArray;
import io.vertx.core.json.JsonObject;
import io.vertx.ext.web.client.HttpResponse;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.DisplayName;
import org.junit.jupiter.api.Test;

import java.util.List;
import java.util.UUID;

import static org.assertj.core.api.Assertions.assertThat;

@DisplayName("User administration: list, read, roles, disable, enable, delete, password reset, sessions; effects at once")
class AdminUsersTest {
  static TestServer server;
  static String admin;

  @BeforeAll
  static void start() {
    server = TestServer.start();
    admin = server.adminToken();
  }

  @AfterAll
  static void stop() {
    server.close();
  }

  static HttpResponse<Buffer> send(HttpMethod method, String path, String token, JsonObject body) {
    var req = server.http().request(method, Origin.AUTH, path);
    if (token != null) {
      req.putHeader("Authorization", "Bearer " + token);
    }
    return (body == null ? req.send() : req.sendJsonObject(body)).await();
  }

  static HttpResponse<Buffer> send(HttpMethod method, String path) {
    return send(method, path, admin, null);
  }

  /** The audit events of that kind for that user, once {@code n} have been stored (they are written asynchronously). */
  static JsonArray audit(String event, String username, int n) {
    long deadline = System.nanoTime() + 5_000_000_000L;
    while (true) {
      JsonArray events = server.http().get(Origin.AUTH, "/admin/audit?event=" + event + "&username=" + username, admin)
          .bodyAsJsonObject().getJsonArray("events");
      if (events.size() >= n || System.nanoTime() > deadline) {
        return events;
      }
      Thread.onSpinWait();
    }
  }

  @Test
  @DisplayName("GET /admin/users filters by part of the name and pages with limit and offset; total counts all matches")
  void listAndPage() {
    String prefix = "lst" + UUID.randomUUID().toString().substring(0, 6);
    server.newUser(prefix + "-a", "user");
    server.newUser(prefix + "-b", "user");
    server.newUser(prefix + "-c", "user");

    var first = send(HttpMethod.GET, "/admin/users?q=" + prefix.toUpperCase() + "&limit=2&offset=0").bodyAsJsonObject();
    var second = send(HttpMethod.GET, "/admin/users?q=" + prefix + "&limit=2&offset=2").bodyAsJsonObject();

    assertThat(first.getLong("total")).isEqualTo(3);
    assertThat(first.getJsonArray("users")).hasSize(2);
    assertThat(second.getJsonArray("users")).hasSize(1);
    List<String> names = List.of(first.getJsonArray("users").getJsonObject(0).getString("username"),
        first.getJsonArray("users").getJsonObject(1).getString("username"),
        second.getJsonArray("users").getJsonObject(0).getString("username"));
    assertThat(names).isSorted().allMatch(n -> n.startsWith(prefix));
    assertThat(first.getJsonArray("users").getJsonObject(0).containsKey("password_hash")).isFalse();
    assertThat(send(HttpMethod.GET, "/admin/users?limit=0").statusCode()).isEqualTo(400);
    assertThat(send(HttpMethod.GET, "/admin/users?offset=x").statusCode()).isEqualTo(400);
    assertThat(send(HttpMethod.GET, "/admin/users", null, null).statusCode()).isEqualTo(401);
  }

  @Test
  @DisplayName("GET /admin/users/{username}: id, roles, disabled, created_at, never the hash; 404 not_found for an unknown name")
  void getOne() {
    TestUser u = server.newUser("get", "user", "reports");

    var res = send(HttpMethod.GET, "/admin/users/" + u.name().toUpperCase());

    assertThat(res.statusCode()).isEqualTo(200);
    JsonObject body = res.bodyAsJsonObject();
    assertThat(body.fieldNames()).containsExactlyInAnyOrder("id", "username", "roles", "disabled", "created_at");
    assertThat(body.getString("username")).isEqualTo(u.name());
    assertThat(body.getJsonArray("roles").getList()).containsExactly("user", "reports");
    assertThat(body.getBoolean("disabled")).isFalse();
    assertThat(body.getLong("created_at")).isPositive();
    var missing = send(HttpMethod.GET, "/admin/users/nobody-" + UUID.randomUUID());
    assertThat(missing.statusCode()).isEqualTo(404);
    assertThat(missing.bodyAsJsonObject().getString("error")).isEqualTo("not_found");
  }

  @Test
  @DisplayName("A non-admin token gets 403 on every user administration route")
  void adminOnly() {
    TestUser u = server.newUser("plain", "user");
    String token = server.accessToken(u.name(), u.password());

    assertThat(send(HttpMethod.GET, "/admin/users", token, null).statusCode()).isEqualTo(403);
    assertThat(send(HttpMethod.POST, "/admin/users/" + u.name() + "/disable", token, null).statusCode()).isEqualTo(403);
    assertThat(send(HttpMethod.DELETE, "/admin/users/" + u.name() + "/sessions", token, null).statusCode()).isEqualTo(403);
  }

  @Test
  @DisplayName("Disabling a user refuses its access token at /api/me at once and its refresh token; enabling lets it log in again")
  void disableIsImmediate() {
    TestUser u = server.newUser("dis", "user");
    JsonObject tokens = server.http().tokens(u.name(), u.password());
    assertThat(server.http().me(tokens.getString("access_token")).statusCode()).isEqualTo(200);

    assertThat(send(HttpMethod.POST, "/admin/users/" + u.name() + "/disable").statusCode()).isEqualTo(204);

    assertThat(server.http().me(tokens.getString("access_token")).statusCode()).isEqualTo(401);
    assertThat(server.http().refresh(tokens.getString("refresh_token")).statusCode()).isEqualTo(401);
    assertThat(server.login(u.name(), u.password()).statusCode()).isEqualTo(401);
    assertThat(send(HttpMethod.GET, "/admin/users/" + u.name()).bodyAsJsonObject().getBoolean("disabled")).isTrue();
    assertThat(audit("user_disabled", u.name(), 1)).hasSize(1);

    assertThat(send(HttpMethod.POST, "/admin/users/" + u.name() + "/enable").statusCode()).isEqualTo(204);
    assertThat(server.login(u.name(), u.password()).statusCode()).isEqualTo(200);
    assertThat(audit("user_enabled", u.name(), 1)).hasSize(1);
    assertThat(send(HttpMethod.POST, "/admin/users/nobody-x/disable").statusCode()).isEqualTo(404);
  }

  @Test
  @DisplayName("PATCH roles: removing a role refuses the old token at once; adding one keeps it; bad bodies are 400")
  void roles() {
    TestUser u = server.newUser("rol", "user", "reports");
    String token = server.accessToken(u.name(), u.password());
    String path = "/admin/users/" + u.name();

    var added = send(HttpMethod.PATCH, path, admin, new JsonObject().put("roles", new JsonArray().add("user").add("reports").add("ops")));
    assertThat(added.statusCode()).isEqualTo(200);
    assertThat(added.bodyAsJsonObject().getJsonArray("roles").getList()).containsExactly("user", "reports", "ops");
    assertThat(server.http().me(token).statusCode()).isEqualTo(200);

    var removed = send(HttpMethod.PATCH, path, admin, new JsonObject().put("roles", new JsonArray().add("user")));
    assertThat(removed.statusCode()).isEqualTo(200);
    assertThat(server.http().me(token).statusCode()).isEqualTo(401);
    assertThat(audit("user_roles_changed", u.name(), 2)).hasSize(2);

    assertThat(send(HttpMethod.PATCH, path, admin, new JsonObject().put("roles", "user")).statusCode()).isEqualTo(400);
    assertThat(send(HttpMethod.PATCH, path, admin, new JsonObject().put("roles", new JsonArray().add("Bad Role")))
        .statusCode()).isEqualTo(400);
    assertThat(send(HttpMethod.PATCH, path, admin, new JsonObject().put("disabled", true)).statusCode()).isEqualTo(400);
    assertThat(send(HttpMethod.PATCH, "/admin/users/nobody-y", admin, new JsonObject().put("roles", new JsonArray()))
        .statusCode()).isEqualTo(404);
  }

  @Test
  @DisplayName("DELETE removes the user and refuses its tokens at once; a second DELETE is 404")
  void delete() {
    TestUser u = server.newUser("del", "user");
    JsonObject tokens = server.http().tokens(u.name(), u.password());

    assertThat(send(HttpMethod.DELETE, "/admin/users/" + u.name()).statusCode()).isEqualTo(204);

    assertThat(server.http().me(tokens.getString("access_token")).statusCode()).isEqualTo(401);
    assertThat(server.http().refresh(tokens.getString("refresh_token")).statusCode()).isEqualTo(401);
    assertThat(server.login(u.name(), u.password()).statusCode()).isEqualTo(401);
    assertThat(send(HttpMethod.GET, "/admin/users/" + u.name()).statusCode()).isEqualTo(404);
    assertThat(send(HttpMethod.DELETE, "/admin/users/" + u.name()).statusCode()).isEqualTo(404);
    assertThat(audit("user_deleted", u.name(), 1)).hasSize(1);
  }

  @Test
  @DisplayName("An admin cannot disable, delete or drop the admin role of their own account (409 conflict)")
  void notYourself() {
    var disable = send(HttpMethod.POST, "/admin/users/admin/disable");
    var delete = send(HttpMethod.DELETE, "/admin/users/admin");
    var demote = send(HttpMethod.PATCH, "/admin/users/admin", admin, new JsonObject().put("roles", new JsonArray().add("user")));

    for (var res : List.of(disable, delete, demote)) {
      assertThat(res.statusCode()).isEqualTo(409);
      assertThat(res.bodyAsJsonObject().getString("error")).isEqualTo("conflict");
      assertThat(res.bodyAsJsonObject().getString("error_description")).startsWith("An admin cannot");
    }
    assertThat(server.http().me(admin).statusCode()).isEqualTo(200);
    assertThat(server.login("admin", TestServer.ADMIN_PASSWORD).statusCode()).isEqualTo(200);
  }

  @Test
  @DisplayName("Password reset: old password and sessions end at once; the one-time token sets a policy-checked new password once")
  void passwordReset() {
    TestUser u = server.newUser("rst", "user");
    JsonObject tokens = server.http().tokens(u.name(), u.password());

    var reset = send(HttpMethod.POST, "/admin/users/" + u.name() + "/password-reset");

    assertThat(reset.statusCode()).isEqualTo(200);
    assertThat(reset.getHeader("Cache-Control")).isEqualTo("no-store");
    String resetToken = reset.bodyAsJsonObject().getString("reset_token");
    assertThat(reset.bodyAsJsonObject().getLong("expires_in")).isEqualTo(86_400);
    assertThat(server.http().me(tokens.getString("access_token")).statusCode()).isEqualTo(401);
    assertThat(server.http().refresh(tokens.getString("refresh_token")).statusCode()).isEqualTo(401);
    assertThat(server.login(u.name(), u.password()).statusCode()).isEqualTo(401);

    var common = server.postJson("/auth/password-reset", null,
        new JsonObject().put("reset_token", resetToken).put("new_password", "Sunshine"));
    assertThat(common.statusCode()).isEqualTo(400);
    assertThat(common.bodyAsJsonObject().getString("error_description")).contains("most common passwords");

    String fresh = "a-brand-new-passphrase-" + u.name();
    var done = server.postJson("/auth/password-reset", null,
        new JsonObject().put("reset_token", resetToken).put("new_password", fresh));
    assertThat(done.statusCode()).isEqualTo(204);
    assertThat(server.login(u.name(), fresh).statusCode()).isEqualTo(200);

    var again = server.postJson("/auth/password-reset", null,
        new JsonObject().put("reset_token", resetToken).put("new_password", fresh + "-2"));
    assertThat(again.statusCode()).isEqualTo(400);
    assertThat(again.bodyAsJsonObject().getString("error")).isEqualTo("invalid_grant");
    assertThat(server.postJson("/auth/password-reset", null, new JsonObject().put("reset_token", "made-up")
        .put("new_password", fresh)).statusCode()).isEqualTo(400);
    assertThat(audit("user_password_reset", u.name(), 1)).hasSize(1);
    assertThat(audit("password_reset_completed", u.name(), 1)).hasSize(1);
  }

  @Test
  @DisplayName("Sessions: listed with sid, created, last used, client; one ended (its token refused), then all ended")
  void sessions() {
    TestUser u = server.newUser("ses", "user");
    String first = server.accessToken(u.name(), u.password());
    String second = server.accessToken(u.name(), u.password());
    String firstSid = Jwts.part(first, 1).getString("sid");
    String secondSid = Jwts.part(second, 1).getString("sid");
    String path = "/admin/users/" + u.name() + "/sessions";

    var list = send(HttpMethod.GET, path).bodyAsJsonObject().getJsonArray("sessions");
    assertThat(list).hasSize(2);
    assertThat(list.stream().map(s -> ((JsonObject) s).getString("sid"))).containsExactlyInAnyOrder(firstSid, secondSid);
    JsonObject one = list.getJsonObject(0);
    assertThat(one.getLong("created_at")).isPositive();
    assertThat(one.getLong("last_used_at")).isGreaterThanOrEqualTo(one.getLong("created_at"));
    assertThat(one.containsKey("client_id")).isTrue();

    assertThat(send(HttpMethod.DELETE, path + "/" + firstSid).statusCode()).isEqualTo(204);
    assertThat(server.http().me(first).statusCode()).isEqualTo(401);
    assertThat(server.http().me(second).statusCode()).isEqualTo(200);
    assertThat(send(HttpMethod.GET, path).bodyAsJsonObject().getJsonArray("sessions")).hasSize(1);
    assertThat(send(HttpMethod.DELETE, path + "/" + Jwts.part(admin, 1).getString("sid")).statusCode())
        .as("another user's session").isEqualTo(404);

    assertThat(send(HttpMethod.DELETE, path).statusCode()).isEqualTo(204);
    assertThat(server.http().me(second).statusCode()).isEqualTo(401);
    assertThat(send(HttpMethod.GET, path).bodyAsJsonObject().getJsonArray("sessions")).isEmpty();
    assertThat(audit("session_ended", u.name(), 1)).hasSize(1);
    assertThat(audit("sessions_ended", u.name(), 1)).hasSize(1);
  }

  @Test
  @DisplayName("POST /admin/users refuses a common password with a clear sentence")
  void createRefusesCommon() {
    var res = server.http().createUser(admin, "common-" + UUID.randomUUID().toString().substring(0, 6), "iloveyou1", "user");

    assertThat(res.statusCode()).isEqualTo(400);
    assertThat(res.bodyAsJsonObject().getString("error_description"))
        .isEqualTo("The password is one of the 10,000 most common passwords; choose another.");
  }
}
