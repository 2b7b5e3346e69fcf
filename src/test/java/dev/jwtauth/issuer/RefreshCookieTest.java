package dev.jwtauth.issuer;

import dev.jwtauth.testsupport.TestServer;
import io.vertx.core.buffer.Buffer;
import io.vertx.core.json.JsonObject;
import io.vertx.ext.web.client.HttpResponse;
import io.vertx.junit5.VertxExtension;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.DisplayName;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.ExtendWith;

import java.util.Arrays;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.UUID;

import static org.assertj.core.api.Assertions.assertThat;

/**
 * {@code REFRESH_COOKIE=true}: the refresh token travels only in an {@code HttpOnly; Secure;
 * SameSite=Strict} cookie scoped to {@code /auth}, never in a body a page's script could read;
 * rotation, reuse detection and logout work on the cookie as they do on the body field.
 */
@ExtendWith(VertxExtension.class)
@DisplayName("Refresh-token cookie mode: HttpOnly, Secure, SameSite=Strict cookie; rotation, reuse and logout by cookie")
class RefreshCookieTest {
  static TestServer server;

  @BeforeAll
  static void start() {
    server = TestServer.start(Map.of("REFRESH_COOKIE", true));
  }

  @AfterAll
  static void stop() {
    server.close();
  }

  /** One Set-Cookie header: its value and its attributes (names lower-cased). */
  record SetCookie(String value, Map<String, String> attributes) {
    boolean has(String attribute) {
      return attributes.containsKey(attribute.toLowerCase(Locale.ROOT));
    }

    String get(String attribute) {
      return attributes.get(attribute.toLowerCase(Locale.ROOT));
    }
  }

  /** The response's one {@code refresh_token} Set-Cookie. */
  static SetCookie refreshCookie(HttpResponse<Buffer> res) {
    List<String> headers = res.cookies().stream().filter(c -> c.startsWith("refresh_token=")).toList();
    assertThat(headers).as("Set-Cookie headers %s", res.cookies()).hasSize(1);
    String[] parts = headers.get(0).split(";");
    Map<String, String> attributes = new java.util.HashMap<>();
    Arrays.stream(parts).skip(1).map(String::trim).forEach(p -> {
      int eq = p.indexOf('=');
      attributes.put((eq < 0 ? p : p.substring(0, eq)).toLowerCase(Locale.ROOT), eq < 0 ? "" : p.substring(eq + 1));
    });
    return new SetCookie(parts[0].substring("refresh_token=".length()), attributes);
  }

  static String user() {
    String name = "c" + UUID.randomUUID().toString().substring(0, 8);
    server.createUser(name, "password-" + name, "user");
    return name;
  }

  static HttpResponse<Buffer> login(String name) {
    var res = server.login(name, "password-" + name);
    assertThat(res.statusCode()).as("body %s", res.bodyAsString()).isEqualTo(200);
    return res;
  }

  /** POST /auth/refresh with nothing but the cookie: no body, no content type. */
  static HttpResponse<Buffer> refreshWithCookie(String value) {
    return server.client.post(server.authPort(), "127.0.0.1", "/auth/refresh")
        .putHeader("Cookie", "refresh_token=" + value).send().await();
  }

  @Test
  @DisplayName("Login puts the refresh token in an HttpOnly, Secure, SameSite=Strict cookie for /auth, not in the body")
  void loginSetsCookie() {
    var res = login(user());

    JsonObject body = res.bodyAsJsonObject();
    assertThat(body.containsKey("refresh_token")).isFalse();
    assertThat(body.getString("access_token")).isNotBlank();
    assertThat(res.getHeader("Cache-Control")).isEqualTo("no-store");

    SetCookie cookie = refreshCookie(res);
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
    String first = refreshCookie(login(user())).value();

    var res = refreshWithCookie(first);
    assertThat(res.statusCode()).as("body %s", res.bodyAsString()).isEqualTo(200);
    assertThat(res.bodyAsJsonObject().containsKey("refresh_token")).isFalse();
    SetCookie second = refreshCookie(res);
    assertThat(second.value()).isNotEqualTo(first).hasSize(43);
    assertThat(second.has("HttpOnly")).isTrue();
    assertThat(server.getResource("/api/me", res.bodyAsJsonObject().getString("access_token")).statusCode())
        .isEqualTo(200);

    assertThat(refreshWithCookie(second.value()).statusCode()).isEqualTo(200);
  }

  @Test
  @DisplayName("A used cookie presented again is 401, and revokes the session: the newer cookie is dead too")
  void reusedCookieIs401() {
    String first = refreshCookie(login(user())).value();
    var rotated = refreshWithCookie(first);
    assertThat(rotated.statusCode()).isEqualTo(200);
    String second = refreshCookie(rotated).value();
    String access = rotated.bodyAsJsonObject().getString("access_token");

    var reuse = refreshWithCookie(first);
    assertThat(reuse.statusCode()).isEqualTo(401);
    assertThat(reuse.bodyAsJsonObject().getString("error")).isEqualTo("invalid_grant");

    assertThat(refreshWithCookie(second).statusCode()).isEqualTo(401);
    assertThat(server.getResource("/api/me", access).statusCode()).isEqualTo(401);
  }

  @Test
  @DisplayName("POST /auth/refresh with neither a cookie nor a body is 400 invalid_request")
  void noCookieNoBody() {
    var res = server.client.post(server.authPort(), "127.0.0.1", "/auth/refresh").send().await();

    assertThat(res.statusCode()).isEqualTo(400);
    assertThat(res.bodyAsJsonObject().getString("error")).isEqualTo("invalid_request");
  }

  @Test
  @DisplayName("Logout with the cookie is 204 and expires it (Max-Age=0); its refresh token and the access token are dead")
  void logoutExpiresCookie() {
    var res = login(user());
    String cookie = refreshCookie(res).value();
    String access = res.bodyAsJsonObject().getString("access_token");

    var logout = server.client.post(server.authPort(), "127.0.0.1", "/auth/logout")
        .putHeader("Authorization", "Bearer " + access)
        .putHeader("Cookie", "refresh_token=" + cookie).send().await();
    assertThat(logout.statusCode()).as("body %s", logout.bodyAsString()).isEqualTo(204);
    SetCookie cleared = refreshCookie(logout);
    assertThat(cleared.value()).isEmpty();
    assertThat(cleared.get("Max-Age")).isEqualTo("0");
    assertThat(cleared.get("Path")).isEqualTo("/auth");

    assertThat(refreshWithCookie(cookie).statusCode()).isEqualTo(401);
    assertThat(server.getResource("/api/me", access).statusCode()).isEqualTo(401);
  }

  @Test
  @DisplayName("Logout ends the cookie's session even when the cookie belongs to another login of the same user")
  void logoutRevokesTheCookiesSession() {
    String name = user();
    String access = login(name).bodyAsJsonObject().getString("access_token");
    String otherSessionCookie = refreshCookie(login(name)).value();

    var logout = server.client.post(server.authPort(), "127.0.0.1", "/auth/logout")
        .putHeader("Authorization", "Bearer " + access)
        .putHeader("Cookie", "refresh_token=" + otherSessionCookie).send().await();
    assertThat(logout.statusCode()).isEqualTo(204);

    assertThat(refreshWithCookie(otherSessionCookie).statusCode()).isEqualTo(401);
  }
}
