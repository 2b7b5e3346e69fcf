package dev.jwtauth.issuer;

import dev.jwtauth.mfa.Totp;
import dev.jwtauth.testsupport.AuthClient.Origin;
import dev.jwtauth.testsupport.Jwts;
import dev.jwtauth.testsupport.MutableClock;
import dev.jwtauth.testsupport.TestServer;
import dev.jwtauth.testsupport.TestUser;
import dev.jwtauth.testsupport.Totps;
import io.vertx.core.Vertx;
import io.vertx.core.buffer.Buffer;
import io.vertx.core.http.HttpMethod;
import io.vertx.core.json.JsonObject;
import io.vertx.ext.web.client.HttpResponse;
import io.vertx.pgclient.PgBuilder;
import io.vertx.pgclient.PgConnectOptions;
import io.vertx.sqlclient.Row;
import io.vertx.sqlclient.Tuple;
import org.bouncycastle.util.encoders.Base32;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.DisplayName;
import org.junit.jupiter.api.Test;

import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.Map;

import static org.assertj.core.api.Assertions.assertThat;

@DisplayName("Two-factor sign-in: TOTP enrolment, the two-step login, replay, drift, recovery codes, challenges, lockout")
class TwoFactorLoginTest {
  static final MutableClock clock = new MutableClock();
  static TestServer server;

