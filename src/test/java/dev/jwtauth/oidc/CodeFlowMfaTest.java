package dev.jwtauth.oidc;

import dev.jwtauth.mfa.Totp;
import dev.jwtauth.testsupport.AuthClient;
import dev.jwtauth.testsupport.CodeFlow;
import dev.jwtauth.testsupport.Jwts;
import dev.jwtauth.testsupport.MutableClock;
import dev.jwtauth.testsupport.ServerExtension;
import dev.jwtauth.testsupport.TestUser;
import dev.jwtauth.testsupport.Totps;
import io.vertx.core.buffer.Buffer;
import io.vertx.core.json.JsonArray;
import io.vertx.core.json.JsonObject;
import io.vertx.ext.web.client.HttpResponse;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.DisplayName;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;

import java.time.Duration;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

import static org.assertj.core.api.Assertions.assertThat;

/**
 * The second factor on the code flow's sign-in page (issue 14 item 3): after the right password a
 * user with a TOTP gets a second form on the same page; only the right code (or a recovery code)
 * completes the sign-in, and the code's tokens say so ({@code amr ["pwd","otp"]}).
 */
@DisplayName("Code flow with a second factor: the sign-in page asks for the TOTP code, and the tokens carry amr [pwd, otp]")
class CodeFlowMfaTest {
  static final String CB = "http://127.0.0.1:3000/cb";
  static final String CLIENT = "mfa-spa";
  static final String MFA_ROLE = "needs-mfa";
  static final MutableClock clock = new MutableClock();

  @RegisterExtension
  static final ServerExtension server = ServerExtension.withSettings(Map.of("LOCKOUT_THRESHOLD", 4,
      "LOGIN_IP_LIMIT", 10_000, "REQUIRE_MFA_ROLES", MFA_ROLE)).clock(clock);
  static CodeFlow browser;

  @BeforeAll
  static void client() {
    AuthClient.ok(server.http().post("/admin/clients", server.adminToken(), new JsonObject().put("client_id", CLIENT)
        .put("redirect_uris", new JsonArray().add(CB)).put("token_endpoint_auth_method", "none")
        .put("scope", "openid profile")), 201, "client registration");
    browser = new CodeFlow(server.server().client, server.authPort());
  }

  /** A user with a confirmed TOTP; the clock moves two steps on, so the codes of steps -1, 0 and +1 are fresh. */
  record Enrolled(TestUser user, Totps.Enrolled totp) {
    String code(int offset) {
      return Totps.code(totp.secret(), clock, offset);
    }
  }

  static Enrolled enrolled(String prefix) {
    TestUser u = server.newUser(prefix, "user");
    Totps.Enrolled totp = Totps.enrol(server.server(), server.server().accessToken(u.name(), u.password()), clock);
    clock.advance(Duration.ofSeconds(2 * Totp.STEP_SECONDS));
    return new Enrolled(u, totp);
  }

  /** An authorization request of the public client, with its PKCE verifier. */
  record Flow(Map<String, String> request, String verifier) {
    static Flow start() {
      String verifier = CodeFlow.verifier();
      Map<String, String> p = new LinkedHashMap<>();
      p.put("response_type", "code");
      p.put("client_id", CLIENT);
      p.put("redirect_uri", CB);
      p.put("scope", "openid profile");
      p.put("state", "st-" + verifier.substring(0, 8));
      p.put("nonce", "n-" + verifier.substring(0, 8));
      p.put("code_challenge", CodeFlow.challenge(verifier));
      p.put("code_challenge_method", "S256");
      return new Flow(p, verifier);
    }

    HttpResponse<Buffer> page(String cookie) {
      return browser.authorize(request, cookie);
    }

