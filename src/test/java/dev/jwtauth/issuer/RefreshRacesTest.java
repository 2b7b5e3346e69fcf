package dev.jwtauth.issuer;

import dev.jwtauth.testsupport.TestServer;
import io.vertx.core.Future;
import io.vertx.core.buffer.Buffer;
import io.vertx.core.json.JsonObject;
import io.vertx.ext.web.client.HttpResponse;
import io.vertx.sqlclient.Pool;
import io.vertx.sqlclient.Tuple;
import dev.jwtauth.db.Database;
import dev.jwtauth.testsupport.Jwts;
import dev.jwtauth.tokens.SessionIds;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.DisplayName;
import org.junit.jupiter.api.Test;

import java.util.ArrayList;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;

import static org.assertj.core.api.Assertions.assertThat;

@DisplayName("Refresh rotation under races: one successor per grace window, no token surviving a revoked session")
class RefreshRacesTest {
  static TestServer server;

  @BeforeAll
  static void start() {
    server = TestServer.start(Map.of("REFRESH_GRACE", 10));
    server.createUser("racer", "racer-password", "user");
  }

  @AfterAll
  static void stop() {
    server.close();
  }

  private static HttpResponse<Buffer> refresh(String token) {
    return server.postJson("/auth/refresh", null, new JsonObject().put("refresh_token", token));
  }

  private static long familySize(String sid) {
    Pool pool = Database.pool(server.app().vertx(), server.config().pgUri(), server.config());
    try {
      return pool.preparedQuery("SELECT count(*) AS n FROM refresh_tokens WHERE family_id = $1")
          .execute(Tuple.of(SessionIds.family(sid))).await().iterator().next().getLong("n");
    } finally {
      pool.close().await();
    }
  }

  @Test
  @DisplayName("REFRESH_GRACE: every retry of a just-rotated token gets the same successor; the family does not branch")
  void sameSuccessorWithinGrace() {
    JsonObject login = server.login("racer", "racer-password").bodyAsJsonObject();
    String sid = Jwts.part(login.getString("access_token"), 1).getString("sid");
    String first = login.getString("refresh_token");

    List<Future<HttpResponse<Buffer>>> all = new ArrayList<>();
    for (int i = 0; i < 20; i++) {
      all.add(server.client.post(server.authPort(), "127.0.0.1", "/auth/refresh")
          .sendJsonObject(new JsonObject().put("refresh_token", first)));
    }
    Future.join(all).await();
    Set<String> successors = new HashSet<>();
    for (var f : all) {
      assertThat(f.result().statusCode()).isEqualTo(200);
      successors.add(f.result().bodyAsJsonObject().getString("refresh_token"));
    }

    assertThat(successors).hasSize(1);
    assertThat(successors.iterator().next()).isNotEqualTo(first).hasSize(43);
    assertThat(familySize(sid)).as("the login's token and its one successor").isEqualTo(2);
    var next = refresh(successors.iterator().next());
    assertThat(next.statusCode()).isEqualTo(200);
  }

  @Test
  @DisplayName("a session revoked while its refresh token is being rotated leaves no working refresh token")
  void revokedWhileRotating() {
    for (int round = 0; round < 15; round++) {
      JsonObject login = server.login("racer", "racer-password").bodyAsJsonObject();
      String access = login.getString("access_token");
      String token = login.getString("refresh_token");
      List<Future<HttpResponse<Buffer>>> refreshes = new ArrayList<>();
      for (int i = 0; i < 4; i++) {
        refreshes.add(server.client.post(server.authPort(), "127.0.0.1", "/auth/refresh")
            .sendJsonObject(new JsonObject().put("refresh_token", token)));
      }
      var logout = server.client.post(server.authPort(), "127.0.0.1", "/auth/logout")
          .putHeader("Authorization", "Bearer " + access).send();
      Future.join(new ArrayList<>(refreshes) {{ add(logout.map(r -> null)); }}).await();
      assertThat(logout.result().statusCode()).isEqualTo(204);

      for (var f : refreshes) {
        if (f.result().statusCode() == 200) {
          String survivor = f.result().bodyAsJsonObject().getString("refresh_token");
          assertThat(refresh(survivor).statusCode()).as("round %d: a successor outlived the logout", round).isEqualTo(401);
        }
      }
    }
  }
}
