package dev.jwtauth.issuer;

import dev.jwtauth.testsupport.AuthClient;
import dev.jwtauth.testsupport.Jwts;
import dev.jwtauth.testsupport.ServerExtension;
import dev.jwtauth.testsupport.TestServer;
import dev.jwtauth.testsupport.TestUser;
import io.vertx.core.Future;
import io.vertx.core.Vertx;
import io.vertx.core.buffer.Buffer;
import io.vertx.core.http.HttpMethod;
import io.vertx.core.json.JsonObject;
import io.vertx.ext.web.client.HttpResponse;
import io.vertx.pgclient.PgBuilder;
import io.vertx.pgclient.PgConnectOptions;
import io.vertx.sqlclient.Tuple;
import org.junit.jupiter.api.DisplayName;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;

import java.util.ArrayList;
import java.util.List;
import java.util.Map;

import static org.assertj.core.api.Assertions.assertThat;

@DisplayName("Refresh rotation, reuse detection and logout")
class RefreshAndLogoutTest {
  @RegisterExtension
  static final ServerExtension server = ServerExtension.create();

  private static TestUser user() {
    return server.newUser("u", "user");
  }

  private static JsonObject login(TestUser user) {
    var res = server.http().login(user.name(), user.password());
    assertThat(res.statusCode()).isEqualTo(200);
    return res.bodyAsJsonObject();
  }

  private static HttpResponse<Buffer> refresh(String refreshToken) {
    return server.http().refresh(refreshToken);
  }

  private static HttpResponse<Buffer> me(String accessToken) {
    return server.http().me(accessToken);
  }

  @Test
  @DisplayName("a refresh returns a new pair in the same session; the old refresh token is consumed")
  void rotates() {
    JsonObject first = login(user());
    var res = refresh(first.getString("refresh_token"));
    assertThat(res.statusCode()).isEqualTo(200);
    assertThat(res.getHeader("Cache-Control")).isEqualTo("no-store");
    JsonObject second = res.bodyAsJsonObject();
    assertThat(second.getString("refresh_token")).isNotEqualTo(first.getString("refresh_token"));
    String sid1 = Jwts.part(first.getString("access_token"), 1).getString("sid");
    String sid2 = Jwts.part(second.getString("access_token"), 1).getString("sid");
    assertThat(sid2).isEqualTo(sid1);
    assertThat(me(second.getString("access_token")).statusCode()).isEqualTo(200);
    assertThat(refresh(second.getString("refresh_token")).statusCode()).isEqualTo(200);
  }

  @Test
  @DisplayName("a refresh token used twice revokes its whole family and the session's access tokens")
  void reuseRevokesFamily() {
    JsonObject first = login(user());
    JsonObject second = refresh(first.getString("refresh_token")).bodyAsJsonObject();

    var reuse = refresh(first.getString("refresh_token"));
    assertThat(reuse.statusCode()).isEqualTo(401);
    assertThat(reuse.bodyAsJsonObject().getString("error")).isEqualTo("invalid_grant");

    assertThat(refresh(second.getString("refresh_token")).statusCode()).isEqualTo(401);
    assertThat(me(second.getString("access_token")).statusCode()).isEqualTo(401);
    assertThat(me(first.getString("access_token")).statusCode()).isEqualTo(401);
  }

  @Test
  @DisplayName("unknown, garbage and disabled-user refresh tokens are refused with 401 invalid_grant")
  void refusesBadTokens() {
    assertThat(refresh("not-a-token").statusCode()).isEqualTo(401);
    assertThat(refresh("x".repeat(43)).bodyAsJsonObject().getString("error")).isEqualTo("invalid_grant");
    var missing = server.http().post("/auth/refresh", null, new JsonObject());
    assertThat(missing.statusCode()).isEqualTo(400);

    TestUser user = user();
    JsonObject tokens = login(user);
    Vertx v = Vertx.vertx();
    try {
      var pool = PgBuilder.pool().connectingTo(PgConnectOptions.fromUri(server.config().pgUri())).using(v).build();
      pool.preparedQuery("UPDATE users SET disabled = true WHERE username = $1").execute(Tuple.of(user.name())).await();
      pool.close().await();
    } finally {
      v.close().await();
    }
    assertThat(refresh(tokens.getString("refresh_token")).statusCode()).isEqualTo(401);
    assertThat(server.http().login(user.name(), user.password()).statusCode()).isEqualTo(401);
  }

