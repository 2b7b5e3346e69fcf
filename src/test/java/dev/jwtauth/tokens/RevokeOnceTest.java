package dev.jwtauth.tokens;

import dev.jwtauth.bus.Addresses;
import dev.jwtauth.db.Database;
import dev.jwtauth.testsupport.Jwts;
import dev.jwtauth.testsupport.TestServer;
import io.vertx.core.eventbus.MessageConsumer;
import io.vertx.core.json.JsonObject;
import io.vertx.sqlclient.Pool;
import io.vertx.sqlclient.Tuple;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.DisplayName;
import org.junit.jupiter.api.Test;

import java.util.List;
import java.util.Map;
import java.util.concurrent.CopyOnWriteArrayList;

import static org.assertj.core.api.Assertions.assertThat;

@DisplayName("Revoking what is already revoked writes nothing and publishes nothing")
class RevokeOnceTest {
  static TestServer server;

  @BeforeAll
  static void start() {
    server = TestServer.start();
  }

  @AfterAll
  static void stop() {
    server.close();
  }

  @Test
  @DisplayName("a refresh token revoked three times (RFC 7009) publishes its session's revocation once and stores one row")
  void sessionRevokedOnce() {
    JsonObject login = server.login("admin", TestServer.ADMIN_PASSWORD).bodyAsJsonObject();
    String sid = Jwts.part(login.getString("access_token"), 1).getString("sid");
    List<JsonObject> published = new CopyOnWriteArrayList<>();
    MessageConsumer<JsonObject> consumer = server.app().vertx().eventBus().consumer(Addresses.TOKEN_REVOKED,
        msg -> published.add(msg.body()));
    consumer.completion().await();
    String secret = server.createClient("revoker", List.of(), List.of());
    try {
      for (int i = 0; i < 3; i++) {
        var res = server.postForm("/oauth2/revoke", null, Map.of("token", login.getString("refresh_token"),
            "client_id", "revoker", "client_secret", secret));
        assertThat(res.statusCode()).isEqualTo(200);
      }
      server.app().vertx().timer(300).await();

      assertThat(published).filteredOn(e -> sid.equals(e.getString("value"))).hasSize(1);
      Pool pool = Database.pool(server.app().vertx(), server.config().pgUri(), server.config());
      try {
        long rows = pool.preparedQuery("SELECT count(*) AS n FROM revocations WHERE kind = 'sid' AND value = $1")
            .execute(Tuple.of(sid)).await().iterator().next().getLong("n");
        assertThat(rows).isEqualTo(1);
      } finally {
        pool.close().await();
      }
    } finally {
      consumer.unregister().await();
    }
  }
}