    /** The sign-in page, then the password: the second-factor form (asserted). */
    HttpResponse<Buffer> password(TestUser user) {
      var page = page(null);
      assertThat(page.statusCode()).as(page.bodyAsString()).isEqualTo(200);
      var second = browser.signIn(page, user.name(), user.password());
      assertThat(second.statusCode()).as(second.bodyAsString()).isEqualTo(200);
      assertThat(CodeFlow.inputNames(second.bodyAsString())).contains("code", "recovery_code", "mfa_token");
      return second;
    }

    /** The code of a 303 to the client, exchanged by the public client. */
    JsonObject exchange(HttpResponse<Buffer> redirect) {
      assertThat(redirect.statusCode()).as(redirect.bodyAsString()).isEqualTo(303);
      Map<String, String> q = CodeFlow.query(redirect.getHeader("Location"));
      assertThat(q.get("state")).isEqualTo(request.get("state"));
      Map<String, String> form = new HashMap<>();
      form.put("grant_type", "authorization_code");
      form.put("client_id", CLIENT);
      form.put("code", q.get("code"));
      form.put("redirect_uri", CB);
      form.put("code_verifier", verifier);
      var res = server.http().postForm("/oauth2/token", null, form);
      assertThat(res.statusCode()).as(res.bodyAsString()).isEqualTo(200);
      return res.bodyAsJsonObject();
    }
  }

  static HttpResponse<Buffer> enter(HttpResponse<Buffer> secondFactorPage, String field, String value) {
    return browser.submit(secondFactorPage, Map.of(field, value));
  }

  static List<Object> amr(String jwt) {
    return Jwts.part(jwt, 1).getJsonArray("amr").getList();
  }

  @Test
  @DisplayName("A TOTP user: password, then the code on the same page (same headers, no cookie before it); the tokens carry amr [pwd, otp]")
  void passwordThenCode() {
    Enrolled e = enrolled("cfm");
    Flow flow = Flow.start();
    var second = flow.password(e.user());

    assertThat(second.getHeader("Location")).isNull();
    assertThat(CodeFlow.sessionCookie(second)).as("no sign-in session before the second factor").isNull();
    assertThat(second.getHeader("Content-Security-Policy")).contains("default-src 'none'")
        .contains("frame-ancestors 'none'").contains("form-action 'self' http://127.0.0.1:3000");
    assertThat(second.getHeader("X-Frame-Options")).isEqualTo("DENY");
    assertThat(second.getHeader("Cache-Control")).isEqualTo("no-store");
    assertThat(second.bodyAsString()).doesNotContain("<script").doesNotContain(e.user().password());
    assertThat(CodeFlow.hiddenFields(second.bodyAsString())).containsKeys("request_id", "csrf_token", "mfa_token");

    var done = enter(second, "code", e.code(0));
    assertThat(CodeFlow.sessionCookie(done)).isNotNull();
    JsonObject tokens = flow.exchange(done);

    assertThat(amr(tokens.getString("access_token"))).containsExactly("pwd", "otp");
    JsonObject id = Jwts.part(tokens.getString("id_token"), 1);
    assertThat(id.getJsonArray("amr").getList()).containsExactly("pwd", "otp");
    assertThat(id.getString("preferred_username")).isEqualTo(e.user().name());
    assertThat(server.http().me(tokens.getString("access_token")).statusCode()).isEqualTo(200);
    var refreshed = server.http().postForm("/oauth2/token", null, Map.of("grant_type", "refresh_token",
        "refresh_token", tokens.getString("refresh_token"), "client_id", CLIENT));
    assertThat(refreshed.statusCode()).as(refreshed.bodyAsString()).isEqualTo(200);
    assertThat(amr(refreshed.bodyAsJsonObject().getString("access_token"))).containsExactly("pwd", "otp");
  }

