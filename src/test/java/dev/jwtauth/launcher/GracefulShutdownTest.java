package dev.jwtauth.launcher;

import dev.jwtauth.ops.Readiness;
import dev.jwtauth.testsupport.ServerProcess;
import dev.jwtauth.testsupport.TestServer;
import io.vertx.core.Future;
import io.vertx.core.Vertx;
import io.vertx.core.buffer.Buffer;
import io.vertx.core.json.JsonObject;
import io.vertx.ext.web.client.HttpResponse;
import io.vertx.ext.web.client.WebClient;
import io.vertx.ext.web.client.WebClientOptions;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.DisplayName;
import org.junit.jupiter.api.Tag;
import org.junit.jupiter.api.Test;

import java.util.Map;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;

import static org.assertj.core.api.Assertions.assertThat;

@DisplayName("Graceful shutdown: not ready first, no new connections, requests in flight finish within SHUTDOWN_GRACE")
class GracefulShutdownTest {
  private final Vertx vertx = Vertx.vertx();
  // a new connection per request: a refused connection is what a load balancer retries elsewhere
  private final WebClient web = WebClient.create(vertx, new WebClientOptions().setKeepAlive(false));

  @AfterEach
  void closeClient() {
    vertx.close().await();
  }

  @Test
  @DisplayName("From the start of a shutdown /ready answers 503 (check 'accepting' DOWN) on both origins while /health stays 200")
  void notReadyFirst() {
    try (TestServer server = TestServer.start()) {
      assertThat(web.get(server.authPort(), "127.0.0.1", "/ready").send().await().statusCode()).isEqualTo(200);
      Readiness.markDraining(server.app().vertx());
      for (int port : new int[] {server.authPort(), server.resourcePort()}) {
        var ready = web.get(port, "127.0.0.1", "/ready").send().await();
        assertThat(ready.statusCode()).isEqualTo(503);
        assertThat(ready.bodyAsJsonObject().getJsonArray("checks").stream().map(c -> (JsonObject) c)
            .filter(c -> c.getString("id").equals("accepting")).findFirst().orElseThrow().getString("status"))
            .isEqualTo("DOWN");
        assertThat(web.get(port, "127.0.0.1", "/health").send().await().statusCode()).isEqualTo(200);
      }
    }
  }

  @Test
  @DisplayName("The audit event of the last request before a shutdown is stored, though its write was still waiting on the database")
  void lastAuditEventStored() throws Exception {
    TestServer server = TestServer.start();
    String user = "last-" + java.util.UUID.randomUUID().toString().substring(0, 8);
    var pool = io.vertx.pgclient.PgBuilder.pool().connectingTo(io.vertx.pgclient.PgConnectOptions.fromUri(server.config().pgUri()))
        .using(vertx).build();
    try {
      server.createUser(user, "last-password-1", "user");
      String token = server.accessToken(user, "last-password-1");
      // the logout's audit INSERT will wait on this lock while the server shuts down
      var lock = pool.getConnection().await();
      lock.query("BEGIN").execute().await();
      lock.query("LOCK TABLE audit_events IN EXCLUSIVE MODE").execute().await();
      var logout = web.post(server.authPort(), "127.0.0.1", "/auth/logout").putHeader("Authorization", "Bearer " + token)
          .send().await();
      assertThat(logout.statusCode()).isEqualTo(204);
      CompletableFuture<Void> closing = CompletableFuture.runAsync(server::close);
      vertx.timer(500).await();
      lock.query("COMMIT").execute().await();
      lock.close().await();
      closing.get(60, TimeUnit.SECONDS);
      var rows = pool.preparedQuery("SELECT count(*) AS n FROM audit_events WHERE username = $1 AND event = 'logout'")
          .execute(io.vertx.sqlclient.Tuple.of(user)).await();
      assertThat(rows.iterator().next().getLong("n")).as("the logout's audit event").isEqualTo(1L);
    } finally {
      server.close();
      pool.close().await();
    }
  }

