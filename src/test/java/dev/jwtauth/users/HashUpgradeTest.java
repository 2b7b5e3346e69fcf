package dev.jwtauth.users;

import dev.jwtauth.db.Database;
import dev.jwtauth.testsupport.TestServer;
import io.vertx.sqlclient.Pool;
import io.vertx.sqlclient.Tuple;
import org.junit.jupiter.api.DisplayName;
import org.junit.jupiter.api.Test;

import java.util.Map;

import static org.assertj.core.api.Assertions.assertThat;

@DisplayName("A password hash made with older argon2 parameters is upgraded after the next successful login")
class HashUpgradeTest {

  @Test
  @DisplayName("a t=2 hash under ARGON2_ITERATIONS=3: login works, the stored hash becomes t=3, and the password still works")
  void upgradedOnLogin() {
    try (TestServer server = TestServer.start(Map.of("ARGON2_ITERATIONS", 3))) {
      String old = new PasswordHasher(null, 19_456, 2, 1).hashBlocking("legacy-passphrase-4");
      Pool pool = Database.pool(server.app().vertx(), server.config().pgUri(), server.config());
      try {
        pool.preparedQuery("INSERT INTO users (username, password_hash, roles) VALUES ('legacy', $1, '{user}')")
            .execute(Tuple.of(old)).await();

        assertThat(server.login("legacy", "wrong-passphrase-4").statusCode()).isEqualTo(401);
        assertThat(storedHash(pool)).as("a failed login changes nothing").isEqualTo(old);
        assertThat(server.login("legacy", "legacy-passphrase-4").statusCode()).isEqualTo(200);

        String upgraded = old;
        for (int i = 0; i < 100 && upgraded.equals(old); i++) {
          server.app().vertx().timer(100).await();
          upgraded = storedHash(pool);
        }
        assertThat(upgraded).startsWith("$argon2id$v=19$m=19456,t=3,p=1$");
        assertThat(server.login("legacy", "legacy-passphrase-4").statusCode()).isEqualTo(200);
        assertThat(server.login("legacy", "wrong-passphrase-4").statusCode()).isEqualTo(401);
      } finally {
        pool.close().await();
      }
    }
  }

  private static String storedHash(Pool pool) {
    return pool.query("SELECT password_hash FROM users WHERE username = 'legacy'").execute().await()
        .iterator().next().getString("password_hash");
  }
}
