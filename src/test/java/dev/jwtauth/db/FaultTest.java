package dev.jwtauth.db;

import dev.jwtauth.config.AppConfig;
import dev.jwtauth.config.ConfigException;
import dev.jwtauth.launcher.App;
import dev.jwtauth.testsupport.TestServer;
import io.vertx.core.Vertx;
import io.vertx.core.buffer.Buffer;
import io.vertx.core.json.JsonObject;
import io.vertx.ext.web.client.HttpResponse;
import io.vertx.ext.web.client.WebClient;
import io.vertx.junit5.VertxExtension;
import io.vertx.pgclient.PgBuilder;
import io.vertx.pgclient.PgConnectOptions;
import io.vertx.sqlclient.Pool;
import org.junit.jupiter.api.DisplayName;
import org.junit.jupiter.api.Tag;
import org.slf4j.LoggerFactory;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.ExtendWith;

import java.time.Clock;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

@Tag("slow")
@ExtendWith(VertxExtension.class)
@DisplayName("Database faults: validation goes on, issuance answers 503 quickly, all recovers without a restart")
class FaultTest {

  @Test
  @DisplayName("PostgreSQL stops and comes back")
  void databaseOutage() {
    JsonObject settings = TestServer.baseSettings().put("PG_URI", "").put("DATA_DIR", TestServer.tempDir("data").toString())
        .put("AUTH_HTTP_PORT", TestServer.freePort()).put("RESOURCE_HTTP_PORT", TestServer.freePort());
    AppConfig cfg = AppConfig.from(settings);
    Vertx vertx = Vertx.vertx();
    WebClient client = WebClient.create(vertx);
    try (App app = App.start(cfg, Clock.systemUTC(), false)) {
      JsonObject login = login(client, cfg).bodyAsJsonObject();
      String access = login.getString("access_token");

      app.embeddedDatabase().stop();

      assertThat(me(client, cfg, access).statusCode()).isEqualTo(200);
      long t0 = System.nanoTime();
      HttpResponse<Buffer> down = login(client, cfg);
      long millis = (System.nanoTime() - t0) / 1_000_000;
      assertThat(down.statusCode()).isEqualTo(503);
      assertThat(down.bodyAsJsonObject().getString("error")).isEqualTo("temporarily_unavailable");
      assertThat(down.getHeader("Retry-After")).isNotNull();
      assertThat(millis).as("a database outage answers quickly, not after a hang").isLessThan(6_000);
      LoggerFactory.getLogger(getClass()).info("FAULT login answered 503 in " + millis + " ms with PostgreSQL down");
      var refresh = client.post(cfg.authHttpPort(), "127.0.0.1", "/auth/refresh")
          .sendJsonObject(new JsonObject().put("refresh_token", login.getString("refresh_token"))).await();
      assertThat(refresh.statusCode()).isEqualTo(503);
      assertThat(client.get(cfg.authHttpPort(), "127.0.0.1", "/ready").send().await().statusCode()).isEqualTo(503);
      assertThat(client.get(cfg.authHttpPort(), "127.0.0.1", "/health").send().await().statusCode()).isEqualTo(200);
      assertThat(me(client, cfg, access).statusCode()).isEqualTo(200);

      app.embeddedDatabase().restart();

      HttpResponse<Buffer> back = null;
      for (int i = 0; i < 50 && (back == null || back.statusCode() != 200); i++) {
        back = login(client, cfg);
      }
      assertThat(back.statusCode()).isEqualTo(200);
      assertThat(client.get(cfg.authHttpPort(), "127.0.0.1", "/ready").send().await().statusCode()).isEqualTo(200);
      var rotated = client.post(cfg.authHttpPort(), "127.0.0.1", "/auth/refresh")
          .sendJsonObject(new JsonObject().put("refresh_token", login.getString("refresh_token"))).await();
      assertThat(rotated.statusCode()).isEqualTo(200);
    } finally {
      vertx.close().await();
    }
  }

  @Test
  @DisplayName("a database at a newer schema version stops start-up with one sentence")
  void newerSchema() {
    JsonObject settings = TestServer.baseSettings()
        .put("AUTH_HTTP_PORT", TestServer.freePort()).put("RESOURCE_HTTP_PORT", TestServer.freePort());
    AppConfig cfg = AppConfig.from(settings);
    App.start(cfg, Clock.systemUTC(), false).close();
    Vertx vertx = Vertx.vertx();
    try {
      Pool pool = PgBuilder.pool().connectingTo(PgConnectOptions.fromUri(cfg.pgUri())).using(vertx).build();
      pool.query("INSERT INTO schema_version (version, name) VALUES (99, 'V99__future.sql')").execute().await();
      pool.close().await();
    } finally {
      vertx.close().await();
    }
    assertThatThrownBy(() -> App.start(cfg, Clock.systemUTC(), false))
        .isInstanceOf(ConfigException.class)
        .hasMessage("The database schema is at version 99, newer than this server's " + Migrations.latest()
            + "; run a newer jwt-auth-server or point PG_URI elsewhere.");
  }

  private static HttpResponse<Buffer> login(WebClient client, AppConfig cfg) {
    return client.post(cfg.authHttpPort(), "127.0.0.1", "/auth/login")
        .sendJsonObject(new JsonObject().put("username", "admin").put("password", TestServer.ADMIN_PASSWORD)).await();
  }

  private static HttpResponse<Buffer> me(WebClient client, AppConfig cfg, String token) {
    return client.get(cfg.resourceHttpPort(), "127.0.0.1", "/api/me").putHeader("Authorization", "Bearer " + token)
        .send().await();
  }
}
