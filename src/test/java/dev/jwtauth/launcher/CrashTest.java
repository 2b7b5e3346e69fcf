package dev.jwtauth.launcher;

import dev.jwtauth.testsupport.TestServer;
import io.vertx.core.Future;
import io.vertx.core.Vertx;
import io.vertx.core.buffer.Buffer;
import io.vertx.core.json.JsonObject;
import io.vertx.ext.web.client.HttpResponse;
import io.vertx.ext.web.client.WebClient;
import io.vertx.pgclient.PgBuilder;
import io.vertx.pgclient.PgConnectOptions;
import io.vertx.sqlclient.Pool;
import org.junit.jupiter.api.DisplayName;
import org.junit.jupiter.api.Tag;
import org.slf4j.LoggerFactory;
import org.junit.jupiter.api.Test;

import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;

import static org.assertj.core.api.Assertions.assertThat;

@Tag("slow")
@DisplayName("kill -9 in the middle of refresh traffic loses nothing and leaves no family half-rotated")
class CrashTest {

  /** The server as a separate JVM (the launcher's main), so it can really be killed. */
  private static Process launch(Map<String, String> env, Path cwd) throws Exception {
    ProcessBuilder pb = new ProcessBuilder(Path.of(System.getProperty("java.home"), "bin", "java").toString(),
        "-cp", System.getProperty("java.class.path"), Main.class.getName())
        .directory(cwd.toFile()).redirectErrorStream(true)
        .redirectOutput(cwd.resolve("server.log").toFile());
    pb.environment().putAll(env);
    return pb.start();
  }

  private static void awaitHealthy(Vertx vertx, WebClient client, int port, Process p) {
    for (int i = 0; i < 600; i++) {
      assertThat(p.isAlive()).as("server process alive").isTrue();
      try {
        if (client.get(port, "127.0.0.1", "/health").send().await().statusCode() == 200) {
          return;
        }
      } catch (Exception notYet) {
        // not listening yet
      }
      vertx.timer(100).await();
    }
    throw new AssertionError("server did not become healthy");
  }

  @Test
  @DisplayName("after kill -9 and a restart: users, revocations and old tokens intact, every rotation complete")
  void killDuringRefreshes() throws Exception {
    JsonObject settings = TestServer.baseSettings();
    int auth = TestServer.freePort();
    int resource = TestServer.freePort();
    Path cwd = TestServer.tempDir("crash");
    Map<String, String> env = Map.of(
        "PG_URI", settings.getString("PG_URI"), "KEYS_DIR", settings.getString("KEYS_DIR"),
        "AUTH_HTTP_PORT", Integer.toString(auth), "RESOURCE_HTTP_PORT", Integer.toString(resource),
        "HTTP_HOST", "127.0.0.1", "BOOTSTRAP_ADMIN_PASSWORD", TestServer.ADMIN_PASSWORD, "HASH_WORKERS", "2");
    Vertx vertx = Vertx.vertx();
    WebClient client = WebClient.create(vertx);
    Process server = launch(env, cwd);
    try {
      awaitHealthy(vertx, client, resource, server);
      List<JsonObject> sessions = new ArrayList<>();
      for (int i = 0; i < 8; i++) {
        sessions.add(client.post(auth, "127.0.0.1", "/auth/login").sendJsonObject(
            new JsonObject().put("username", "admin").put("password", TestServer.ADMIN_PASSWORD)).await().bodyAsJsonObject());
      }
      String before = sessions.get(0).getString("access_token");
      JsonObject loggedOut = sessions.get(1);
      assertThat(client.post(auth, "127.0.0.1", "/auth/logout").putHeader("Authorization", "Bearer "
          + loggedOut.getString("access_token")).send().await().statusCode()).isEqualTo(204);

      // Refresh chains on sessions 2..7, each request using the token the previous one returned; kill mid-way.
      List<Future<?>> chains = new ArrayList<>();
      for (int s = 2; s < sessions.size(); s++) {
        chains.add(chain(client, auth, sessions.get(s).getString("refresh_token"), 1_000));
      }
      vertx.timer(400).await();
      server.destroyForcibly();
      assertThat(server.waitFor(30, TimeUnit.SECONDS)).isTrue();
      Future.join(chains).otherwiseEmpty().await();

      Pool pool = PgBuilder.pool().connectingTo(PgConnectOptions.fromUri(env.get("PG_URI"))).using(vertx).build();
      try {
        long rotated = pool.query("SELECT count(*) AS n FROM refresh_tokens WHERE used_at IS NOT NULL").execute().await()
            .iterator().next().getLong("n");
        long halfRotated = pool.query("SELECT count(*) AS n FROM refresh_tokens a WHERE a.used_at IS NOT NULL"
            + " AND NOT EXISTS (SELECT 1 FROM refresh_tokens b WHERE b.id = a.replaced_by)").execute().await()
            .iterator().next().getLong("n");
        LoggerFactory.getLogger(getClass()).info("CRASH killed after " + rotated + " committed rotations; half-rotated: " + halfRotated);
        assertThat(rotated).isGreaterThan(0);
        assertThat(halfRotated).isZero();
      } finally {
        pool.close().await();
      }

      server = launch(env, cwd);
      awaitHealthy(vertx, client, resource, server);
      assertThat(me(client, resource, before).statusCode()).isEqualTo(200);
      assertThat(me(client, resource, loggedOut.getString("access_token")).statusCode()).isEqualTo(401);
      assertThat(client.post(auth, "127.0.0.1", "/auth/login").sendJsonObject(
          new JsonObject().put("username", "admin").put("password", TestServer.ADMIN_PASSWORD)).await().statusCode())
          .isEqualTo(200);
    } finally {
      server.destroy();
      server.waitFor(30, TimeUnit.SECONDS);
      vertx.close().await();
    }
  }

  private static HttpResponse<Buffer> me(WebClient client, int port, String token) {
    return client.get(port, "127.0.0.1", "/api/me").putHeader("Authorization", "Bearer " + token).send().await();
  }

  /** Refreshes {@code left} times in sequence; stops at the first failure (the kill). */
  private static Future<Void> chain(WebClient client, int port, String refresh, int left) {
    if (left == 0) {
      return Future.succeededFuture();
    }
    return client.post(port, "127.0.0.1", "/auth/refresh").sendJsonObject(new JsonObject().put("refresh_token", refresh))
        .compose(res -> res.statusCode() == 200
            ? chain(client, port, res.bodyAsJsonObject().getString("refresh_token"), left - 1)
            : Future.failedFuture("status " + res.statusCode()));
  }
}