  @Test
  @DisplayName("A login in flight when the server is told to stop still gets its 200; a new connection meanwhile is refused")
  void inFlightRequestCompletes() throws Exception {
    // argon2id with 60 passes: a login takes long enough to be caught in flight
    try (TestServer server = TestServer.start(Map.of("ARGON2_ITERATIONS", 60, "SHUTDOWN_GRACE", 30))) {
      int port = server.authPort();
      long t0 = System.nanoTime();
      Future<HttpResponse<Buffer>> login = web.post(port, "127.0.0.1", "/auth/login")
          .sendJsonObject(new JsonObject().put("username", "admin").put("password", TestServer.ADMIN_PASSWORD));
      awaitActiveRequests(server.managementPort(), 2); // the login, and the /metrics request asking
      assertThat(login.isComplete()).as("the login is still hashing").isFalse();

      CompletableFuture<Void> closing = CompletableFuture.runAsync(server.app()::close);
      long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(10);
      while (true) {
        var health = web.get(port, "127.0.0.1", "/health").send();
        try {
          health.await();
        } catch (Exception refused) {
          break;
        }
        assertThat(System.nanoTime()).as("new connections refused within 10 s").isLessThan(deadline);
      }
      assertThat(login.isComplete()).as("new connections were refused while the login was still in flight").isFalse();

      HttpResponse<Buffer> res = login.await();
      assertThat(res.statusCode()).isEqualTo(200);
      assertThat(res.bodyAsJsonObject().getString("access_token")).isNotBlank();
      closing.get(60, TimeUnit.SECONDS);
      org.slf4j.LoggerFactory.getLogger(GracefulShutdownTest.class)
          .info("in-flight login answered 200 after {} ms, during shutdown", (System.nanoTime() - t0) / 1_000_000);
    }
  }

  @Test
  @Tag("slow")
  @DisplayName("SIGTERM to a server process: a login in flight gets its 200, then the process exits cleanly")
  void sigterm() throws Exception {
    JsonObject settings = TestServer.baseSettings();
    int port = TestServer.freePort();
    int management = TestServer.freePort();
    try (ServerProcess p = ServerProcess.in(TestServer.tempDir("sigterm"))
        .settings(settings, "PG_URI", "KEYS_DIR", "BOOTSTRAP_ADMIN_PASSWORD")
        .env("AUTH_HTTP_PORT", port).env("RESOURCE_HTTP_PORT", TestServer.freePort()).env("HASH_WORKERS", 1)
        .env("MANAGEMENT_HTTP_PORT", management)
        .env("ARGON2_ITERATIONS", 60).jvmArgs("-Xmx256m").start()) {
      p.awaitReady(port);
      Future<HttpResponse<Buffer>> login = web.post(port, "127.0.0.1", "/auth/login")
          .sendJsonObject(new JsonObject().put("username", "admin").put("password", TestServer.ADMIN_PASSWORD));
      awaitActiveRequests(management, 2);
      p.process().destroy(); // SIGTERM: the shutdown hook runs App.close()
      HttpResponse<Buffer> res = login.await();
      assertThat(res.statusCode()).isEqualTo(200);
      assertThat(res.bodyAsJsonObject().getString("access_token")).isNotBlank();
      assertThat(p.process().waitFor(30, TimeUnit.SECONDS)).as("the process exits").isTrue();
      assertThat(p.logText()).contains("HTTP servers stopped after").contains("jwt-auth-server stopped");
    }
  }

  @Test
  @DisplayName("SHUTDOWN_GRACE is a number of seconds from 0 to 3600")
  void graceSetting() {
    assertThat(dev.jwtauth.config.AppConfig.from(TestServer.baseSettings()).shutdownGrace()).hasSeconds(10);
    org.assertj.core.api.Assertions.assertThatThrownBy(() -> dev.jwtauth.config.AppConfig.from(TestServer.baseSettings()
            .put("SHUTDOWN_GRACE", "soon")))
        .hasMessage("SHUTDOWN_GRACE must be a whole number, not 'soon'.");
  }

  /**
   * Polls the Vert.x metric of requests being served (all servers of the process) on the management
   * port until it reaches {@code n}, at most 10 s.
   */
  private void awaitActiveRequests(int port, int n) {
    long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(10);
    while (true) {
      String text = web.get(port, "127.0.0.1", "/metrics").send().await().bodyAsString();
      double active = text.lines().filter(l -> l.startsWith("vertx_http_server_active_requests"))
          .mapToDouble(l -> Double.parseDouble(l.substring(l.lastIndexOf(' ') + 1))).sum();
      if (active >= n) {
        return;
      }
      assertThat(System.nanoTime()).as(n + " active requests within 10 s").isLessThan(deadline);
    }
  }
}
