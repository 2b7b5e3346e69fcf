package dev.jwtauth.keys;

import dev.jwtauth.bus.Addresses;
import dev.jwtauth.testsupport.Jwts;
import dev.jwtauth.testsupport.MutableClock;
import dev.jwtauth.testsupport.TestServer;
import io.vertx.core.json.JsonObject;
import org.junit.jupiter.api.DisplayName;
import org.junit.jupiter.api.Test;

import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.Map;

import static org.assertj.core.api.Assertions.assertThat;

@DisplayName("A retired key's private key is deleted once no token it signed can be valid")
class KeyRetirementTest {

  @Test
  @DisplayName("KeyFiles.retire deletes the private key file and keeps the public key in retired/")
  void retireDeletesPrivateKey() {
    Path dir = TestServer.tempDir("retire");
    KeyEntry key = KeyFiles.create(dir, SigningAlgorithm.ES256, 1_700_000_000L);
    Path priv = KeyFiles.privateFile(dir, key);
    assertThat(priv).exists();

    KeyFiles.retire(dir, key);

    assertThat(priv).doesNotExist();
    assertThat(dir.resolve("retired").resolve(key.fileStem() + ".key.pem")).doesNotExist();
    assertThat(dir.resolve("retired").resolve(key.fileStem() + ".pub.pem")).exists();
    assertThat(KeyFiles.load(dir)).isEmpty();
  }

  @Test
  @DisplayName("after ACCESS_TOKEN_TTL + CLOCK_LEEWAY + JWKS_MAX_AGE the old private key is gone from KEYS_DIR, not before;"
      + " private keys left in retired/ by earlier versions are deleted at start-up")
  void privateKeyGoneAfterRetirementDelay() throws Exception {
    MutableClock clock = new MutableClock();
    try (TestServer s = TestServer.start(Map.of("ACCESS_TOKEN_TTL", 60, "CLOCK_LEEWAY", 5, "JWKS_MAX_AGE", 10), clock)) {
      Path keys = s.config().keysDir();
      String admin = s.accessToken("admin", TestServer.ADMIN_PASSWORD);
      String kidA = Jwts.part(admin, 0).getString("kid");
      Path privA = keys.resolve("RS256-" + kidA + ".key.pem");
      var rotated = s.postJson("/admin/keys/rotate", admin, new JsonObject());
      assertThat(rotated.statusCode()).isEqualTo(200);
      String kidB = rotated.bodyAsJsonObject().getString("kid");

      // Retirement after 60 + 5 + 10 = 75 s. At 62 s A's token is still valid (leeway), so A keeps its key.
      clock.advance(Duration.ofSeconds(62));
      reloadAndWait(s);
      assertThat(privA).exists();
      assertThat(s.getResource("/api/me", admin).statusCode()).isEqualTo(200);

      // 80 s: past the delay, counted from the successor's creation (whole seconds)
      clock.advance(Duration.ofSeconds(18));
      s.app().vertx().eventBus().publish(Addresses.KEYS_RELOAD, new JsonObject());
      for (int i = 0; i < 100 && Files.exists(privA); i++) {
        s.app().vertx().timer(50).await();
      }
      assertThat(privA).as("private key of the retired kid %s", kidA).doesNotExist();
      assertThat(keys.resolve("retired").resolve("RS256-" + kidA + ".pub.pem")).exists();
      assertThat(keys.resolve("RS256-" + kidB + ".key.pem")).as("the active key").exists();
      assertThat(s.getResource("/api/me", s.accessToken("admin", TestServer.ADMIN_PASSWORD)).statusCode()).isEqualTo(200);

      // A keys directory from an earlier version, which kept retired private keys:
      Path leftover = keys.resolve("retired").resolve("RS256-lb2x1234-abcd.key.pem");
      Files.writeString(leftover, "-----BEGIN PRIVATE KEY-----\nAAAA\n-----END PRIVATE KEY-----\n");
      s.restart();
      assertThat(leftover).doesNotExist();
      assertThat(keys.resolve("retired").resolve("RS256-" + kidA + ".pub.pem")).exists();
    }
  }

  /** Asks the JWKS verticle to re-read the keys and waits until it has answered a request after that. */
  private static void reloadAndWait(TestServer s) {
    s.app().vertx().eventBus().publish(Addresses.KEYS_RELOAD, new JsonObject());
    // the JWKS verticle handles its messages in order: once it answers JWKS_GET, the reload has started
    s.app().vertx().eventBus().request(Addresses.JWKS_GET, new JsonObject()).await();
    s.app().vertx().timer(300).await();
  }
}
