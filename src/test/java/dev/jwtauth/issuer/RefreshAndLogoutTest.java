package dev.jwtauth.issuer;

import dev.jwtauth.testsupport.TestServer;
import io.vertx.core.Future;
import io.vertx.core.buffer.Buffer;
import io.vertx.core.json.JsonObject;
import io.vertx.ext.web.client.HttpResponse;
import io.vertx.junit5.VertxExtension;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.DisplayName;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.ExtendWith;

import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.UUID;

import static org.assertj.core.api.Assertions.assertThat;

@ExtendWith(VertxExtension.class)
@DisplayName("Refresh rotation, reuse detection and logout")
class RefreshAndLogoutTest {
  static TestServer server;

  @BeforeAll
  static void start() {
    server = TestServer.start();
  }

  @AfterAll
  static void stop() {
    server.close();
  }

  private static String user() {
    String name = "u" + UUID.randomUUID().toString().substring(0, 8);
    server.createUser(name, "password-" + name, "user");
    return name;
  }

  private static JsonObject login(String name) {
    var res = server.login(name, "password-" + name);
    assertThat(res.statusCode()).isEqualTo(200);
    return res.bodyAsJsonObject();
  }

  private static HttpResponse<Buffer> refresh(String refreshToken) {
    return server.postJson("/auth/refresh", null, new JsonObject().put("refresh_token", refreshToken));
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
    String sid1 = dev.jwtauth.testsupport.Jwts.part(first.getString("access_token"), 1).getString("sid");
    String sid2 = dev.jwtauth.testsupport.Jwts.part(second.getString("access_token"), 1).getString("sid");
    assertThat(sid2).isEqualTo(sid1);
    assertThat(server.getResource("/api/me", second.getString("access_token")).statusCode()).isEqualTo(200);
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
    assertThat(server.getResource("/api/me", second.getString("access_token")).statusCode()).isEqualTo(401);
    assertThat(server.getResource("/api/me", first.getString("access_token")).statusCode()).isEqualTo(401);
  }

  @Test
  @DisplayName("unknown, garbage and disabled-user refresh tokens are refused with 401 invalid_grant")
  void refusesBadTokens() {
    assertThat(refresh("not-a-token").statusCode()).isEqualTo(401);
    assertThat(refresh("x".repeat(43)).bodyAsJsonObject().getString("error")).isEqualTo("invalid_grant");
    var missing = server.postJson("/auth/refresh", null, new JsonObject());
    assertThat(missing.statusCode()).isEqualTo(400);

    String name = user();
    JsonObject tokens = login(name);
    io.vertx.core.Vertx v = io.vertx.core.Vertx.vertx();
    try {
      var pool = io.vertx.pgclient.PgBuilder.pool()
          .connectingTo(io.vertx.pgclient.PgConnectOptions.fromUri(server.config().pgUri())).using(v).build();
      pool.preparedQuery("UPDATE users SET disabled = true WHERE username = $1")
          .execute(io.vertx.sqlclient.Tuple.of(name)).await();
      pool.close().await();
    } finally {
      v.close().await();
    }
    assertThat(refresh(tokens.getString("refresh_token")).statusCode()).isEqualTo(401);
    assertThat(server.login(name, "password-" + name).statusCode()).isEqualTo(401);
  }

  @Test
  @DisplayName("50 concurrent refreshes of one token in strict mode: exactly one 200, the rest 401, no 5xx")
  void concurrentStrict() {
    JsonObject tokens = login(user());
    List<HttpResponse<Buffer>> results = concurrentRefreshes(server, tokens.getString("refresh_token"), 50);
    assertThat(results).allSatisfy(r -> assertThat(r.statusCode()).isIn(200, 401));
    assertThat(results.stream().filter(r -> r.statusCode() == 200)).hasSize(1);
  }

  @Test
  @DisplayName("with a grace period, 50 concurrent refreshes of one token all keep a working session")
  void concurrentWithGrace() {
    try (TestServer graceful = TestServer.start(Map.of("REFRESH_GRACE", 10))) {
      graceful.createUser("tabs", "tabs-password", "user");
      JsonObject tokens = graceful.login("tabs", "tabs-password").bodyAsJsonObject();
      List<HttpResponse<Buffer>> results = concurrentRefreshes(graceful, tokens.getString("refresh_token"), 50);
      assertThat(results).allSatisfy(r -> assertThat(r.statusCode()).isEqualTo(200));
      for (HttpResponse<Buffer> r : results) {
        assertThat(graceful.getResource("/api/me", r.bodyAsJsonObject().getString("access_token")).statusCode())
            .isEqualTo(200);
      }
      String last = results.get(49).bodyAsJsonObject().getString("refresh_token");
      assertThat(graceful.postJson("/auth/refresh", null, new JsonObject().put("refresh_token", last)).statusCode())
          .isEqualTo(200);
    }
  }

  private static List<HttpResponse<Buffer>> concurrentRefreshes(TestServer s, String token, int n) {
    List<Future<HttpResponse<Buffer>>> all = new ArrayList<>();
    for (int i = 0; i < n; i++) {
      all.add(s.client.post(s.authPort(), "127.0.0.1", "/auth/refresh")
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
    assertThat(server.getResource("/api/me", access).statusCode()).isEqualTo(200);

    var out = server.postJson("/auth/logout", access, new JsonObject().put("refresh_token", tokens.getString("refresh_token")));
    assertThat(out.statusCode()).isEqualTo(204);

    assertThat(server.getResource("/api/me", access).statusCode()).isEqualTo(401);
    assertThat(refresh(tokens.getString("refresh_token")).statusCode()).isEqualTo(401);
    assertThat(server.postJson("/auth/logout", access, new JsonObject()).statusCode()).isEqualTo(401);
  }

  @Test
  @DisplayName("logout without a refresh token still ends the whole session")
  void logoutWithoutRefreshToken() {
    JsonObject tokens = login(user());
    var out = server.client.post(server.authPort(), "127.0.0.1", "/auth/logout")
        .putHeader("Authorization", "Bearer " + tokens.getString("access_token")).send().await();
    assertThat(out.statusCode()).isEqualTo(204);
    assertThat(refresh(tokens.getString("refresh_token")).statusCode()).isEqualTo(401);
  }

  @Test
  @DisplayName("logout needs an access token")
  void logoutNeedsToken() {
    var res = server.postJson("/auth/logout", null, new JsonObject());
    assertThat(res.statusCode()).isEqualTo(401);
    assertThat(res.getHeader("WWW-Authenticate")).startsWith("Bearer");
  }
}
