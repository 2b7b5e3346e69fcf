package dev.jwtauth.launcher;

import dev.jwtauth.config.AppConfig;
import dev.jwtauth.testsupport.TestServer;
import io.vertx.core.Vertx;
import io.vertx.core.json.JsonObject;
import io.vertx.ext.web.client.WebClient;
import io.vertx.junit5.VertxExtension;
import org.junit.jupiter.api.DisplayName;
import org.junit.jupiter.api.Tag;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.ExtendWith;

import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFilePermissions;
import java.time.Clock;

import static org.assertj.core.api.Assertions.assertThat;

@Tag("slow")
@ExtendWith(VertxExtension.class)
@DisplayName("Restarts keep keys, users and issued tokens")
class RestartTest {

  @Test
  @DisplayName("a token issued before a restart is accepted after it, and users persist")
  void tokenSurvivesRestart() {
    try (TestServer server = TestServer.start()) {
      server.createUser("bob", "bob-password", "user");
      String before = server.accessToken("bob", "bob-password");
      String kidBefore = server.keys().active().kid();

      server.restart();

      assertThat(server.keys().active().kid()).isEqualTo(kidBefore);
      var me = server.getResource("/api/me", before);
      assertThat(me.statusCode()).isEqualTo(200);
      assertThat(me.bodyAsJsonObject().getString("username")).isEqualTo("bob");
      assertThat(server.login("bob", "bob-password").statusCode()).isEqualTo(200);
    }
  }

  @Test
  @DisplayName("revocations survive a restart: a logged-out token stays rejected")
  void revocationSurvivesRestart() {
    try (TestServer server = TestServer.start()) {
      var login = server.login("admin", TestServer.ADMIN_PASSWORD).bodyAsJsonObject();
      String access = login.getString("access_token");
      String other = server.accessToken("admin", TestServer.ADMIN_PASSWORD);
      assertThat(server.postJson("/auth/logout", access, new JsonObject()).statusCode()).isEqualTo(204);
      assertThat(server.getResource("/api/me", access).statusCode()).isEqualTo(401);

      server.restart();

      assertThat(server.getResource("/api/me", access).statusCode()).isEqualTo(401);
      assertThat(server.postJson("/auth/refresh", null, new JsonObject().put("refresh_token", login.getString("refresh_token")))
          .statusCode()).isEqualTo(401);
      assertThat(server.getResource("/api/me", other).statusCode()).isEqualTo(200);
    }
  }

  @Test
  @DisplayName("private key files are written with mode 0600")
  void privateKeyMode() throws Exception {
    try (TestServer server = TestServer.start()) {
      Path keys = server.config().keysDir();
      try (var files = Files.list(keys)) {
        for (Path p : (Iterable<Path>) files::iterator) {
          String perms = PosixFilePermissions.toString(Files.getPosixFilePermissions(p));
          if (p.toString().endsWith(".key.pem")) {
            assertThat(perms).isEqualTo("rw-------");
          }
        }
      }
      assertThat(server.keys().all()).hasSize(1);
    }
  }

  @Test
  @DisplayName("with no PG_URI the embedded PostgreSQL keeps its data under DATA_DIR across restarts")
  void embeddedDatabasePersists() {
    Path dataDir = TestServer.tempDir("data");
    JsonObject settings = TestServer.baseSettings().put("PG_URI", "").put("DATA_DIR", dataDir.toString());
    Vertx vertx = Vertx.vertx();
    WebClient client = WebClient.create(vertx);
    try {
      int auth = TestServer.freePort();
      AppConfig cfg = AppConfig.from(settings.copy().put("AUTH_HTTP_PORT", auth).put("RESOURCE_HTTP_PORT", TestServer.freePort()));
      String token;
      try (App app = App.start(cfg, Clock.systemUTC(), false)) {
        assertThat(app.embeddedDatabase()).isNotNull();
        token = login(client, auth);
      }
      assertThat(dataDir.resolve("pg").resolve("PG_VERSION")).exists();
      assertThat(dataDir.resolve("pg").resolve("postmaster.pid")).doesNotExist();

      int auth2 = TestServer.freePort();
      int resource2 = TestServer.freePort();
      AppConfig again = AppConfig.from(settings.copy().put("AUTH_HTTP_PORT", auth2).put("RESOURCE_HTTP_PORT", resource2)
          .put("BOOTSTRAP_ADMIN_PASSWORD", ""));
      try (App app = App.start(again, Clock.systemUTC(), false)) {
        assertThat(login(client, auth2)).isNotBlank();
        var me = client.get(resource2, "127.0.0.1", "/api/me").putHeader("Authorization", "Bearer " + token).send().await();
        assertThat(me.statusCode()).isEqualTo(200);
      }
    } finally {
      vertx.close().await();
    }
  }

  private static String login(WebClient client, int port) {
    var res = client.post(port, "127.0.0.1", "/auth/login")
        .sendJsonObject(new JsonObject().put("username", "admin").put("password", TestServer.ADMIN_PASSWORD)).await();
    assertThat(res.statusCode()).isEqualTo(200);
    return res.bodyAsJsonObject().getString("access_token");
  }
}