  @Test
  @DisplayName("A wrong code shows the second form again with a generic error, no code, no cookie; the right code then works")
  void wrongCode() {
    Enrolled e = enrolled("cfw");
    Flow flow = Flow.start();
    var second = flow.password(e.user());

    var wrong = enter(second, "code", "000000");

    assertThat(wrong.statusCode()).isEqualTo(401);
    assertThat(wrong.getHeader("Location")).isNull();
    assertThat(CodeFlow.sessionCookie(wrong)).isNull();
    assertThat(wrong.bodyAsString()).contains("That code is not valid");
    assertThat(CodeFlow.inputNames(wrong.bodyAsString())).contains("code", "mfa_token");
    assertThat(amr(flow.exchange(enter(wrong, "code", e.code(0))).getString("access_token")))
        .containsExactly("pwd", "otp");
  }

  @Test
  @DisplayName("Wrong codes on the page count toward the lockout: then the right code gets 429 with Retry-After, and so does /auth/login")
  void wrongCodesCounted() {
    Enrolled e = enrolled("cfl");
    var page = Flow.start().password(e.user());
    for (int i = 0; i < 4; i++) {
      page = enter(page, "code", "00000" + i);
      assertThat(page.statusCode()).isEqualTo(401);
    }

    var locked = enter(page, "code", e.code(0));

    assertThat(locked.statusCode()).isEqualTo(429);
    assertThat(locked.getHeader("Retry-After")).isNotNull();
    assertThat(locked.getHeader("Location")).isNull();
    assertThat(locked.bodyAsString()).contains("Too many failed sign-ins");
    assertThat(server.http().login(e.user().name(), e.user().password()).statusCode())
        .as("the same counters as /auth/login").isEqualTo(429);
  }

  @Test
  @DisplayName("A code accepted once is refused when replayed in another sign-in; the next step's code is accepted")
  void replay() {
    Enrolled e = enrolled("cfr");
    String code = e.code(0);
    Flow first = Flow.start();
    first.exchange(enter(first.password(e.user()), "code", code));

    Flow again = Flow.start();
    var replayed = enter(again.password(e.user()), "code", code);

    assertThat(replayed.statusCode()).isEqualTo(401);
    assertThat(replayed.getHeader("Location")).isNull();
    assertThat(again.exchange(enter(replayed, "code", e.code(1))).getString("access_token")).isNotBlank();
  }

  @Test
  @DisplayName("A recovery code completes the sign-in once (amr [pwd, otp]); used again it is refused")
  void recoveryCode() {
    Enrolled e = enrolled("cfc");
    String rc = e.totp().recoveryCodes().get(2);
    Flow flow = Flow.start();

    JsonObject tokens = flow.exchange(enter(flow.password(e.user()), "recovery_code", rc));

    assertThat(amr(tokens.getString("access_token"))).containsExactly("pwd", "otp");
    assertThat(Jwts.part(tokens.getString("id_token"), 1).getJsonArray("amr").getList()).containsExactly("pwd", "otp");
    var again = enter(Flow.start().password(e.user()), "recovery_code", rc);
    assertThat(again.statusCode()).isEqualTo(401);
    assertThat(again.getHeader("Location")).isNull();
  }

  @Test
  @DisplayName("The second form is bound to its pending request (CSRF) and its challenge: a wrong CSRF token is 403, a forged mfa_token goes back to the password")
  void boundToRequestAndChallenge() {
    Enrolled e = enrolled("cfb");
    var second = Flow.start().password(e.user());
    Map<String, String> form = CodeFlow.hiddenFields(second.bodyAsString());
    form.put("code", e.code(0));

    Map<String, String> wrongCsrf = new HashMap<>(form);
    wrongCsrf.put("csrf_token", CodeFlow.verifier());
    var refused = browser.post(CodeFlow.formAction(second.bodyAsString()), wrongCsrf);
    assertThat(refused.statusCode()).isEqualTo(403);
    assertThat(refused.getHeader("Location")).isNull();

    Map<String, String> forged = new HashMap<>(form);
    forged.put("mfa_token", CodeFlow.verifier());
    var back = browser.post(CodeFlow.formAction(second.bodyAsString()), forged);
    assertThat(back.statusCode()).isEqualTo(401);
    assertThat(back.getHeader("Location")).isNull();
    assertThat(CodeFlow.inputNames(back.bodyAsString())).contains("username", "password").doesNotContain("code");

    Map<String, String> both = new HashMap<>(form);
    both.put("recovery_code", "aaaa-bbbb-cccc");
    assertThat(browser.post(CodeFlow.formAction(second.bodyAsString()), both).statusCode()).isEqualTo(400);
    assertThat(browser.post(CodeFlow.formAction(second.bodyAsString()), form).statusCode())
        .as("the real form still works").isEqualTo(303);
  }

