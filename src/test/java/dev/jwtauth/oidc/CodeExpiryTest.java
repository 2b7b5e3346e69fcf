package dev.jwtauth.oidc;

import dev.jwtauth.testsupport.AuthClient;
import dev.jwtauth.testsupport.CodeFlow;
import dev.jwtauth.testsupport.MutableClock;
import dev.jwtauth.testsupport.ServerExtension;
import dev.jwtauth.testsupport.TestUser;
import io.vertx.core.json.JsonArray;
import io.vertx.core.json.JsonObject;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.DisplayName;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;

import java.time.Duration;
import java.util.LinkedHashMap;
import java.util.Map;

import static org.assertj.core.api.Assertions.assertThat;

/** What time does to the code flow, on a clock the test moves: code expiry, max_age, the sign-in session's end. */
@DisplayName("Code flow over time: AUTH_CODE_TTL, max_age and SIGNIN_SESSION_TTL")
class CodeExpiryTest {
  static final String CB = "https://time.example.com/cb";
  static final MutableClock clock = new MutableClock();

  @RegisterExtension
  static final ServerExtension server = ServerExtension.withPorts(p -> Map.of("ISSUER", "http://127.0.0.1:" + p.auth(),
      "AUTH_CODE_TTL", 30, "SIGNIN_SESSION_TTL", 3600)).clock(clock);
  static String secret;
  static CodeFlow browser;

  @BeforeAll
  static void setUp() {
    secret = AuthClient.ok(server.http().post("/admin/clients", server.server().adminToken(), new JsonObject()
        .put("client_id", "timed").put("scope", "openid").put("redirect_uris", new JsonArray().add(CB))), 201, "client")
        .bodyAsJsonObject().getString("client_secret");
    browser = new CodeFlow(server.server().client, server.authPort());
  }

  static Map<String, String> request(String verifier) {
    Map<String, String> p = new LinkedHashMap<>();
    p.put("response_type", "code");
    p.put("client_id", "timed");
    p.put("scope", "openid");
    p.put("state", "s");
    p.put("code_challenge", CodeFlow.challenge(verifier));
    p.put("code_challenge_method", "S256");
    return p;
  }

  static Map<String, String> exchange(String code, String verifier) {
    return Map.of("grant_type", "authorization_code", "code", code, "redirect_uri", CB, "code_verifier", verifier,
        "client_id", "timed", "client_secret", secret);
  }

  @Test
  @DisplayName("A code older than AUTH_CODE_TTL is refused with invalid_grant")
  void expiredCode() {
    TestUser user = server.server().newUser("exp");
    String verifier = CodeFlow.verifier();
    var res = browser.signIn(browser.authorize(request(verifier), null), user.name(), user.password());
    String code = CodeFlow.query(res.getHeader("Location")).get("code");
    clock.advance(Duration.ofSeconds(31));
    var late = server.http().postForm("/oauth2/token", null, exchange(code, verifier));
    assertThat(late.statusCode()).isEqualTo(400);
    assertThat(late.bodyAsJsonObject().getString("error")).isEqualTo("invalid_grant");
  }

  @Test
  @DisplayName("max_age: a sign-in older than it asks for the password again; a recent one does not; the session ends after SIGNIN_SESSION_TTL")
  void maxAgeAndSessionEnd() {
    TestUser user = server.server().newUser("age");
    var res = browser.signIn(browser.authorize(request(CodeFlow.verifier()), null), user.name(), user.password());
    String cookie = CodeFlow.sessionCookie(res);
    long signedInAt = clock.millis() / 1000;
    clock.advance(Duration.ofSeconds(120));
    String verifier = CodeFlow.verifier();
    Map<String, String> req = request(verifier);
    req.put("max_age", "60");
    assertThat(browser.authorize(req, cookie).statusCode()).as("auth_time older than max_age").isEqualTo(200);
    req.put("max_age", "600");
    var quick = browser.authorize(req, cookie);
    assertThat(quick.statusCode()).isEqualTo(303);
    String code = CodeFlow.query(quick.getHeader("Location")).get("code");
    var tokens = server.http().postForm("/oauth2/token", null, exchange(code, verifier));
    assertThat(tokens.statusCode()).isEqualTo(200);
    JsonObject id = dev.jwtauth.testsupport.Jwts.part(tokens.bodyAsJsonObject().getString("id_token"), 1);
    assertThat(id.getLong("auth_time")).as("the time of the password, not of this request").isBetween(signedInAt - 1, signedInAt + 1);
    clock.advance(Duration.ofSeconds(3600));
    assertThat(browser.authorize(request(CodeFlow.verifier()), cookie).statusCode()).as("session over").isEqualTo(200);
  }
}