  @Test
  @DisplayName("50 concurrent refreshes of one token in strict mode: exactly one 200, the rest 401, no 5xx")
  void concurrentStrict() {
    JsonObject tokens = login(user());
    List<HttpResponse<Buffer>> results = concurrentRefreshes(server.http(), tokens.getString("refresh_token"), 50);
    assertThat(results).allSatisfy(r -> assertThat(r.statusCode()).isIn(200, 401));
    assertThat(results.stream().filter(r -> r.statusCode() == 200)).hasSize(1);
  }

  @Test
  @DisplayName("with a grace period, 50 concurrent refreshes of one token all keep a working session")
  void concurrentWithGrace() {
    try (TestServer graceful = TestServer.start(Map.of("REFRESH_GRACE", 10))) {
      AuthClient http = graceful.http();
      graceful.createUser("tabs", "tabs-password", "user");
      JsonObject tokens = http.login("tabs", "tabs-password").bodyAsJsonObject();
      List<HttpResponse<Buffer>> results = concurrentRefreshes(http, tokens.getString("refresh_token"), 50);
      assertThat(results).allSatisfy(r -> assertThat(r.statusCode()).isEqualTo(200));
      for (HttpResponse<Buffer> r : results) {
        assertThat(http.me(r.bodyAsJsonObject().getString("access_token")).statusCode()).isEqualTo(200);
      }
      String last = results.get(49).bodyAsJsonObject().getString("refresh_token");
      assertThat(http.refresh(last).statusCode()).isEqualTo(200);
    }
  }

  /** {@code n} refreshes of one token, all sent before any answer is awaited. */
  private static List<HttpResponse<Buffer>> concurrentRefreshes(AuthClient http, String token, int n) {
    List<Future<HttpResponse<Buffer>>> all = new ArrayList<>();
    for (int i = 0; i < n; i++) {
      all.add(http.request(HttpMethod.POST, AuthClient.Origin.AUTH, "/auth/refresh")
          .sendJsonObject(new JsonObject().put("refresh_token", token)));
    }
    Future.join(all).await();
    return all.stream().map(Future::result).toList();
  }

  @Test
  @DisplayName("logout rejects the access token at once and kills the refresh token")
  void logout() {
    JsonObject tokens = login(user());
    String access = tokens.getString("access_token");
    assertThat(me(access).statusCode()).isEqualTo(200);

    var out = server.http().logout(access, tokens.getString("refresh_token"));
    assertThat(out.statusCode()).isEqualTo(204);

    assertThat(me(access).statusCode()).isEqualTo(401);
    assertThat(refresh(tokens.getString("refresh_token")).statusCode()).isEqualTo(401);
    assertThat(server.http().post("/auth/logout", access, new JsonObject()).statusCode()).isEqualTo(401);
  }

  @Test
  @DisplayName("logout without a refresh token still ends the whole session")
  void logoutWithoutRefreshToken() {
    JsonObject tokens = login(user());
    var out = server.http().logout(tokens.getString("access_token"), null);
    assertThat(out.statusCode()).isEqualTo(204);
    assertThat(refresh(tokens.getString("refresh_token")).statusCode()).isEqualTo(401);
  }

  @Test
  @DisplayName("logout needs an access token")
  void logoutNeedsToken() {
    var res = server.http().post("/auth/logout", null, new JsonObject());
    assertThat(res.statusCode()).isEqualTo(401);
    assertThat(res.getHeader("WWW-Authenticate")).startsWith("Bearer");
  }
}