  @Test
  @DisplayName("A password-only user is unchanged: the password alone gives the code, and the tokens carry amr [pwd]")
  void passwordOnly() {
    TestUser u = server.newUser("cfp", "user");
    Flow flow = Flow.start();
    var done = browser.signIn(flow.page(null), u.name(), u.password());

    JsonObject tokens = flow.exchange(done);

    assertThat(amr(tokens.getString("access_token"))).containsExactly("pwd");
    assertThat(Jwts.part(tokens.getString("id_token"), 1).getJsonArray("amr").getList()).containsExactly("pwd");
  }

  @Test
  @DisplayName("A user who must enrol first (REQUIRE_MFA_ROLES) gets a page saying so: no code, no cookie, no form")
  void enrolmentRequired() {
    TestUser u = server.newUser("cfe", MFA_ROLE);
    Flow flow = Flow.start();

    var res = browser.signIn(flow.page(null), u.name(), u.password());

    assertThat(res.statusCode()).isEqualTo(403);
    assertThat(res.getHeader("Location")).isNull();
    assertThat(CodeFlow.sessionCookie(res)).isNull();
    assertThat(res.bodyAsString()).contains("second factor").contains("/console");
    assertThat(CodeFlow.inputNames(res.bodyAsString())).isEmpty();
    assertThat(res.getHeader("Content-Security-Policy")).contains("frame-ancestors 'none'");
  }

  @Test
  @DisplayName("A sign-in session made with the password alone does not stand in once the user has a TOTP; one made with the code does")
  void sessionRecordsAmr() {
    TestUser u = server.newUser("cfs", "user");
    String token = server.server().accessToken(u.name(), u.password());
    Flow before = Flow.start();
    var pwdOnly = browser.signIn(before.page(null), u.name(), u.password());
    String pwdCookie = CodeFlow.sessionCookie(pwdOnly);
    assertThat(pwdCookie).isNotNull();
    assertThat(Flow.start().page(pwdCookie).statusCode()).as("the session works while there is no TOTP").isEqualTo(303);

    Totps.Enrolled totp = Totps.enrol(server.server(), token, clock);
    clock.advance(Duration.ofSeconds(2 * Totp.STEP_SECONDS));

    var asked = Flow.start().page(pwdCookie);
    assertThat(asked.statusCode()).as("the password-only session no longer signs in").isEqualTo(200);
    assertThat(CodeFlow.inputNames(asked.bodyAsString())).contains("password");
    Map<String, String> none = new LinkedHashMap<>(Flow.start().request());
    none.put("prompt", "none");
    assertThat(CodeFlow.query(browser.authorize(none, pwdCookie).getHeader("Location")).get("error"))
        .isEqualTo("login_required");

    Flow withCode = Flow.start();
    var done = enter(withCode.password(u), "code", Totps.code(totp.secret(), clock, 0));
    String otpCookie = CodeFlow.sessionCookie(done);
    withCode.exchange(done);
    Flow next = Flow.start();
    var direct = next.page(otpCookie);
    assertThat(direct.statusCode()).as("the session with the code signs in at once").isEqualTo(303);
    assertThat(amr(next.exchange(direct).getString("access_token"))).containsExactly("pwd", "otp");
  }
}
