package dev.jwtauth.keys;

import dev.jwtauth.bus.Addresses;
import dev.jwtauth.testsupport.Jwts;
import dev.jwtauth.testsupport.MutableClock;
import dev.jwtauth.testsupport.TestServer;
import io.vertx.core.Future;
import io.vertx.core.buffer.Buffer;
import io.vertx.core.eventbus.Message;
import io.vertx.core.json.JsonArray;
import io.vertx.core.json.JsonObject;
import io.vertx.ext.web.client.HttpResponse;
import io.vertx.junit5.VertxExtension;
import org.junit.jupiter.api.DisplayName;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.ExtendWith;

import java.nio.file.Files;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;

import static org.assertj.core.api.Assertions.assertThat;

@ExtendWith(VertxExtension.class)
@DisplayName("Key rotation never rejects a valid token; retired keys leave the JWKS")
class KeyRotationTest {

  /**
   * The published kids once they are {@code expected}, within 2 s: the key manager announces a new
   * set on the event bus before it answers the rotation, but an issuer instance's event loop may
   * serve a request that arrived on its socket before it runs the announcement queued for it.
   */
  private static List<String> kidsBecome(TestServer s, String... expected) {
    long end = System.nanoTime() + 2_000_000_000L;
    List<String> now = kids(s);
    while (!(now.size() == expected.length && now.containsAll(List.of(expected))) && System.nanoTime() < end) {
      try {
        Thread.sleep(20);
      } catch (InterruptedException e) {
        Thread.currentThread().interrupt();
        break;
      }
      now = kids(s);
    }
    return now;
  }

  private static List<String> kids(TestServer s) {
    JsonArray keys = s.client.get(s.authPort(), "127.0.0.1", "/.well-known/jwks.json").send().await()
        .bodyAsJsonObject().getJsonArray("keys");
    return keys.stream().map(k -> ((JsonObject) k).getString("kid")).toList();
  }

  /** A token from the event-bus API, signed by whichever key the issuer holds now. */
  private static String busToken(TestServer s) {
    return s.app().vertx().eventBus()
        .<JsonObject>request(Addresses.TOKEN_ISSUE, s.busClient().put("sub", "svc").put("roles", new JsonArray().add("user")))
        .map(Message::body).await().getString("access_token");
  }

  /** Issues tokens until one is signed by {@code kid} (the issuers pick the new key up asynchronously). */
  private static String tokenSignedBy(TestServer s, String kid) {
    for (int i = 0; i < 200; i++) {
      String t = busToken(s);
      if (kid.equals(Jwts.part(t, 0).getString("kid"))) {
        return t;
      }
    }
    throw new AssertionError("no token signed by " + kid);
  }

  @Test
  @DisplayName("a rotation in the middle of traffic: every request with the old token succeeds, old and new both accepted")
  void rotationUnderTraffic() {
    MutableClock clock = new MutableClock();
    try (TestServer s = TestServer.start(Map.of("ACCESS_TOKEN_TTL", 60, "CLOCK_LEEWAY", 0, "JWKS_MAX_AGE", 0), clock)) {
      String admin = s.accessToken("admin", TestServer.ADMIN_PASSWORD);
      String kidA = Jwts.part(admin, 0).getString("kid");

      List<Future<HttpResponse<Buffer>>> traffic = new ArrayList<>();
      for (int i = 0; i < 100; i++) {
        traffic.add(s.client.get(s.resourcePort(), "127.0.0.1", "/api/me").putHeader("Authorization", "Bearer " + admin).send());
      }
      var rotated = s.postJson("/admin/keys/rotate", admin, new JsonObject());
      for (int i = 0; i < 100; i++) {
        traffic.add(s.client.get(s.resourcePort(), "127.0.0.1", "/api/me").putHeader("Authorization", "Bearer " + admin).send());
      }
      Future.join(traffic).await();

      assertThat(rotated.statusCode()).isEqualTo(200);
      String kidB = rotated.bodyAsJsonObject().getString("kid");
      assertThat(kidB).isNotEqualTo(kidA);
      assertThat(traffic).allSatisfy(f -> assertThat(f.result().statusCode()).isEqualTo(200));
      assertThat(kidsBecome(s, kidA, kidB)).containsExactlyInAnyOrder(kidA, kidB);

      String fresh = tokenSignedBy(s, kidB);
      assertThat(s.getResource("/api/me", fresh).statusCode()).isEqualTo(200);
      assertThat(s.getResource("/api/me", admin).statusCode()).isEqualTo(200);

      // Once every token of key A has expired (ttl + leeway + JWKS max-age), A retires at the next change.
      clock.advance(Duration.ofSeconds(65));
      String signedByB = busToken(s);
      var again = s.postJson("/admin/keys/rotate", s.accessToken("admin", TestServer.ADMIN_PASSWORD), new JsonObject());
      assertThat(again.statusCode()).isEqualTo(200);
      String kidC = again.bodyAsJsonObject().getString("kid");
      assertThat(kidsBecome(s, kidB, kidC)).containsExactlyInAnyOrder(kidB, kidC);
      assertThat(Files.exists(s.config().keysDir().resolve("retired").resolve("RS256-" + kidA + ".pub.pem"))).isTrue();
      assertThat(Files.exists(s.config().keysDir().resolve("retired").resolve("RS256-" + kidA + ".key.pem"))).isFalse();
      assertThat(Files.exists(s.config().keysDir().resolve("RS256-" + kidA + ".key.pem"))).isFalse();

      assertThat(Jwts.part(signedByB, 0).getString("kid")).isEqualTo(kidB);
      assertThat(s.getResource("/api/me", signedByB).statusCode()).isEqualTo(200);
      assertThat(s.getResource("/api/me", admin).statusCode()).isEqualTo(401);

      // After a restart the retired key stays retired and B's tokens still verify.
      s.restart();
      assertThat(kids(s)).containsExactlyInAnyOrder(kidB, kidC);
      assertThat(s.getResource("/api/me", signedByB).statusCode()).isEqualTo(200);
    }
  }
}
