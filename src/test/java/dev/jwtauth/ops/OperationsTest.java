package dev.jwtauth.ops;

import dev.jwtauth.testsupport.TestServer;
import io.vertx.core.json.JsonArray;
import io.vertx.core.json.JsonObject;
import io.vertx.junit5.VertxExtension;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.DisplayName;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.ExtendWith;

import java.util.List;

import static org.assertj.core.api.Assertions.assertThat;

@ExtendWith(VertxExtension.class)
@DisplayName("Operations: Prometheus metrics, readiness checks, the audit trail")
class OperationsTest {
  static TestServer server;

  @BeforeAll
  static void start() {
    server = TestServer.start();
  }

  @AfterAll
  static void stop() {
    server.close();
  }

  private JsonArray audit(String admin, String query) {
    return server.client.get(server.authPort(), "127.0.0.1", "/admin/audit" + query)
        .putHeader("Authorization", "Bearer " + admin).send().await().bodyAsJsonObject().getJsonArray("events");
  }

  @Test
  @DisplayName("security events are stored and an admin can query them; nobody else can")
  void auditTrail() {
    server.createUser("carol", "carol-password", "user");
    assertThat(server.login("carol", "wrong-password").statusCode()).isEqualTo(401);
    assertThat(server.login("nobody-here", "whatever").statusCode()).isEqualTo(401);
    String carol = server.accessToken("carol", "carol-password");
    assertThat(server.postJson("/auth/logout", carol, new JsonObject()).statusCode()).isEqualTo(204);
    String admin = server.accessToken("admin", TestServer.ADMIN_PASSWORD);

    JsonArray events = new JsonArray();
    for (int i = 0; i < 100 && events.size() < 4; i++) {
      events = audit(admin, "?username=carol");
      server.app().vertx().timer(20).await();
    }
    List<String> kinds = events.stream().map(e -> ((JsonObject) e).getString("event")).toList();
    assertThat(kinds).contains("user_created", "login_failure", "login_success", "logout");
    assertThat(events.encode()).doesNotContain("carol-password").doesNotContain("wrong-password").doesNotContain(carol);

    JsonArray failures = audit(admin, "?event=login_failure&limit=10");
    assertThat(failures.stream().map(e -> ((JsonObject) e).getString("username")))
        .contains("carol").doesNotContain("nobody-here");
    assertThat(failures.getJsonObject(0).getString("address")).isEqualTo("127.0.0.1");

    var forbidden = server.client.get(server.authPort(), "127.0.0.1", "/admin/audit")
        .putHeader("Authorization", "Bearer " + server.accessToken("carol", "carol-password")).send().await();
    assertThat(forbidden.statusCode()).isEqualTo(403);
  }

  @Test
  @DisplayName("GET /metrics on the management port is Prometheus text with HTTP, login, issuance, validation-failure and JVM series")
  void metrics() {
    server.accessToken("admin", TestServer.ADMIN_PASSWORD);
    server.login("admin", "bad-password");
    server.getResource("/api/me", "not.a.token");
    assertThat(server.managementPort()).isPositive().isNotIn(server.authPort(), server.resourcePort());
    var res = server.client.get(server.managementPort(), "127.0.0.1", "/metrics").send().await();
    assertThat(res.statusCode()).isEqualTo(200);
    String text = res.bodyAsString();
    assertThat(text).contains("auth_logins_total{outcome=\"success\"}")
        .contains("auth_logins_total{outcome=\"failure\"}")
        .contains("auth_tokens_issued_total{grant=\"password\"}")
        .contains("auth_validation_failures_total")
        .contains("vertx_http_server_requests_total")
        // bound by the server once it is ready (App.start), each once
        .contains("jvm_memory_used_bytes{").contains("jvm_gc_max_data_size_bytes").contains("jvm_threads_live_threads")
        .contains("jvm_classes_loaded_classes").contains("process_uptime_seconds").contains("system_cpu_count")
        .contains("jvm_info{").contains("jvm_compilation_time_ms_total");
    assertThat(text.split("\n# TYPE jvm_threads_live_threads ", -1)).as("bound once").hasSize(2);
  }

  @Test
  @DisplayName("GET /metrics is not served by the public origins while the management server runs (404)")
  void metricsOffThePublicOrigins() {
    for (int port : new int[] {server.authPort(), server.resourcePort()}) {
      var res = server.client.get(port, "127.0.0.1", "/metrics").send().await();
      assertThat(res.statusCode()).as("port %d", port).isEqualTo(404);
      assertThat(res.bodyAsJsonObject().getString("error")).isEqualTo("not_found");
    }
  }

  @Test
  @DisplayName("the management server answers /health and /ready (database and keys checked)")
  void managementHealth() {
    assertThat(server.client.get(server.managementPort(), "127.0.0.1", "/health").send().await().statusCode())
        .isEqualTo(200);
    var ready = server.client.get(server.managementPort(), "127.0.0.1", "/ready").send().await();
    assertThat(ready.statusCode()).isEqualTo(200);
    assertThat(ready.bodyAsJsonObject().getJsonArray("checks").stream().map(c -> ((JsonObject) c).getString("id")))
        .contains("database", "keys");
    assertThat(server.client.get(server.managementPort(), "127.0.0.1", "/api/me").send().await().statusCode())
        .isEqualTo(404);
  }

  @Test
  @DisplayName("GET /ready reports each check; /health answers while the process is up")
  void readiness() {
    var ready = server.client.get(server.authPort(), "127.0.0.1", "/ready").send().await();
    assertThat(ready.statusCode()).isEqualTo(200);
    assertThat(ready.bodyAsJsonObject().getString("status")).isEqualTo("UP");
    assertThat(ready.bodyAsJsonObject().getJsonArray("checks").stream().map(c -> ((JsonObject) c).getString("id")))
        .contains("database", "keys");
    assertThat(server.client.get(server.resourcePort(), "127.0.0.1", "/ready").send().await().statusCode()).isEqualTo(200);
    assertThat(server.client.get(server.resourcePort(), "127.0.0.1", "/health").send().await().statusCode()).isEqualTo(200);
  }
}
