package dev.jwtauth.clients;

import dev.jwtauth.testsupport.TestServer;
import io.vertx.core.Vertx;
import io.vertx.core.buffer.Buffer;
import io.vertx.ext.web.client.HttpResponse;
import io.vertx.pgclient.PgBuilder;
import io.vertx.pgclient.PgConnectOptions;
import io.vertx.sqlclient.Pool;
import io.vertx.sqlclient.Tuple;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.DisplayName;
import org.junit.jupiter.api.Test;

import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.Base64;
import java.util.List;
import java.util.Map;

import static org.assertj.core.api.Assertions.assertThat;

/**
 * The in-memory client cache of the auth process: a change made anywhere (this process's admin API,
 * another process writing the table, an outage of the listening connection) is seen at once.
 * "Another member" is played by a second connection writing the table directly, which is what the
 * command line and another auth process do.
 */
@DisplayName("Client cache: a change to a client, made anywhere, takes effect at once")
class ClientCacheTest {
  static TestServer server;
  static Vertx vertx;
  static Pool db;

  @BeforeAll
  static void start() {
    server = TestServer.start();
    vertx = Vertx.vertx();
    db = PgBuilder.pool().connectingTo(PgConnectOptions.fromUri(server.config().pgUri())).using(vertx).build();
  }

  @AfterAll
  static void stop() {
    db.close().await();
    vertx.close().await();
    server.close();
  }

  private static HttpResponse<Buffer> token(String id, String secret) {
    String basic = "Basic " + Base64.getEncoder().encodeToString((id + ":" + secret).getBytes(StandardCharsets.UTF_8));
    return server.postForm("/oauth2/token", basic, Map.of("grant_type", "client_credentials"));
  }

  /** The client's status code after {@code within}, polling; the first non-200 ends the wait. */
  private static int statusWithin(String id, String secret, Duration within) {
    long end = System.nanoTime() + within.toNanos();
    int status;
    do {
      status = token(id, secret).statusCode();
    } while (status == 200 && System.nanoTime() < end);
    return status;
  }

  private static void warm(String id, String secret) {
    for (int i = 0; i < 3; i++) {
      assertThat(token(id, secret).statusCode()).isEqualTo(200);
    }
  }

  @Test
  @DisplayName("a client disabled by another process (a direct UPDATE) is refused within 1 s, and its tokens stop")
  void disabledElsewhere() {
    String secret = server.createClient("cache-disabled", List.of("reports"), List.of());
    warm("cache-disabled", secret);

    db.preparedQuery("UPDATE clients SET disabled = true WHERE client_id = $1").execute(Tuple.of("cache-disabled")).await();

    assertThat(statusWithin("cache-disabled", secret, Duration.ofSeconds(1))).isEqualTo(401);
    assertThat(token("cache-disabled", secret).statusCode()).isEqualTo(401);
  }

  @Test
  @DisplayName("a secret replaced by another process stops working within 1 s")
  void secretReplacedElsewhere() {
    String secret = server.createClient("cache-rotated", List.of("reports"), List.of());
    warm("cache-rotated", secret);

    db.preparedQuery("UPDATE clients SET secret_hash = $2 WHERE client_id = $1")
        .execute(Tuple.of("cache-rotated", ClientRules.hashSecret("another-secret"))).await();

    assertThat(statusWithin("cache-rotated", secret, Duration.ofSeconds(1))).isEqualTo(401);
    assertThat(token("cache-rotated", "another-secret").statusCode()).isEqualTo(200);
  }

  @Test
  @DisplayName("a client deleted by another process is refused within 1 s")
  void deletedElsewhere() {
    String secret = server.createClient("cache-deleted", List.of("reports"), List.of());
    warm("cache-deleted", secret);

    db.preparedQuery("DELETE FROM clients WHERE client_id = $1").execute(Tuple.of("cache-deleted")).await();

    assertThat(statusWithin("cache-deleted", secret, Duration.ofSeconds(1))).isEqualTo(401);
  }

  @Test
  @DisplayName("disabled through this process's admin API: the very next request is refused")
  void disabledHere() {
    String secret = server.createClient("cache-admin", List.of("reports"), List.of());
    warm("cache-admin", secret);

    var res = server.client.post(server.authPort(), "127.0.0.1", "/admin/clients/cache-admin/disable")
        .putHeader("Authorization", "Bearer " + server.adminToken()).send().await();
    assertThat(res.statusCode()).isBetween(200, 204);

    assertThat(token("cache-admin", secret).statusCode()).isEqualTo(401);
  }

  @Test
  @DisplayName("a change made while the listening connection is cut is seen within 2 s, and never undone")
  void changeDuringListenerOutage() {
    String secret = server.createClient("cache-outage", List.of("reports"), List.of());
    warm("cache-outage", secret);

    // cut the server's LISTEN connection, change the row while it is down, then let it reconnect
    var killed = db.query("SELECT pg_terminate_backend(pid) FROM pg_stat_activity"
        + " WHERE query ILIKE 'LISTEN%' AND pid <> pg_backend_pid()").execute().await();
    assertThat(killed.size()).as("the server's listening connection").isGreaterThanOrEqualTo(1);
    db.preparedQuery("UPDATE clients SET disabled = true WHERE client_id = $1").execute(Tuple.of("cache-outage")).await();

    // a reset connection is seen at once; a silent one within the heartbeat's silence bound
    assertThat(statusWithin("cache-outage", secret, Duration.ofSeconds(2))).isEqualTo(401);
    long end = System.nanoTime() + Duration.ofSeconds(5).toNanos();
    while (System.nanoTime() < end) {
      assertThat(token("cache-outage", secret).statusCode()).isEqualTo(401);
    }
  }
}
