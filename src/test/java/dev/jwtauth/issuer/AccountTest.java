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

import java.util.Map;

import static org.assertj.core.api.Assertions.assertThat;

@DisplayName("Self-service: own profile and sessions, own password change (current one needed, other sessions end), end own session")
class AccountTest {
  static TestServer server;

  @BeforeAll
  static void start() {
    server = TestServer.start(Map.of("LOCKOUT_THRESHOLD", 2, "LOCKOUT_SECONDS", 300));
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

  static HttpResponse<Buffer> change(String token, String current, String next) {
    return send(HttpMethod.POST, "/account/password", token,
        new JsonObject().put("current_password", current).put("new_password", next));
  }

  @Test
  @DisplayName("GET /account: own profile, roles and live sessions, the caller's marked current; no token is 401")
  void profile() {
    TestUser u = server.newUser("acc", "user", "reports");
    String other = server.accessToken(u.name(), u.password());
    String token = server.accessToken(u.name(), u.password());

    var res = send(HttpMethod.GET, "/account", token, null);

    assertThat(res.statusCode()).isEqualTo(200);
    JsonObject body = res.bodyAsJsonObject();
    assertThat(body.getString("username")).isEqualTo(u.name());
    assertThat(body.getJsonArray("roles").getList()).containsExactly("user", "reports");
    assertThat(body.containsKey("password_hash")).isFalse();
    JsonArray sessions = body.getJsonArray("sessions");
    assertThat(sessions).hasSize(2);
    String sid = Jwts.part(token, 1).getString("sid");
    for (Object o : sessions) {
      JsonObject s = (JsonObject) o;
      assertThat(s.getBoolean("current")).isEqualTo(s.getString("sid").equals(sid));
    }
    assertThat(send(HttpMethod.GET, "/account", null, null).statusCode()).isEqualTo(401);
    assertThat(send(HttpMethod.GET, "/account", "not-a-token", null).getHeader("WWW-Authenticate"))
        .contains("invalid_token");
    assertThat(server.http().me(other).statusCode()).isEqualTo(200);
  }

  @Test
  @DisplayName("Changing one's password needs the current one, ends the other sessions and keeps the caller's")
  void changePassword() {
    TestUser u = server.newUser("chg", "user");
    JsonObject otherPair = server.http().tokens(u.name(), u.password());
    String token = server.accessToken(u.name(), u.password());
    String fresh = "new-passphrase-of-" + u.name();

    var wrong = change(token, "not-the-password", fresh);
    assertThat(wrong.statusCode()).isEqualTo(401);
    assertThat(wrong.bodyAsJsonObject().getString("error")).isEqualTo("invalid_grant");

    var ok = change(token, u.password(), fresh);
    assertThat(ok.statusCode()).isEqualTo(204);
    assertThat(server.http().me(token).statusCode()).as("the caller's session goes on").isEqualTo(200);
    assertThat(server.http().me(otherPair.getString("access_token")).statusCode()).isEqualTo(401);
    assertThat(server.http().refresh(otherPair.getString("refresh_token")).statusCode()).isEqualTo(401);
    assertThat(server.login(u.name(), u.password()).statusCode()).isEqualTo(401);
    assertThat(server.login(u.name(), fresh).statusCode()).isEqualTo(200);
  }

  @Test
  @DisplayName("The new password follows the policy: too short or common is 400 with the sentence, nothing changes")
  void policy() {
    TestUser u = server.newUser("pol", "user");
    String token = server.accessToken(u.name(), u.password());

    var short7 = change(token, u.password(), "Ab1!xyz");
    var common = change(token, u.password(), "Qwerty123");

    assertThat(short7.statusCode()).isEqualTo(400);
    assertThat(short7.bodyAsJsonObject().getString("error_description")).contains("at least 8 characters");
    assertThat(common.statusCode()).isEqualTo(400);
    assertThat(common.bodyAsJsonObject().getString("error_description")).contains("10,000 most common passwords");
    assertThat(change(token, u.password(), "z".repeat(80)).statusCode()).as("64+ characters").isEqualTo(204);
  }

  @Test
  @DisplayName("Wrong current passwords count toward the login lockout: after LOCKOUT_THRESHOLD the answer is 429")
  void lockout() {
    TestUser u = server.newUser("lck", "user");
    String token = server.accessToken(u.name(), u.password());
    String fresh = "new-passphrase-of-" + u.name();

    assertThat(change(token, "wrong-one-1", fresh).statusCode()).isEqualTo(401);
    assertThat(change(token, "wrong-one-2", fresh).statusCode()).isEqualTo(401);

    var locked = change(token, u.password(), fresh);
    assertThat(locked.statusCode()).isEqualTo(429);
    assertThat(locked.getHeader("Retry-After")).isNotNull();
    assertThat(server.login(u.name(), u.password()).statusCode()).as("the same lock as login").isEqualTo(429);
  }

  @Test
  @DisplayName("DELETE /account/sessions/{sid} ends one's own session; someone else's is 404 and keeps working")
  void endOwnSession() {
    TestUser u = server.newUser("end", "user");
    TestUser v = server.newUser("oth", "user");
    String mine = server.accessToken(u.name(), u.password());
    String mySecond = server.accessToken(u.name(), u.password());
    String theirs = server.accessToken(v.name(), v.password());

    var foreign = send(HttpMethod.DELETE, "/account/sessions/" + Jwts.part(theirs, 1).getString("sid"), mine, null);
    assertThat(foreign.statusCode()).isEqualTo(404);
    assertThat(server.http().me(theirs).statusCode()).isEqualTo(200);

    var ended = send(HttpMethod.DELETE, "/account/sessions/" + Jwts.part(mySecond, 1).getString("sid"), mine, null);
    assertThat(ended.statusCode()).isEqualTo(204);
    assertThat(server.http().me(mySecond).statusCode()).isEqualTo(401);
    assertThat(server.http().me(mine).statusCode()).isEqualTo(200);
    assertThat(send(HttpMethod.DELETE, "/account/sessions/garbage", mine, null).statusCode()).isEqualTo(404);
  }
}
