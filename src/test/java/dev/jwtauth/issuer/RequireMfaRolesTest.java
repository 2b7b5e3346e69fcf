package dev.jwtauth.issuer;

import dev.jwtauth.mfa.Totp;
import dev.jwtauth.testsupport.AuthClient.Origin;
import dev.jwtauth.testsupport.Jwts;
import dev.jwtauth.testsupport.MutableClock;
import dev.jwtauth.testsupport.TestServer;
import dev.jwtauth.testsupport.TestUser;
import dev.jwtauth.testsupport.Totps;
import io.vertx.core.buffer.Buffer;
import io.vertx.core.http.HttpMethod;
import io.vertx.core.json.JsonArray;
import io.vertx.core.json.JsonObject;
import io.vertx.ext.web.client.HttpResponse;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.DisplayName;
import org.junit.jupiter.api.Test;

import java.time.Duration;
import java.util.Map;

import static org.assertj.core.api.Assertions.assertThat;

@DisplayName("REQUIRE_MFA_ROLES=admin: an admin without TOTP can only enrol; admin routes refuse a token without otp in amr")
class RequireMfaRolesTest {
  static final MutableClock clock = new MutableClock();
  static TestServer server;

  @BeforeAll
  static void start() {
    server = TestServer.start(Map.of("REQUIRE_MFA_ROLES", "admin"), clock);
  }

  @AfterAll
  static void stop() {
    server.close();
  }

  static HttpResponse<Buffer> send(HttpMethod method, String path, String bearer, JsonObject body) {
    var req = server.http().request(method, Origin.AUTH, path);
    if (bearer != null) {
      req.putHeader("Authorization", "Bearer " + bearer);
    }
    return (body == null ? req.send() : req.sendJsonObject(body)).await();
  }

  @Test
  @DisplayName("The admin's right password answers mfa_enrollment_required; its token enrols and confirms, then the login's tokens carry otp")
  void enrolFirst() {
    var login = server.login("admin", TestServer.ADMIN_PASSWORD);
    assertThat(login.statusCode()).isEqualTo(401);
    JsonObject body = login.bodyAsJsonObject();
    assertThat(body.getString("error")).isEqualTo("mfa_enrollment_required");
    assertThat(body.containsKey("access_token")).isFalse();
    String enrol = body.getString("mfa_token");

    // the enrolment token is not a login challenge, nor a bearer token, nor good for any other route
    assertThat(server.http().login(new JsonObject().put("mfa_token", enrol).put("code", "123456")).statusCode())
        .isEqualTo(401);
    assertThat(send(HttpMethod.GET, "/account", enrol, null).statusCode()).isEqualTo(401);
    assertThat(send(HttpMethod.GET, "/admin/users", enrol, null).statusCode()).isEqualTo(401);
    assertThat(send(HttpMethod.GET, "/account", null, null).statusCode()).isEqualTo(401);
    assertThat(send(HttpMethod.POST, "/account/mfa/totp", null, new JsonObject().put("mfa_token", "wrong")).statusCode())
        .isEqualTo(401);
    var bare = send(HttpMethod.POST, "/account/mfa/totp", null, null);
    assertThat(bare.statusCode()).isEqualTo(401);
    assertThat(bare.getHeader("WWW-Authenticate")).startsWith("Bearer");

    var begun = send(HttpMethod.POST, "/account/mfa/totp", null, new JsonObject().put("mfa_token", enrol));
    assertThat(begun.statusCode()).as(begun.bodyAsString()).isEqualTo(200);
    byte[] secret = Totps.decode(begun.bodyAsJsonObject().getString("secret"));

    var wrong = send(HttpMethod.POST, "/account/mfa/totp/confirm", null,
        new JsonObject().put("mfa_token", enrol).put("code", "000000"));
    assertThat(wrong.statusCode()).isEqualTo(400);
    var confirmed = send(HttpMethod.POST, "/account/mfa/totp/confirm", null,
        new JsonObject().put("mfa_token", enrol).put("code", Totps.code(secret, clock, 0)));
    assertThat(confirmed.statusCode()).as(confirmed.bodyAsString()).isEqualTo(200);
    JsonObject answer = confirmed.bodyAsJsonObject();
    assertThat(answer.getJsonArray("recovery_codes")).hasSize(10);
    String access = answer.getString("access_token");
    assertThat(Jwts.part(access, 1).getJsonArray("amr").getList()).containsExactly("pwd", "otp");
    assertThat(send(HttpMethod.GET, "/admin/users", access, null).statusCode()).isEqualTo(200);
    assertThat(server.getResource("/api/admin/stats", access).statusCode()).isEqualTo(200);
    // the enrolment token is used up
    assertThat(send(HttpMethod.POST, "/account/mfa/totp", null, new JsonObject().put("mfa_token", enrol)).statusCode())
        .isEqualTo(401);

    // from now on the admin logs in with two steps
    clock.advance(Duration.ofSeconds(2 * Totp.STEP_SECONDS));
    var next = server.login("admin", TestServer.ADMIN_PASSWORD);
    assertThat(next.bodyAsJsonObject().getString("error")).isEqualTo("mfa_required");
    var second = server.http().login(new JsonObject().put("mfa_token", next.bodyAsJsonObject().getString("mfa_token"))
        .put("code", Totps.code(secret, clock, 0)));
    assertThat(second.statusCode()).isEqualTo(200);
    String admin = second.bodyAsJsonObject().getString("access_token");

    // a user without such a role signs in with the password alone
    TestUser plain = new TestUser("plain" + System.nanoTime(), "plain-password-1");
    assertThat(server.http().createUser(admin, plain.name(), plain.password(), "user").statusCode()).isEqualTo(201);
    var plainLogin = server.login(plain.name(), plain.password());
    assertThat(plainLogin.statusCode()).isEqualTo(200);
    assertThat(Jwts.part(plainLogin.bodyAsJsonObject().getString("access_token"), 1).getJsonArray("amr").getList())
        .containsExactly("pwd");

    // a session from before the user got the admin role: its refreshed token holds admin but not otp
    var patched = server.http().request(HttpMethod.PATCH, Origin.AUTH, "/admin/users/" + plain.name())
        .putHeader("Authorization", "Bearer " + admin)
        .sendJsonObject(new JsonObject().put("roles", new JsonArray().add("user").add("admin"))).await();
    assertThat(patched.statusCode()).isEqualTo(200);
    var refreshed = server.http().refresh(plainLogin.bodyAsJsonObject().getString("refresh_token"));
    assertThat(refreshed.statusCode()).isEqualTo(200);
    String halfAdmin = refreshed.bodyAsJsonObject().getString("access_token");
    assertThat(Jwts.part(halfAdmin, 1).getJsonArray("roles").getList()).contains("admin");

    var refused = send(HttpMethod.GET, "/admin/users", halfAdmin, null);
    assertThat(refused.statusCode()).isEqualTo(401);
    assertThat(refused.bodyAsJsonObject().getString("error")).isEqualTo("insufficient_user_authentication");
    assertThat(refused.getHeader("WWW-Authenticate")).contains("insufficient_user_authentication");
    assertThat(server.getResource("/api/admin/stats", halfAdmin).statusCode()).isEqualTo(401);
    // and at the next login that user must enrol
    assertThat(server.login(plain.name(), plain.password()).bodyAsJsonObject().getString("error"))
        .isEqualTo("mfa_enrollment_required");
  }
}
