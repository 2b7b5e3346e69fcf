package dev.jwtauth.tokens;

import dev.jwtauth.db.Database;
import dev.jwtauth.process.ProcessServices;
import dev.jwtauth.testsupport.Jwts;
import dev.jwtauth.testsupport.TestServer;
import io.vertx.sqlclient.Pool;
import io.vertx.sqlclient.Tuple;
import org.junit.jupiter.api.DisplayName;
import org.junit.jupiter.api.Tag;
import org.junit.jupiter.api.Test;

import java.util.Map;

import static org.assertj.core.api.Assertions.assertThat;

@Tag("slow")
@DisplayName("A member that missed a revocation's publish heals within the resync bound")
class RevocationResyncTest {

  @Test
  @DisplayName("a revocation stored without a publish (a missed message, the command line) is enforced within RESYNC")
  void missedPublishHeals() {
    try (TestServer server = TestServer.start(Map.of())) {
      String token = server.accessToken("admin", TestServer.ADMIN_PASSWORD);
      String jti = Jwts.part(token, 1).getString("jti");
      Pool pool = Database.pool(server.app().vertx(), server.config().pgUri(), server.config());
      try {
        pool.preparedQuery("INSERT INTO revocations (kind, value, expires_at) VALUES ('jti', $1, now() + interval '1 hour')")
            .execute(Tuple.of(jti)).await();
      } finally {
        pool.close().await();
      }
      assertThat(server.getResource("/api/me", token).statusCode()).as("nobody was told yet").isEqualTo(200);
      long start = System.nanoTime();

      int status = 200;
      while (status == 200 && System.nanoTime() - start < ProcessServices.RESYNC.plusSeconds(5).toNanos()) {
        server.app().vertx().timer(200).await();
        status = server.getResource("/api/me", token).statusCode();
      }

      assertThat(status).isEqualTo(401);
      assertThat((System.nanoTime() - start) / 1_000_000).isLessThanOrEqualTo(ProcessServices.RESYNC.toMillis() + 1_000);
    }
  }
}
