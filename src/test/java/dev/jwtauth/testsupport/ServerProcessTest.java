package dev.jwtauth.testsupport;

import io.vertx.core.json.JsonObject;
import org.junit.jupiter.api.DisplayName;
import org.junit.jupiter.api.Tag;
import org.junit.jupiter.api.Test;

import java.net.ConnectException;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

@Tag("slow")
@DisplayName("ServerProcess runs the server in its own JVM from environment settings, logs to a file, and kills it")
class ServerProcessTest {

  static int status(int port, String path) throws Exception {
    return HttpClient.newHttpClient().send(HttpRequest.newBuilder(URI.create("http://127.0.0.1:" + port + path)).build(),
        HttpResponse.BodyHandlers.discarding()).statusCode();
  }

  @Test
  @DisplayName("start, ready on both origins, log captured; kill -9 ends it; a restart appends to the same log")
  void startKillRestart() throws Exception {
    JsonObject settings = TestServer.baseSettings();
    int auth = TestServer.freePort();
    int resource = TestServer.freePort();
    try (ServerProcess p = ServerProcess.in(TestServer.tempDir("process"))
        .settings(settings, "PG_URI", "KEYS_DIR", "BOOTSTRAP_ADMIN_PASSWORD")
        .env("AUTH_HTTP_PORT", auth).env("RESOURCE_HTTP_PORT", resource).env("HASH_WORKERS", 1)
        .jvmArgs("-Xmx256m").start()) {
      p.awaitReady(auth).awaitReady(resource);
      assertThat(status(auth, "/health")).isEqualTo(200);
      assertThat(p.logText()).contains("jwt-auth-server ready");

      p.kill();
      assertThat(p.isAlive()).isFalse();
      assertThatThrownBy(() -> status(auth, "/health")).isInstanceOf(ConnectException.class);

      p.restart().awaitHealthy(resource);
      assertThat(status(resource, "/health")).isEqualTo(200);
      assertThat(p.logText().split("jwt-auth-server ready", -1)).as("two starts in one log").hasSize(3);
    }
  }

  @Test
  @DisplayName("a process that exits during start-up fails the wait at once, quoting its log")
  void exitFailsFast() {
    try (ServerProcess p = ServerProcess.in(TestServer.tempDir("process-bad"))
        .env("AUTH_HTTP_PORT", "not-a-port").start()) {
      assertThatThrownBy(() -> p.awaitReady(TestServer.freePort()))
          .isInstanceOf(AssertionError.class).hasMessageContaining("exited").hasMessageContaining("AUTH_HTTP_PORT");
    }
  }
}
