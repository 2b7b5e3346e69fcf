package dev.jwtauth.issuer;

import dev.jwtauth.testsupport.AuthClient;
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

import static dev.jwtauth.testsupport.SetCookie.refreshToken;
import static org.assertj.core.api.Assertions.assertThat;

/**
 * {@code REFRESH_COOKIE=true}: the refresh token travels only in an {@code HttpOnly; Secure;
 * SameSite=Strict} cookie scoped to {@code /auth}, never in a body a page's script could read;
 * rotation, reuse detection and logout work on the cookie as they do on the body field.
 */
@DisplayName("Refresh-token cookie mode: HttpOnly, Secure, SameSite=Strict cookie; rotation, reuse and logout by cookie")
class RefreshCookieTest {
  @RegisterExtension
  static final ServerExtension server = ServerExtension.withSettings(Map.of("REFRESH_COOKIE", true));

  static TestUser user() {
    return server.newUser("c", "user");
  }

  static HttpResponse<Buffer> login(TestUser user) {
    var res = server.http().login(user.name(), user.password());
    assertThat(res.statusCode()).as("body %s", res.bodyAsString()).isEqualTo(200);
    return res;
  }

  static HttpResponse<Buffer> refreshWithCookie(String value) {
    return server.http().refreshWithCookie(value);
  }

  @Test
  @DisplayName("Login puts the refresh token in an HttpOnly, Secure, SameSite=Strict cookie for /auth, not in the body")
  void loginSetsCookie() {
    var res = login(user());

    JsonObject body = res.bodyAsJsonObject();
    assertThat(body.containsKey("refresh_token")).isFalse();
    assertThat(body.getString("access_token")).isNotBlank();
    assertThat(res.getHeader("Cache-Control")).isEqualTo("no-store");

    SetCookie cookie = refreshToken(res);
    assertThat(cookie.value()).hasSize(43);
    assertThat(res.bodyAsString()).doesNotContain(cookie.value());
    assertThat(cookie.has("HttpOnly")).isTrue();
    assertThat(cookie.has("Secure")).isTrue();
    assertThat(cookie.get("SameSite")).isEqualToIgnoringCase("Strict");
    assertThat(cookie.get("Path")).isEqualTo("/auth");
    assertThat(Long.parseLong(cookie.get("Max-Age"))).isPositive();
  }

  @Test
  @DisplayName("POST /auth/refresh with only the cookie rotates it: 200, a new cookie, a working access token")
  void refreshByCookie() {
    String first = refreshToken(login(user())).value();

    var res = refreshWithCookie(first);
    assertThat(res.statusCode()).as("body %s", res.bodyAsString()).isEqualTo(200);
    assertThat(res.bodyAsJsonObject().containsKey("refresh_token")).isFalse();
    SetCookie second = refreshToken(res);
    assertThat(second.value()).isNotEqualTo(first).hasSize(43);
    assertThat(second.has("HttpOnly")).isTrue();
    assertThat(server.http().me(res.bodyAsJsonObject().getString("access_token")).statusCode())
        .isEqualTo(200);

    assertThat(refreshWithCookie(second.value()).statusCode()).isEqualTo(200);
  }

  @Test
  @DisplayName("A used cookie presented again is 401, and revokes the session: the newer cookie is dead too")
  void reusedCookieIs401() {
    String first = refreshToken(login(user())).value();
    var rotated = refreshWithCookie(first);
    assertThat(rotated.statusCode()).isEqualTo(200);
    String second = refreshToken(rotated).value();
    String access = rotated.bodyAsJsonObject().getString("access_token");

    var reuse = refreshWithCookie(first);
    assertThat(reuse.statusCode()).isEqualTo(401);
    assertThat(reuse.bodyAsJsonObject().getString("error")).isEqualTo("invalid_grant");

    assertThat(refreshWithCookie(second).statusCode()).isEqualTo(401);
    assertThat(server.http().me(access).statusCode()).isEqualTo(401);
  }

  @Test
  @DisplayName("POST /auth/refresh with neither a cookie nor a body is 400 invalid_request")
  void noCookieNoBody() {
    var res = server.http().request(HttpMethod.POST, AuthClient.Origin.AUTH, "/auth/refresh").send().await();

    assertThat(res.statusCode()).isEqualTo(400);
    assertThat(res.bodyAsJsonObject().getString("error")).isEqualTo("invalid_request");
  }

  @Test
  @DisplayName("Logout with the cookie is 204 and expires it (Max-Age=0); its refresh token and the access token are dead")
  void logoutExpiresCookie() {
    var res = login(user());
    String cookie = refreshToken(res).value();
    String access = res.bodyAsJsonObject().getString("access_token");

    var logout = server.http().logoutWithCookie(access, cookie);
    assertThat(logout.statusCode()).as("body %s", logout.bodyAsString()).isEqualTo(204);
    SetCookie cleared = refreshToken(logout);
    assertThat(cleared.value()).isEmpty();
    assertThat(cleared.get("Max-Age")).isEqualTo("0");
    assertThat(cleared.get("Path")).isEqualTo("/auth");

    assertThat(refreshWithCookie(cookie).statusCode()).isEqualTo(401);
    assertThat(server.http().me(access).statusCode()).isEqualTo(401);
  }

  @Test
  @DisplayName("Logout ends the cookie's session even when the cookie belongs to another login of the same user")
  void logoutRevokesTheCookiesSession() {
    TestUser user = user();
    String access = login(user).bodyAsJsonObject().getString("access_token");
    String otherSessionCookie = refreshToken(login(user)).value();

    var logout = server.http().logoutWithCookie(access, otherSessionCookie);
    assertThat(logout.statusCode()).isEqualTo(204);

    assertThat(refreshWithCookie(otherSessionCookie).statusCode()).isEqualTo(401);
  }
}
