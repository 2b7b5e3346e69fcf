package dev.jwtauth.issuer;

import dev.jwtauth.testsupport.ServerExtension;
import dev.jwtauth.testsupport.SetCookie;
import dev.jwtauth.testsupport.TestUser;
import io.vertx.core.buffer.Buffer;
import io.vertx.core.http.HttpMethod;
import io.vertx.core.json.JsonObject;
import io.vertx.ext.web.client.HttpResponse;
import org.junit.jupiter.api.DisplayName;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;

import java.util.Map;

import static dev.jwtauth.testsupport.AuthClient.Origin.AUTH;
import static dev.jwtauth.testsupport.SetCookie.refreshToken;
import static org.assertj.core.api.Assertions.assertThat;

/**
 * {@code REFRESH_COOKIE=false} (the default) with a client that opts in per request: login with
 * {@code "refresh_cookie": true} sets the cookie instead of the body field, a refresh that presents
 * the cookie answers with a cookie, logout expires it; clients that do not opt in see no cookie.
 */
@DisplayName("Refresh-token cookie per request: login opts in with refresh_cookie, refresh and logout follow the cookie")
class RefreshCookieOptInTest {
  @RegisterExtension
  static final ServerExtension server = ServerExtension.withSettings(Map.of("REFRESH_COOKIE", false));

  static TestUser user() {
    return server.newUser("o", "user");
  }

  /** Login with {@code "refresh_cookie": flag}, or without the field when {@code flag} is null. */
  static HttpResponse<Buffer> login(TestUser user, Object refreshCookie) {
    JsonObject body = new JsonObject().put("username", user.name()).put("password", user.password());
    if (refreshCookie != null) {
      body.put("refresh_cookie", refreshCookie);
    }
    return server.http().login(body);
  }

  static HttpResponse<Buffer> refreshWithCookie(String value) {
    return server.http().refreshWithCookie(value);
  }

  @Test
  @DisplayName("Login with refresh_cookie true: the refresh token is an HttpOnly, Secure, SameSite=Strict cookie for /auth, not in the body")
  void loginOptsIn() {
    var res = login(user(), true);

    assertThat(res.statusCode()).as("body %s", res.bodyAsString()).isEqualTo(200);
    JsonObject body = res.bodyAsJsonObject();
    assertThat(body.containsKey("refresh_token")).isFalse();
    assertThat(body.getString("access_token")).isNotBlank();
    assertThat(body.getLong("refresh_expires_in")).isEqualTo(1_209_600L);
    SetCookie cookie = refreshToken(res);
    assertThat(cookie.value()).hasSize(43);
    assertThat(cookie.has("HttpOnly")).isTrue();
    assertThat(cookie.has("Secure")).isTrue();
    assertThat(cookie.get("SameSite")).isEqualToIgnoringCase("Strict");
    assertThat(cookie.get("Path")).isEqualTo("/auth");
    assertThat(Long.parseLong(cookie.get("Max-Age"))).isEqualTo(1_209_600L);
  }

  @Test
  @DisplayName("Login without the field, or with false, answers the refresh token in the body and sets no cookie")
  void loginWithoutOptIn() {
    TestUser user = user();
    for (Object flag : new Object[] {null, false}) {
      var res = login(user, flag);

      assertThat(res.statusCode()).isEqualTo(200);
      assertThat(res.bodyAsJsonObject().getString("refresh_token")).hasSize(43);
      assertThat(res.cookies()).isEmpty();
    }
  }

  @Test
  @DisplayName("refresh_cookie that is not a boolean is 400 invalid_request")
  void notABoolean() {
    var res = login(user(), "yes");

    assertThat(res.statusCode()).isEqualTo(400);
    assertThat(res.bodyAsJsonObject().getString("error")).isEqualTo("invalid_request");
  }

  @Test
  @DisplayName("Refresh with only the cookie rotates it and answers a new cookie; the body has no refresh token")
  void refreshByCookie() {
    String first = refreshToken(login(user(), true)).value();

    var res = refreshWithCookie(first);
    assertThat(res.statusCode()).as("body %s", res.bodyAsString()).isEqualTo(200);
    assertThat(res.bodyAsJsonObject().containsKey("refresh_token")).isFalse();
    assertThat(res.getHeader("Cache-Control")).isEqualTo("no-store");
    SetCookie second = refreshToken(res);
    assertThat(second.value()).isNotEqualTo(first).hasSize(43);
    assertThat(second.has("HttpOnly")).isTrue();
    assertThat(server.http().me(res.bodyAsJsonObject().getString("access_token")).statusCode())
        .isEqualTo(200);
    assertThat(refreshWithCookie(second.value()).statusCode()).isEqualTo(200);
  }

  @Test
  @DisplayName("Refresh with the token in the body still answers in the body, with no cookie, even when a cookie is sent too")
  void refreshByBody() {
    var login = login(user(), null);
    String token = login.bodyAsJsonObject().getString("refresh_token");

    var res = server.http().request(HttpMethod.POST, AUTH, "/auth/refresh")
        .putHeader("Cookie", "refresh_token=some-other-value")
        .sendJsonObject(new JsonObject().put("refresh_token", token)).await();
    assertThat(res.statusCode()).as("body %s", res.bodyAsString()).isEqualTo(200);
    assertThat(res.bodyAsJsonObject().getString("refresh_token")).hasSize(43).isNotEqualTo(token);
    assertThat(res.cookies()).isEmpty();
  }

  @Test
  @DisplayName("A used cookie presented again is 401 and revokes the session: the newer cookie and the access token die")
  void reusedCookie() {
    String first = refreshToken(login(user(), true)).value();
    var rotated = refreshWithCookie(first);
    String second = refreshToken(rotated).value();
    String access = rotated.bodyAsJsonObject().getString("access_token");

    var reuse = refreshWithCookie(first);
    assertThat(reuse.statusCode()).isEqualTo(401);
    assertThat(reuse.bodyAsJsonObject().getString("error")).isEqualTo("invalid_grant");
    assertThat(refreshWithCookie(second).statusCode()).isEqualTo(401);
    assertThat(server.http().me(access).statusCode()).isEqualTo(401);
  }

  @Test
  @DisplayName("Logout with the cookie and no body is 204, expires the cookie, and ends the session")
  void logoutClearsCookie() {
    var res = login(user(), true);
    String cookie = refreshToken(res).value();
    String access = res.bodyAsJsonObject().getString("access_token");

    var logout = server.http().logoutWithCookie(access, cookie);
    assertThat(logout.statusCode()).as("body %s", logout.bodyAsString()).isEqualTo(204);
    SetCookie cleared = refreshToken(logout);
    assertThat(cleared.value()).isEmpty();
    assertThat(cleared.get("Max-Age")).isEqualTo("0");
    assertThat(cleared.get("Path")).isEqualTo("/auth");
    assertThat(cleared.has("HttpOnly")).isTrue();

    assertThat(refreshWithCookie(cookie).statusCode()).isEqualTo(401);
    assertThat(server.http().me(access).statusCode()).isEqualTo(401);
  }

  @Test
  @DisplayName("Logout without a cookie sets none")
  void logoutWithoutCookie() {
    String access = login(user(), null).bodyAsJsonObject().getString("access_token");

    var logout = server.http().logout(access, null);
    assertThat(logout.statusCode()).isEqualTo(204);
    assertThat(logout.cookies()).isEmpty();
  }
}