  @BeforeAll
  static void start() {
    server = TestServer.start(Map.of("LOCKOUT_THRESHOLD", 6, "LOGIN_IP_LIMIT", 10_000), clock);
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

  /** The first step: the right password of a user with TOTP answers 401 mfa_required; answers the mfa_token. */
  static String challenge(TestUser u) {
    var res = server.login(u.name(), u.password());
    assertThat(res.statusCode()).as(res.bodyAsString()).isEqualTo(401);
    assertThat(res.bodyAsJsonObject().getString("error")).isEqualTo("mfa_required");
    return res.bodyAsJsonObject().getString("mfa_token");
  }

  static HttpResponse<Buffer> second(String mfaToken, String field, String value) {
    return server.http().login(new JsonObject().put("mfa_token", mfaToken).put(field, value));
  }

  /**
   * A user with a confirmed TOTP; the clock is moved two steps on, so the codes of the previous,
   * current and next steps are all fresh (after the step the confirmation used).
   */
  static Enrolled enrolled(String prefix, String... roles) {
    TestUser u = server.newUser(prefix, roles);
    String token = server.accessToken(u.name(), u.password());
    Totps.Enrolled e = Totps.enrol(server, token, clock);
    clock.advance(Duration.ofSeconds(2 * Totp.STEP_SECONDS));
    return new Enrolled(u, e.secret(), e, token);
  }

  record Enrolled(TestUser user, byte[] secret, Totps.Enrolled totp, String token) {
    String code(int offset) {
      return Totps.code(secret, clock, offset);
    }
  }

  static JsonObject claims(HttpResponse<Buffer> tokenResponse) {
    return Jwts.part(tokenResponse.bodyAsJsonObject().getString("access_token"), 1);
  }

  @Test
  @DisplayName("Enrolment shows the secret once as an otpauth:// URI and a QR code; only a confirmed TOTP is asked for at login")
  void enrolment() {
    TestUser u = server.newUser("mfa", "user");
    String token = server.accessToken(u.name(), u.password());

    var begun = send(HttpMethod.POST, "/account/mfa/totp", token, null);

    assertThat(begun.statusCode()).isEqualTo(200);
    assertThat(begun.getHeader("Cache-Control")).isEqualTo("no-store");
    JsonObject body = begun.bodyAsJsonObject();
    String secret = body.getString("secret");
    assertThat(Base32.decode(secret)).hasSize(20);
    String host = issuerHost();
    assertThat(body.getString("otpauth_uri")).isEqualTo("otpauth://totp/" + host + ":" + u.name() + "?secret=" + secret
        + "&issuer=" + host + "&algorithm=SHA1&digits=6&period=30");
    assertThat(body.getString("qr_code")).startsWith("data:image/svg+xml;base64,");
    String svg = new String(java.util.Base64.getDecoder().decode(body.getString("qr_code").substring(26)), StandardCharsets.UTF_8);
    assertThat(svg).startsWith("<svg").contains("<path");
    // not active yet: the password alone still logs in, and GET /account says so
    assertThat(server.login(u.name(), u.password()).statusCode()).isEqualTo(200);
    assertThat(send(HttpMethod.GET, "/account", token, null).bodyAsJsonObject().getJsonObject("mfa").getBoolean("totp"))
        .isFalse();

    var wrong = send(HttpMethod.POST, "/account/mfa/totp/confirm", token, new JsonObject().put("code", "000000"));
    assertThat(wrong.statusCode()).isEqualTo(400);
    assertThat(wrong.bodyAsJsonObject().getString("error")).isEqualTo("invalid_grant");

    var confirmed = send(HttpMethod.POST, "/account/mfa/totp/confirm", token,
        new JsonObject().put("code", Totps.code(Base32.decode(secret), clock, 0)));
    assertThat(confirmed.statusCode()).isEqualTo(200);
    assertThat(confirmed.bodyAsJsonObject().getJsonArray("recovery_codes")).hasSize(10);
    assertThat(confirmed.bodyAsJsonObject().getJsonArray("recovery_codes").getString(0)).matches("[a-z2-7]{4}-[a-z2-7]{4}-[a-z2-7]{4}");

    JsonObject mfa = send(HttpMethod.GET, "/account", token, null).bodyAsJsonObject().getJsonObject("mfa");
    assertThat(mfa.getBoolean("totp")).isTrue();
    assertThat(mfa.getInteger("recovery_codes_left")).isEqualTo(10);
    // a second enrolment over a confirmed one is refused
    assertThat(send(HttpMethod.POST, "/account/mfa/totp", token, null).statusCode()).isEqualTo(409);
    assertThat(server.login(u.name(), u.password()).bodyAsJsonObject().getString("error")).isEqualTo("mfa_required");
  }

  private static String issuerHost() {
    return java.net.URI.create(server.config().issuer()).getHost();
  }

  @Test
  @DisplayName("Login in two steps: mfa_required with a challenge, then the code issues tokens with amr [pwd, otp], kept on refresh")
  void twoSteps() {
    Enrolled e = enrolled("mfa2", "user");

    var first = server.login(e.user().name(), e.user().password());
    assertThat(first.statusCode()).isEqualTo(401);
    JsonObject body = first.bodyAsJsonObject();
    assertThat(body.getString("error")).isEqualTo("mfa_required");
    assertThat(body.getString("error_description")).isNotBlank();
    assertThat(body.getJsonArray("mfa_methods").getList()).containsExactly("totp", "recovery_code");
    assertThat(body.getString("mfa_token")).hasSizeGreaterThan(40);
    assertThat(body.containsKey("access_token")).isFalse();

    var done = second(body.getString("mfa_token"), "code", e.code(0));
    assertThat(done.statusCode()).as(done.bodyAsString()).isEqualTo(200);
    JsonObject claims = claims(done);
    assertThat(claims.getJsonArray("amr").getList()).containsExactly("pwd", "otp");
    assertThat(claims.getString("username")).isEqualTo(e.user().name());
    assertThat(server.http().me(done.bodyAsJsonObject().getString("access_token")).statusCode()).isEqualTo(200);

    var refreshed = server.http().refresh(done.bodyAsJsonObject().getString("refresh_token"));
    assertThat(refreshed.statusCode()).isEqualTo(200);
    assertThat(claims(refreshed).getJsonArray("amr").getList()).containsExactly("pwd", "otp");

    // a user without a second factor: amr [pwd]
    TestUser plain = server.newUser("pwd", "user");
    assertThat(claims(server.login(plain.name(), plain.password())).getJsonArray("amr").getList()).containsExactly("pwd");
  }

  @Test
  @DisplayName("A code is accepted once: replayed (also in a new challenge) it is refused, as is any code of an earlier step")
  void replay() {
    Enrolled e = enrolled("mfar", "user");
    String code = e.code(0);
    assertThat(second(challenge(e.user()), "code", code).statusCode()).isEqualTo(200);

    var replayed = second(challenge(e.user()), "code", code);
    assertThat(replayed.statusCode()).isEqualTo(401);
    assertThat(replayed.bodyAsJsonObject().getString("error")).isEqualTo("invalid_grant");
    assertThat(second(challenge(e.user()), "code", e.code(-1)).statusCode()).isEqualTo(401);
    assertThat(second(challenge(e.user()), "code", e.code(1)).statusCode()).isEqualTo(200);
  }

  @Test
  @DisplayName("Clock drift: a code of the previous or the next step is accepted, two steps off is refused")
  void drift() {
    Enrolled e = enrolled("mfad", "user");
    assertThat(second(challenge(e.user()), "code", e.code(-2)).statusCode()).isEqualTo(401);
    assertThat(second(challenge(e.user()), "code", e.code(2)).statusCode()).isEqualTo(401);
    assertThat(second(challenge(e.user()), "code", e.code(-1)).statusCode()).isEqualTo(200);

    Enrolled later = enrolled("mfad", "user");
    assertThat(second(challenge(later.user()), "code", later.code(1)).statusCode()).isEqualTo(200);
  }

  @Test
  @DisplayName("Each recovery code signs in once (amr [pwd, otp]); used again it is refused")
  void recoveryCodes() {
    Enrolled e = enrolled("mfrc", "user");
    String rc = e.totp().recoveryCodes().get(3);

    var used = second(challenge(e.user()), "recovery_code", rc.toUpperCase(java.util.Locale.ROOT));
    assertThat(used.statusCode()).as(used.bodyAsString()).isEqualTo(200);
    assertThat(claims(used).getJsonArray("amr").getList()).containsExactly("pwd", "otp");

    assertThat(second(challenge(e.user()), "recovery_code", rc).statusCode()).isEqualTo(401);
    assertThat(second(challenge(e.user()), "recovery_code", "aaaa-bbbb-cccc").statusCode()).isEqualTo(401);
    assertThat(second(challenge(e.user()), "recovery_code", e.totp().recoveryCodes().get(4)).statusCode()).isEqualTo(200);
    assertThat(send(HttpMethod.GET, "/account", e.token(), null).bodyAsJsonObject().getJsonObject("mfa")
        .getInteger("recovery_codes_left")).isEqualTo(8);
  }

  @Test
  @DisplayName("A challenge is single use, bound to its user, expires after 5 minutes, and dies after 5 wrong codes")
  void challenges() {
    Enrolled a = enrolled("mfca", "user");
    Enrolled b = enrolled("mfcb", "user");

    // bound to its user: B's right code does not open A's challenge; A's does, and the tokens are A's
    String forA = challenge(a.user());
    assertThat(second(forA, "code", b.code(0)).statusCode()).isEqualTo(401);
    var asA = second(forA, "code", a.code(0));
    assertThat(asA.statusCode()).isEqualTo(200);
    assertThat(claims(asA).getString("username")).isEqualTo(a.user().name());
    // single use
    assertThat(second(forA, "code", a.code(1)).statusCode()).isEqualTo(401);

    // expiry
    String old = challenge(b.user());
    clock.advance(Duration.ofMinutes(5).plusSeconds(1));
    var expired = second(old, "code", b.code(0));
    assertThat(expired.statusCode()).isEqualTo(401);
    assertThat(expired.bodyAsJsonObject().getString("error_description")).contains("mfa_token");

    // five wrong codes end it, even for the right one after
    Enrolled c = enrolled("mfcc", "user");
    String worn = challenge(c.user());
    for (int i = 0; i < 5; i++) {
      assertThat(second(worn, "code", "000000").statusCode()).isEqualTo(401);
    }
    var afterFive = second(worn, "code", c.code(0));
    assertThat(afterFive.statusCode()).isEqualTo(401);
    assertThat(afterFive.bodyAsJsonObject().getString("error_description")).contains("mfa_token");
    // an unknown token, and a malformed second step
    assertThat(second("no-such-token", "code", c.code(0)).statusCode()).isEqualTo(401);
    assertThat(server.http().login(new JsonObject().put("mfa_token", "x")).statusCode()).isEqualTo(400);
    assertThat(server.http().login(new JsonObject().put("mfa_token", "x").put("code", "1").put("recovery_code", "2"))
        .statusCode()).isEqualTo(400);
  }

  @Test
  @DisplayName("Wrong second-factor codes count toward the lockout (a right password in between does not reset them): then the right code and the right password get 429")
  void lockout() {
    Enrolled e = enrolled("mfal", "user");
    String first = challenge(e.user());
    for (int i = 0; i < 5; i++) {
      assertThat(second(first, "code", "000000").statusCode()).isEqualTo(401);
    }
    String next = challenge(e.user());
    assertThat(second(next, "recovery_code", "aaaa-bbbb-cccc").statusCode()).isEqualTo(401);

    var locked = second(next, "code", e.code(0));
    assertThat(locked.statusCode()).isEqualTo(429);
    assertThat(locked.getHeader("Retry-After")).isNotNull();
    assertThat(server.login(e.user().name(), e.user().password()).statusCode()).isEqualTo(429);
  }

  @Test
  @DisplayName("The secret is never in the database in the clear: only AES-GCM ciphertext (nonce + 20 bytes + tag); recovery codes only hashed")
  void encryptedAtRest() {
    Enrolled e = enrolled("mfdb", "user");
    Vertx v = Vertx.vertx();
    try {
      var pool = PgBuilder.pool().connectingTo(PgConnectOptions.fromUri(server.config().pgUri())).using(v).build();
      Row row = pool.preparedQuery("SELECT t.* FROM totp_credentials t JOIN users u ON u.id = t.user_id WHERE u.username = $1")
          .execute(Tuple.of(e.user().name())).await().iterator().next();
      byte[] stored = row.getBuffer("secret_enc").getBytes();
      String base32 = new String(Base32.encode(e.secret()), StandardCharsets.US_ASCII);
      assertThat(stored).hasSize(12 + 20 + 16);
      assertThat(Buffer.buffer(stored).toString(StandardCharsets.ISO_8859_1))
          .doesNotContain(new String(e.secret(), StandardCharsets.ISO_8859_1)).doesNotContain(base32);
      for (int i = 0; i < row.size(); i++) {
        assertThat(String.valueOf(row.getValue(i))).doesNotContain(base32);
      }
      var codes = pool.preparedQuery("SELECT c.code_hash FROM totp_recovery_codes c JOIN users u ON u.id = c.user_id"
          + " WHERE u.username = $1").execute(Tuple.of(e.user().name())).await();
      assertThat(codes.size()).isEqualTo(10);
      for (Row r : codes) {
        assertThat(r.getBuffer("code_hash").length()).isEqualTo(32);
        String hash = r.getBuffer("code_hash").toString(StandardCharsets.ISO_8859_1);
        e.totp().recoveryCodes().forEach(c -> assertThat(hash).doesNotContain(c.replace("-", "")));
      }
      pool.close().await();
    } finally {
      v.close().await();
    }
  }

  @Test
  @DisplayName("Removing one's TOTP needs the current password and a code (wrong ones count as failures); then the password alone logs in")
  void removeOwn() {
    Enrolled e = enrolled("mfrm", "user");
    String token = e.token();

    var wrongPassword = send(HttpMethod.DELETE, "/account/mfa/totp", token,
        new JsonObject().put("password", "not-the-password").put("code", e.code(0)));
    assertThat(wrongPassword.statusCode()).isEqualTo(401);
    var wrongCode = send(HttpMethod.DELETE, "/account/mfa/totp", token,
        new JsonObject().put("password", e.user().password()).put("code", "000000"));
    assertThat(wrongCode.statusCode()).isEqualTo(401);
    assertThat(send(HttpMethod.DELETE, "/account/mfa/totp", token, new JsonObject().put("password", e.user().password()))
        .statusCode()).isEqualTo(400);

    var removed = send(HttpMethod.DELETE, "/account/mfa/totp", token,
        new JsonObject().put("password", e.user().password()).put("code", e.code(0)));
    assertThat(removed.statusCode()).as(removed.bodyAsString()).isEqualTo(204);
    assertThat(send(HttpMethod.GET, "/account", token, null).bodyAsJsonObject().getJsonObject("mfa").getBoolean("totp"))
        .isFalse();
    var login = server.login(e.user().name(), e.user().password());
    assertThat(login.statusCode()).isEqualTo(200);
    assertThat(claims(login).getJsonArray("amr").getList()).containsExactly("pwd");
    assertThat(send(HttpMethod.DELETE, "/account/mfa/totp", token,
        new JsonObject().put("password", e.user().password()).put("code", e.code(1))).statusCode()).isEqualTo(404);
  }

  @Test
  @DisplayName("An admin resets a user's second factor: 204, the user's sessions end, an audit event mfa_reset; again 404")
  void adminReset() {
    Enrolled e = enrolled("mfadm", "user");
    String admin = server.adminToken();
    var done = second(challenge(e.user()), "code", e.code(0));
    String userToken = done.bodyAsJsonObject().getString("access_token");
    assertThat(server.http().me(userToken).statusCode()).isEqualTo(200);

    var reset = send(HttpMethod.DELETE, "/admin/users/" + e.user().name() + "/mfa", admin, null);

    assertThat(reset.statusCode()).isEqualTo(204);
    assertThat(server.http().me(userToken).statusCode()).isEqualTo(401);
    assertThat(server.http().refresh(done.bodyAsJsonObject().getString("refresh_token")).statusCode()).isEqualTo(401);
    assertThat(server.login(e.user().name(), e.user().password()).statusCode()).isEqualTo(200);
    // audit events are written in the background: poll
    long until = System.nanoTime() + Duration.ofSeconds(10).toNanos();
    String audit = "";
    while (!audit.contains("mfa_reset") && System.nanoTime() < until) {
      audit = send(HttpMethod.GET, "/admin/audit?event=mfa_reset&username=" + e.user().name(), admin, null).bodyAsString();
    }
    assertThat(audit).contains("mfa_reset").contains(e.user().name());
    assertThat(send(HttpMethod.DELETE, "/admin/users/" + e.user().name() + "/mfa", admin, null).statusCode()).isEqualTo(404);
    assertThat(send(HttpMethod.DELETE, "/admin/users/nobody-here/mfa", admin, null).statusCode()).isEqualTo(404);
    assertThat(send(HttpMethod.DELETE, "/admin/users/" + e.user().name() + "/mfa", e.token(), null).statusCode())
        .isIn(401, 403);
  }
}
